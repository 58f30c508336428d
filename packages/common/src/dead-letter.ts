/** An event that failed permanently, as published on DLQ_TOPIC (avro/dead-letter.avsc). */
export interface DeadLetter {
  originalKey: string | null;
  sourceTopic: string;
  sourcePartition: number;
  sourceOffset: string;
  tenantId: string | null;
  entity: string | null;
  naturalKey: string | null;
  zendeskTarget: string | null;
  /** Human-readable cause; like every error text, free of secrets. */
  reason: string;
  errorCode: string;
  attempts: number;
  runId: string | null;
  failedAt: string;
  /** The value exactly as it was on the source topic, so a retry re-reads the original bytes. */
  originalValue: Buffer | null;
}

import type { EntityName } from './entities.ts';

/** Avro enum symbols cannot hold a hyphen, hence `dead_lettered` for DESIGN.md's "dead-lettered". */
export const AUDIT_STATUSES = ['applied', 'unchanged', 'failed', 'dead_lettered'] as const;
export type AuditStatus = (typeof AUDIT_STATUSES)[number];

/**
 * Posting state of one record for one Zendesk target (avro/audit-record.avsc): the latest per key on
 * AUDIT_TOPIC, every attempt on AUDIT_HISTORY_TOPIC.
 */
export interface AuditRecord {
  tenantId: string;
  entity: EntityName;
  naturalKey: string;
  zendeskTarget: string;
  contentHash: string;
  zendeskObjectType: string;
  zendeskId: string | null;
  status: AuditStatus;
  attempts: number;
  lastError: string | null;
  lastErrorCode: string | null;
  runId: string;
  sourceTopic: string;
  sourcePartition: number;
  /** Kafka offsets are int64; kafkajs hands them over as decimal strings. */
  sourceOffset: string;
  appliedAt: string | null;
  updatedAt: string;
}

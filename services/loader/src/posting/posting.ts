import type { AuditStatus } from '@mlc/common/audit-record';
import type { EntityName } from '@mlc/common/entities';
import type { ZendeskObjectType } from '../mapping/default-mapping.ts';
import type { ZendeskErrorInfo } from '../zendesk/zendesk-error.ts';

/**
 * applied: Zendesk confirmed the write. unchanged: the content hash equals the last applied one, no call.
 * failed: Zendesk refused the record for its content (422, 403…): on the DLQ with Zendesk's answer.
 * dead_lettered: transient failures outlasted the bounded retries: on the DLQ, replayable.
 */
export type PostingStatus = AuditStatus;

/** Where a change event came from, so that any posting can be traced to its Kafka record. */
export interface SourcePosition {
  topic: string;
  partition: number;
  offset: string;
}

/** The change event's Kafka record as consumed: what a dead letter carries so a retry re-reads the original. */
export interface SourceMessage {
  key: string | null;
  value: Buffer;
}

/** One posting of one record to one Zendesk target: the audit topic's value and a posting_history row. */
export interface Posting {
  tenantId: string;
  entity: EntityName;
  naturalKey: string;
  zendeskTarget: string;
  objectType: ZendeskObjectType;
  externalId: string;
  zendeskId: string | null;
  status: PostingStatus;
  contentHash: string;
  attempts: number;
  error: ZendeskErrorInfo | null;
  eventId: string;
  runId: string;
  source: SourcePosition;
  /** Field-level changes against the previously applied body (null when there is none to compare). */
  diff: Record<string, { from: unknown; to: unknown }> | null;
  /** The body sent (applied) — kept so the next posting can be diffed against it. */
  body: Record<string, unknown> | null;
  postedAt: string;
  /** The change event's Kafka key and value (not stored in the history; the DLQ carries them). */
  original?: SourceMessage;
}

/** The last applied state of one record and target, what idempotency and diffs are decided from. */
export interface AppliedState {
  contentHash: string;
  zendeskId: string | null;
  body: Record<string, unknown> | null;
}

export function postingStateKey(
  tenantId: string,
  entity: EntityName,
  naturalKey: string,
  zendeskTarget: string,
): string {
  return `${tenantId}|${entity}|${naturalKey}|${zendeskTarget}`;
}

import type { AuditRecord } from '@mlc/common/audit-record';
import type { ConnectorCodec } from '@mlc/common/change-event-codec';
import type { DeadLetter } from '@mlc/common/dead-letter';
import { ERROR_CATALOG } from '@mlc/common/errors';
import { AUDIT_HISTORY_TOPIC, AUDIT_TOPIC, auditKey, changeEventKey, DLQ_TOPIC } from '@mlc/common/topics';
import type { Message, Producer } from 'kafkajs';
import type { Posting } from './posting.ts';
import type { PostingSink } from './posting-batch-processor.ts';

/**
 * Postings per produce request. kafkajs 2.2.4 groups a request's messages by partition by copying the
 * partition's list for every message (quadratic), and a tenant's records all go to one partition: at 500
 * a request that copying was 2 % of the loader's CPU plus its garbage; at 100 it is a fifth of that.
 */
const AUDIT_CHUNK = 100;

export function auditRecordOf(posting: Posting): AuditRecord {
  return {
    tenantId: posting.tenantId,
    entity: posting.entity,
    naturalKey: posting.naturalKey,
    zendeskTarget: posting.zendeskTarget,
    contentHash: posting.contentHash,
    zendeskObjectType: posting.objectType,
    zendeskId: posting.zendeskId,
    status: posting.status,
    attempts: posting.attempts,
    lastError: posting.error === null ? null : JSON.stringify(posting.error),
    lastErrorCode: posting.error?.error ?? null,
    runId: posting.runId,
    sourceTopic: posting.source.topic,
    sourcePartition: posting.source.partition,
    sourceOffset: posting.source.offset,
    appliedAt: posting.status === 'applied' ? posting.postedAt : null,
    updatedAt: posting.postedAt,
  };
}

/** The dead letter of a failed posting, with the change event's Kafka key and value as consumed. */
export function deadLetterOf(posting: Posting): DeadLetter {
  const error = posting.error;
  return {
    originalKey: posting.original?.key ?? changeEventKey(posting.tenantId, posting.entity, posting.naturalKey),
    sourceTopic: posting.source.topic,
    sourcePartition: posting.source.partition,
    sourceOffset: posting.source.offset,
    tenantId: posting.tenantId,
    entity: posting.entity,
    naturalKey: posting.naturalKey,
    zendeskTarget: posting.zendeskTarget,
    // Zendesk's answer verbatim (status, error, description, details): what an operator needs to fix it.
    reason: error === null ? posting.status : JSON.stringify(error),
    // A posting whose error is one of ours (a refused dependency, an unreadable answer) names it; Zendesk's own
    // refusals and exhausted retries have a code of their kind.
    errorCode:
      error !== null && Object.hasOwn(ERROR_CATALOG, error.error)
        ? error.error
        : posting.status === 'failed'
          ? 'MLC_ZENDESK_ITEM_FAILED'
          : 'MLC_HTTP_RETRIES_EXHAUSTED',
    attempts: posting.attempts,
    runId: posting.runId,
    failedAt: posting.postedAt,
    originalValue: posting.original?.value ?? null,
  };
}

/**
 * Produces each posting's latest state to the compacted audit topic, every posting to the audit history
 * topic, and failed / dead-lettered ones to the DLQ. One send per batch; kafkajs's idempotent producer is
 * not relied on (DESIGN.md §2): a duplicate audit record is harmless, the key keeps the latest.
 */
export class AuditPublisher implements PostingSink {
  readonly #producer: Producer;
  readonly #codec: ConnectorCodec;
  readonly #prefix: string;

  constructor(producer: Producer, codec: ConnectorCodec, prefix = '') {
    this.#producer = producer;
    this.#codec = codec;
    this.#prefix = prefix;
  }

  async record(postings: readonly Posting[]): Promise<void> {
    if (postings.length === 0) return;
    const audit: Message[] = [];
    const history: Message[] = [];
    const dlq: Message[] = [];
    for (const posting of postings) {
      const key = auditKey(posting.tenantId, posting.entity, posting.naturalKey, posting.zendeskTarget);
      const record = auditRecordOf(posting);
      const encoded = await this.#codec.encodeAuditRecord(record);
      audit.push({ key, value: encoded.audit });
      history.push({ key, value: encoded.history });
      if (posting.status === 'failed' || posting.status === 'dead_lettered') {
        dlq.push({
          key,
          value: await this.#codec.encodeDeadLetter(deadLetterOf(posting)),
        });
      }
    }
    // One request at a time: each holds its encoded record batch until the broker answers, and batches of
    // several partitions run at once (sent together, 100+ requests were seen in flight). Chunked also because
    // a produce request carries a partition's messages as one record batch, which must stay under the
    // broker's max.message.bytes (1 MB by default).
    for (let start = 0; start < audit.length; start += AUDIT_CHUNK) {
      await this.#producer.sendBatch({
        acks: -1,
        topicMessages: [
          { topic: `${this.#prefix}${AUDIT_TOPIC}`, messages: audit.slice(start, start + AUDIT_CHUNK) },
          { topic: `${this.#prefix}${AUDIT_HISTORY_TOPIC}`, messages: history.slice(start, start + AUDIT_CHUNK) },
        ],
      });
    }
    for (let start = 0; start < dlq.length; start += AUDIT_CHUNK) {
      await this.#producer.send({
        topic: `${this.#prefix}${DLQ_TOPIC}`,
        acks: -1,
        messages: dlq.slice(start, start + AUDIT_CHUNK),
      });
    }
  }
}

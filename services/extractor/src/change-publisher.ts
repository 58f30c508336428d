import { randomUUID } from 'node:crypto';
import type { ConnectorCodec } from '@mlc/common/change-event-codec';
import { contentHash } from '@mlc/common/content-hash';
import type { DeadLetter } from '@mlc/common/dead-letter';
import type { ChangeEvent, EntityName } from '@mlc/common/entities';
import type { MlcErrorCode } from '@mlc/common/errors';
import { changeEventKey, changeTopic, DLQ_TOPIC } from '@mlc/common/topics';
import type { Message, Producer } from 'kafkajs';
import type { DeletedRecord, ExtractedRecord, RejectedRecord } from './source-adapter.ts';

export interface ChangePublisherOptions {
  producer: Producer;
  codec: ConnectorCodec;
  /** Prepended to topic names (tests isolate their topics with it). */
  topicPrefix?: string;
  /**
   * Largest encoded change event sent; a larger one would fail the whole batch at the broker
   * (`message.max.bytes`, about 1 MB by default) on every run, so it is dead-lettered instead.
   */
  maxMessageBytes?: number;
}

/** Below the broker's default `message.max.bytes` (1048588) with room for the record batch overhead. */
export const DEFAULT_MAX_MESSAGE_BYTES = 1_000_000;

export interface PublishContext {
  tenantId: string;
  entity: EntityName;
  runId: string;
}

export interface HashedRecord extends ExtractedRecord {
  contentHash: string;
}

/**
 * Turns extracted records into Avro change events and sends them with acks=all. Sends are serialized
 * (one in flight per producer): kafkajs's idempotent producer is experimental and not relied on, so
 * ordering and "acked means stored" come from one batch at a time. A resolved `publish` means every event
 * of the batch is acknowledged by all in-sync replicas.
 */
export class ChangePublisher {
  readonly #options: ChangePublisherOptions;
  #tail: Promise<unknown> = Promise.resolve();

  constructor(options: ChangePublisherOptions) {
    this.#options = options;
  }

  static hash(record: ExtractedRecord): HashedRecord {
    return { ...record, contentHash: contentHash(record.payload) };
  }

  /**
   * Sends the records' change events; resolves with the records that were not sent because their event
   * is over the message size limit (the caller dead-letters them), every other one acknowledged.
   */
  async publish(context: PublishContext, records: readonly HashedRecord[]): Promise<RejectedRecord[]> {
    if (records.length === 0) return [];
    const topic = changeTopic(context.entity);
    const extractedAt = new Date().toISOString();
    const limit = this.#options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    const oversized: RejectedRecord[] = [];
    const messages: Message[] = [];
    for (const record of records) {
      const event: ChangeEvent = {
        eventId: randomUUID(),
        tenantId: context.tenantId,
        entity: context.entity,
        naturalKey: record.naturalKey,
        op: 'upsert',
        sourceModifiedAt: record.sourceModifiedAt,
        extractedAt,
        runId: context.runId,
        contentHash: record.contentHash,
        payload: record.payload,
      };
      const value = await this.#options.codec.encodeChangeEvent(event);
      if (value.length > limit) {
        oversized.push({
          naturalKey: record.naturalKey,
          reason: `change event is ${value.length} bytes, over the ${limit}-byte message limit`,
          raw: { ...record.payload },
        });
        continue;
      }
      messages.push({
        key: changeEventKey(context.tenantId, context.entity, record.naturalKey),
        value,
        headers: { tenantId: context.tenantId },
      });
    }
    if (messages.length > 0) await this.#send(`${this.#options.topicPrefix ?? ''}${topic}`, messages);
    return oversized;
  }

  /** op=delete events: payload null, contentHash of the null payload (the loader skips a repeated delete). */
  async publishDeletes(context: PublishContext, deleted: readonly DeletedRecord[]): Promise<void> {
    if (deleted.length === 0) return;
    const extractedAt = new Date().toISOString();
    const hash = contentHash(null);
    const messages: Message[] = [];
    for (const record of deleted) {
      const event: ChangeEvent = {
        eventId: randomUUID(),
        tenantId: context.tenantId,
        entity: context.entity,
        naturalKey: record.naturalKey,
        op: 'delete',
        sourceModifiedAt: record.sourceModifiedAt,
        extractedAt,
        runId: context.runId,
        contentHash: hash,
        payload: null,
      };
      messages.push({
        key: changeEventKey(context.tenantId, context.entity, record.naturalKey),
        value: await this.#options.codec.encodeChangeEvent(event),
        headers: { tenantId: context.tenantId },
      });
    }
    await this.#send(`${this.#options.topicPrefix ?? ''}${changeTopic(context.entity)}`, messages);
  }

  /** Dead-letters records the ERP returned that cannot become payloads; the run continues. */
  async deadLetter(context: PublishContext & { source: string }, rejected: readonly RejectedRecord[]): Promise<void> {
    if (rejected.length === 0) return;
    const failedAt = new Date().toISOString();
    const messages: Message[] = [];
    for (const record of rejected) {
      const letter: DeadLetter = {
        originalKey:
          record.naturalKey === null ? null : changeEventKey(context.tenantId, context.entity, record.naturalKey),
        sourceTopic: context.source,
        sourcePartition: -1,
        sourceOffset: '-1',
        tenantId: context.tenantId,
        entity: context.entity,
        naturalKey: record.naturalKey,
        zendeskTarget: null,
        reason: record.reason,
        errorCode: 'MLC_ERP_RECORD_INVALID' satisfies MlcErrorCode,
        attempts: 1,
        runId: context.runId,
        failedAt,
        originalValue: Buffer.from(JSON.stringify(record.raw).slice(0, 64_000)),
      };
      messages.push({
        key: letter.originalKey ?? `${context.tenantId}|${context.entity}|`,
        value: await this.#options.codec.encodeDeadLetter(letter),
      });
    }
    await this.#send(`${this.#options.topicPrefix ?? ''}${DLQ_TOPIC}`, messages);
  }

  #send(topic: string, messages: Message[]): Promise<void> {
    const send = this.#tail.then(() => this.#options.producer.send({ topic, acks: -1, messages }));
    this.#tail = send.catch(() => undefined);
    return send.then(() => undefined);
  }
}

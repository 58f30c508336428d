import type { ConnectorCodec } from '@mlc/common/change-event-codec';
import { ENTITY_NAMES } from '@mlc/common/entities';
import type { Logger } from '@mlc/common/logger';
import { changeTopic, DLQ_TOPIC } from '@mlc/common/topics';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { InboundEvent, PostingBatchProcessor } from './posting/posting-batch-processor.ts';
import type { ReplayWindows } from './replay/replay-windows.ts';

export interface ChangeConsumerOptions {
  kafka: Kafka;
  producer: Producer;
  codec: ConnectorCodec;
  processor: PostingBatchProcessor;
  logger: Logger;
  groupId: string;
  /** Test isolation: prepended to every topic name. */
  topicPrefix?: string;
  /** Broker-side linger: a fetch waits up to this long for `minBytes` before it returns a smaller batch. */
  lingerMs: number;
  minBytes?: number;
  fromBeginning?: boolean;
  sessionTimeoutMs?: number;
  /** Partitions (so tenants) processed at the same time. */
  partitionsConsumedConcurrently?: number;
  /** Replays in progress (control messages): which re-read records to skip or force. */
  replayWindows?: ReplayWindows;
  /** `topic` without the prefix. */
  onBatch?: (topic: string, partition: number, messages: number, lag: number) => void;
  /** The consumer stopped for good (kafkajs gave up restarting it): the process should exit. */
  onCrash?: (error: Error) => void;
}

/** Header an operator (or the admin API's replay) sets to re-post a record whatever its content hash. */
export const FORCE_HEADER = 'mlc-force';

/**
 * The consumer group over the five change topics. Offsets are resolved and committed only after the
 * processor has a durable posting for every message before them (Zendesk confirmed, unchanged, or on the
 * DLQ), so a crash at any point re-delivers rather than skips, and idempotent upserts make that harmless.
 */
export class ChangeConsumer {
  readonly #options: ChangeConsumerOptions;
  readonly #consumer: Consumer;
  readonly #prefix: string;
  /** Partitions assigned to this replica, by topic without prefix. */
  #assignment = new Map<string, ReadonlySet<number>>();
  /** Next offset to process per `topic|partition` (what was committed last by this replica). */
  readonly #positions = new Map<string, bigint>();
  #joined = false;
  #crashed = false;

  constructor(options: ChangeConsumerOptions) {
    this.#options = options;
    this.#prefix = options.topicPrefix ?? '';
    const sessionTimeout = options.sessionTimeoutMs ?? 30_000;
    this.#consumer = options.kafka.consumer({
      groupId: options.groupId,
      maxWaitTimeInMs: options.lingerMs,
      minBytes: options.minBytes ?? 20_000,
      maxBytesPerPartition: 2 * 1024 * 1024,
      sessionTimeout,
      heartbeatInterval: Math.max(500, Math.floor(sessionTimeout / 10)),
      rebalanceTimeout: Math.max(60_000, sessionTimeout),
    });
    this.#consumer.on(this.#consumer.events.GROUP_JOIN, ({ payload }) => {
      // Another replica may have written these partitions' tenants meanwhile: forget what we cached.
      options.processor.forget();
      options.replayWindows?.clear();
      this.#positions.clear();
      this.#assignment = new Map(
        Object.entries(payload.memberAssignment).map(([topic, partitions]) => [
          topic.slice(this.#prefix.length),
          new Set(partitions),
        ]),
      );
      this.#joined = true;
    });
    this.#consumer.on(this.#consumer.events.CRASH, ({ payload }) => {
      if (payload.restart) return;
      this.#crashed = true;
      options.onCrash?.(payload.error);
    });
  }

  /** Joined its group and not crashed: what /readyz reports. */
  get ready(): boolean {
    return this.#joined && !this.#crashed;
  }

  /** Whether this replica consumes `topic` (without prefix) partition `partition` right now. */
  owns(topic: string, partition: number): boolean {
    return this.#assignment.get(topic)?.has(partition) ?? false;
  }

  /** The next offset this replica would process on a partition, when it processed any since it joined. */
  position(topic: string, partition: number): bigint | undefined {
    return this.#positions.get(`${topic}|${partition}`);
  }

  async start(): Promise<void> {
    await this.#consumer.connect();
    await this.#consumer.subscribe({
      topics: ENTITY_NAMES.map((entity) => `${this.#prefix}${changeTopic(entity)}`),
      fromBeginning: this.#options.fromBeginning ?? true,
    });
    await this.#consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.#options.partitionsConsumedConcurrently ?? 4,
      eachBatch: (payload) => this.#eachBatch(payload),
    });
  }

  /**
   * kafkajs `stop` stops fetching and waits for the running batches, which commit through their own
   * payload (see `#eachBatch`): in-flight work is drained and committed before the group is left.
   */
  async stop(): Promise<void> {
    await this.#consumer.stop();
    await this.#consumer.disconnect();
  }

  /** For control messages (replay): seek a partition of a change topic (without prefix) to an offset. */
  seek(topic: string, partition: number, offset: string): void {
    this.#consumer.seek({ topic: `${this.#prefix}${topic}`, partition, offset });
  }

  async #eachBatch({
    batch,
    resolveOffset,
    commitOffsetsIfNecessary,
    heartbeat,
    isRunning,
    isStale,
  }: EachBatchPayload): Promise<void> {
    if (batch.messages.length === 0 || !isRunning() || isStale()) return;
    const topic = batch.topic.slice(this.#prefix.length);
    const windows = this.#options.replayWindows?.active(topic, batch.partition)
      ? this.#options.replayWindows
      : undefined;
    const inbound: InboundEvent[] = [];
    const poison: { message: KafkaMessage; error: unknown }[] = [];
    for (const message of batch.messages) {
      if (message.value === null) continue; // a tombstone: compaction already removed the record
      const decision = windows?.decide(topic, batch.partition, message.offset, message.key?.toString() ?? '');
      if (decision === 'skip') continue;
      try {
        const event = await this.#options.codec.decodeChangeEvent(message.value);
        inbound.push({
          event,
          source: { topic, partition: batch.partition, offset: message.offset },
          force: decision === 'force' || message.headers?.[FORCE_HEADER]?.toString() === 'true',
          original: { key: message.key?.toString() ?? null, value: message.value },
        });
      } catch (error) {
        poison.push({ message, error });
      }
    }
    if (poison.length > 0) {
      await this.#options.producer.send({
        topic: `${this.#prefix}${DLQ_TOPIC}`,
        acks: -1,
        messages: await Promise.all(
          poison.map(async ({ message, error }) => ({
            key: message.key,
            value: await this.#options.codec.encodeDeadLetter({
              originalKey: message.key?.toString() ?? null,
              sourceTopic: topic,
              sourcePartition: batch.partition,
              sourceOffset: message.offset,
              tenantId: null,
              entity: null,
              naturalKey: null,
              zendeskTarget: null,
              reason: error instanceof Error ? error.message : String(error),
              errorCode: 'MLC_SCHEMA_INVALID',
              attempts: 1,
              runId: null,
              failedAt: new Date().toISOString(),
              originalValue: message.value,
            }),
          })),
        ),
      });
    }
    const heartbeats = setInterval(() => void heartbeat().catch(() => {}), 3_000);
    try {
      if (inbound.length > 0) await this.#options.processor.process(inbound);
    } finally {
      clearInterval(heartbeats);
    }
    const last = batch.lastOffset();
    const next = BigInt(last) + 1n;
    resolveOffset(last);
    // The batch's own commit, not `consumer.commitOffsets`: kafkajs turns that into a silent no-op once
    // `stop()` began, so a batch drained during a SIGTERM would be re-read by the next replica.
    await commitOffsetsIfNecessary({
      topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: next.toString() }] }],
    });
    this.#positions.set(`${topic}|${batch.partition}`, next);
    const lag = Number(BigInt(batch.highWatermark) - next);
    this.#options.onBatch?.(topic, batch.partition, batch.messages.length, lag);
    this.#options.logger.debug(
      { topic: batch.topic, partition: batch.partition, messages: batch.messages.length, lag },
      'batch committed',
    );
  }
}

import { setTimeout as sleep } from 'node:timers/promises';
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
  /**
   * How long kafkajs's fetch loop waits for a batch before the batch's partition is paused and the batch
   * finishes on its own (default 500 ms). kafkajs fetches again only once every batch of the last fetch
   * returned, so a tenant waiting on its budget or a 429's Retry-After would otherwise hold every partition.
   */
  handOffAfterMs?: number;
}

/** A batch being processed on a partition; at most one per partition. */
interface InFlight {
  /** Settles (never rejects) once the batch committed or failed and the partition may be fetched again. */
  settled: Promise<void>;
  /** The batch outlived the fetch loop's wait: its partition is paused until it lands. */
  handedOff: boolean;
  landed: boolean;
  /** A replay seek asked for while the batch ran: applied after its offsets, so the seek wins. */
  seek: string | undefined;
}

const RETRY_BASE_MS = 500;
const RETRY_MAX_MS = 30_000;

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
  /** By `topic|partition` with the prefix, as kafkajs names them. */
  readonly #inFlight = new Map<string, InFlight>();
  /** Consecutive failures of handed-off batches per partition, for the backoff before it is fetched again. */
  readonly #failures = new Map<string, number>();
  #joined = false;
  #crashed = false;
  #stopping = false;

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
   * No batch starts any more; the running ones (handed off or not) finish and commit through their own
   * payload while the group is still joined, then kafkajs stops and leaves: in-flight work is drained and
   * committed before another replica gets the partitions.
   */
  async stop(): Promise<void> {
    this.#stopping = true;
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight.values()].map((flight) => flight.settled));
    await this.#consumer.stop();
    await this.#consumer.disconnect();
  }

  /** For control messages (replay): seek a partition of a change topic (without prefix) to an offset. */
  seek(topic: string, partition: number, offset: string): void {
    const flight = this.#inFlight.get(`${this.#prefix}${topic}|${partition}`);
    if (flight) flight.seek = offset;
    else this.#consumer.seek({ topic: `${this.#prefix}${topic}`, partition, offset });
  }

  /**
   * Each partition moves on its own: a batch that is not done within `handOffAfterMs` keeps running, its
   * partition paused, and eachBatch returns without resolving its offsets, so kafkajs fetches the other
   * partitions meanwhile. Once the batch committed, the partition is resumed and fetched from there.
   */
  async #eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, isRunning, isStale } = payload;
    if (batch.messages.length === 0 || !isRunning() || isStale()) return;
    const topicPartition = { topic: batch.topic, partitions: [batch.partition] };
    const key = `${batch.topic}|${batch.partition}`;
    if (this.#stopping || this.#inFlight.has(key)) {
      // Not resolved: fetched again from the last resolved offset when the partition is resumed.
      this.#consumer.pause([topicPartition]);
      return;
    }
    const flight: InFlight = { settled: Promise.resolve(), handedOff: false, landed: false, seek: undefined };
    this.#inFlight.set(key, flight);
    const work = this.#process(payload);
    const land = () => {
      flight.landed = true;
      this.#inFlight.delete(key);
      if (flight.seek !== undefined) {
        this.#consumer.seek({ topic: batch.topic, partition: batch.partition, offset: flight.seek });
      }
      if (!this.#stopping) this.#consumer.resume([topicPartition]);
    };
    flight.settled = work.then(
      () => {
        this.#failures.delete(key);
        land();
      },
      async (error: unknown) => {
        if (flight.handedOff) {
          // Nobody awaits a handed-off batch: it is retried here, from its unresolved offsets, after a pause.
          const failures = (this.#failures.get(key) ?? 0) + 1;
          this.#failures.set(key, failures);
          this.#options.logger.error(
            { err: error, topic: batch.topic, partition: batch.partition, failures },
            'batch failed; the partition is consumed again after a pause',
          );
          if (!this.#stopping) await sleep(Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** (failures - 1)));
        }
        land();
      },
    );
    let timer: NodeJS.Timeout | undefined;
    const handOff = new Promise<'handed-off'>((resolve) => {
      timer = setTimeout(() => resolve('handed-off'), this.#options.handOffAfterMs ?? 500);
    });
    try {
      // A failure before the hand-off is kafkajs's to retry, as for any batch.
      const outcome = await Promise.race([work.then(() => 'done' as const), handOff]);
      if (outcome === 'handed-off' && !flight.landed) {
        flight.handedOff = true;
        this.#consumer.pause([topicPartition]);
      }
    } finally {
      clearTimeout(timer);
    }
  }

  /** Processes a batch, then resolves and commits its offsets: only once every record has a durable posting. */
  async #process({ batch, resolveOffset, commitOffsetsIfNecessary, heartbeat }: EachBatchPayload): Promise<void> {
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
    // Revoked while a handed-off batch ran: the new owner reads it again (harmless), nothing to commit here.
    if (!this.owns(topic, batch.partition)) return;
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

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
   * Batches of one partition processed at the same time (default 4). Their offsets are still committed
   * in order, so a crash re-delivers and never skips; a batch holding a record that an earlier one in
   * flight also holds waits for it, so a record's versions reach Zendesk in order.
   */
  batchesInFlight?: number;
  /**
   * Records of all partitions in flight at once (default 10,000): with one batch per partition always
   * allowed, what bounds the loader's memory. A further batch that would exceed it waits, its partition paused.
   */
  maxRecordsInFlight?: number;
}

/**
 * A consumed message as a flight keeps it: copies, because kafkajs's key and value are views into the whole
 * fetch response (every partition's batch, up to several MB), which one view kept alive would retain.
 */
interface Received {
  offset: string;
  key: Buffer | null;
  keyText: string;
  value: Buffer | null;
  forced: boolean;
}

/** A fetched batch being processed: what it needs of the kafkajs batch, which it does not retain. */
interface Flight {
  /** Topic with the prefix, as kafkajs names it. */
  topic: string;
  partition: number;
  messages: Received[];
  records: number;
  /** The consumer-group generation it was fetched in: after a rebalance its offsets are not committed. */
  generation: number;
  firstOffset: string;
  lastOffset: string;
  highWatermark: string;
  /** True once every record has a durable posting, false when processing failed; never rejects. */
  processed: Promise<boolean>;
}

/** kafkajs's commit and heartbeat of a batch: the runner's, whichever batch they came with. */
type BatchControl = Pick<EachBatchPayload, 'commitOffsetsIfNecessary' | 'heartbeat'>;

/** Where a partition is read again from, and in which consumer-group generation that was decided. */
interface Rewind {
  offset: string;
  generation: number;
}

/** One partition's batches in flight, oldest first, and what happens once they settle. */
interface Lane {
  topicPartition: { topic: string; partitions: number[] };
  flights: Flight[];
  /** Message key → the latest flight holding it. */
  holders: Map<string, Flight>;
  /** Settles once the newest flight committed or gave up: each flight commits after the one before. */
  tail: Promise<void>;
  /** The oldest failed batch's first offset: it and every later batch are read again. */
  failedAt: Rewind | undefined;
  /** A replay seek asked for while batches ran or a rewind was pending: applied once they settled. */
  seekTo: Rewind | undefined;
  /** Consecutive failed rounds, for the backoff before the partition is read again. */
  failures: number;
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
  readonly #lanes = new Map<string, Lane>();
  readonly #batchesInFlight: number;
  readonly #maxRecordsInFlight: number;
  #recordsInFlight = 0;
  /**
   * The latest accepted batch's commit and heartbeat. Their closures hold that batch (and its fetch
   * response): a flight keeping its own would keep every batch in flight alive, this keeps one.
   */
  #control: BatchControl | undefined;
  /** Lanes paused because the records in flight left no room for their batch. */
  readonly #waitingForRoom = new Set<Lane>();
  #generation = 0;
  #joined = false;
  #crashed = false;
  #stopping = false;
  /** Cuts a failure's backoff short when the consumer stops. */
  readonly #stopped = new AbortController();

  constructor(options: ChangeConsumerOptions) {
    this.#options = options;
    this.#prefix = options.topicPrefix ?? '';
    this.#batchesInFlight = Math.max(1, options.batchesInFlight ?? 4);
    this.#maxRecordsInFlight = Math.max(1, options.maxRecordsInFlight ?? 10_000);
    const sessionTimeout = options.sessionTimeoutMs ?? 30_000;
    this.#consumer = options.kafka.consumer({
      groupId: options.groupId,
      maxWaitTimeInMs: options.lingerMs,
      minBytes: options.minBytes ?? 20_000,
      // About 500 change events, five bulk requests. A batch holds all its records (decoded, mapped, their
      // postings) until the last one is written, while only `concurrency` requests of it are in flight: 1 MB
      // batches (~2,000 events) held four times the memory for the same Zendesk concurrency, and with one
      // batch per partition always allowed, many busy partitions went far past the record bound.
      maxBytesPerPartition: 256 * 1024,
      sessionTimeout,
      heartbeatInterval: Math.max(500, Math.floor(sessionTimeout / 10)),
      rebalanceTimeout: Math.max(60_000, sessionTimeout),
    });
    this.#consumer.on(this.#consumer.events.GROUP_JOIN, ({ payload }) => {
      // Another replica may have written these partitions' tenants meanwhile: forget what we cached.
      options.processor.forget();
      options.replayWindows?.clear();
      this.#positions.clear();
      this.#generation += 1;
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
   * No batch starts any more; the running ones finish and commit through their own
   * payload while the group is still joined, then kafkajs stops and leaves: in-flight work is drained and
   * committed before another replica gets the partitions.
   */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#stopped.abort();
    await Promise.all([...this.#lanes.values()].map((lane) => lane.tail));
    await this.#consumer.stop();
    await this.#consumer.disconnect();
  }

  /** For control messages (replay): seek a partition of a change topic (without prefix) to an offset. */
  seek(topic: string, partition: number, offset: string): void {
    // kafkajs keeps a seek of a partition it does not own and applies it whenever the partition comes back.
    if (!this.owns(topic, partition)) return;
    const lane = this.#lanes.get(`${this.#prefix}${topic}|${partition}`);
    if (lane !== undefined && (lane.flights.length > 0 || lane.failedAt !== undefined)) {
      lane.seekTo = { offset, generation: this.#generation };
      this.#pause(lane);
    } else {
      this.#unlessRestarting(() => this.#consumer.seek({ topic: `${this.#prefix}${topic}`, partition, offset }));
    }
  }

  /**
   * Starts processing the batch and returns at once, its offsets resolved, so kafkajs fetches the next one
   * of this partition (and the other partitions) while it runs. A partition with `batchesInFlight` batches
   * running, or waiting to be read again, is paused; the batch refused meanwhile is not resolved, so it is
   * fetched again from there once the partition is resumed.
   */
  async #eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, isRunning, isStale, commitOffsetsIfNecessary, heartbeat } = payload;
    if (batch.messages.length === 0 || !isRunning() || isStale()) return;
    const lane = this.#lane(batch.topic, batch.partition);
    if (
      this.#stopping ||
      lane.failedAt !== undefined ||
      lane.seekTo !== undefined ||
      lane.flights.length >= this.#batchesInFlight
    ) {
      this.#pause(lane);
      return;
    }
    // A partition with nothing in flight always gets its batch: a batch waiting for records of another
    // partition (invoices for their supplier's organization) must never keep that partition out.
    if (lane.flights.length > 0 && this.#recordsInFlight + batch.messages.length > this.#maxRecordsInFlight) {
      this.#waitingForRoom.add(lane);
      this.#pause(lane);
      return;
    }
    this.#control = { commitOffsetsIfNecessary, heartbeat };
    const messages = batch.messages.map(received);
    const keys = new Set<string>();
    for (const message of messages) keys.add(message.keyText);
    const earlier = new Set<Flight>();
    for (const key of keys) {
      const holder = lane.holders.get(key);
      if (holder !== undefined) earlier.add(holder);
    }
    const flight: Flight = {
      topic: batch.topic,
      partition: batch.partition,
      messages,
      records: messages.length,
      generation: this.#generation,
      firstOffset: batch.firstOffset() ?? messages[0]!.offset,
      lastOffset: batch.lastOffset(),
      highWatermark: batch.highWatermark,
      processed: Promise.resolve(false),
    };
    for (const key of keys) lane.holders.set(key, flight);
    this.#recordsInFlight += flight.records;
    // The closures below name the flight, never `batch` or `payload`: either would keep the kafkajs batch
    // (and its fetch response) alive until the flight settles.
    flight.processed = (async () => {
      // An earlier version of one of these records failed: sending this one now would put it in Zendesk
      // before the earlier one is sent again. It waits for the rewind (its keys stay held until then).
      if ((await Promise.all([...earlier].map((before) => before.processed))).includes(false)) return false;
      try {
        await this.#process(flight);
      } catch (error) {
        this.#options.logger.error(
          { err: error, topic: flight.topic, partition: flight.partition, firstOffset: flight.firstOffset },
          'batch failed; the partition is read again from it after a pause',
        );
        return false;
      }
      for (const key of keys) if (lane.holders.get(key) === flight) lane.holders.delete(key);
      return true;
    })().finally(() => {
      // The flight lives on until the lane's earlier flights settled; what it consumed is not needed now.
      flight.messages = [];
    });
    lane.flights.push(flight);
    const before = lane.tail;
    lane.tail = (async () => {
      const ok = await flight.processed;
      await before;
      await this.#settle(lane, flight, ok);
    })().catch((error: unknown) => {
      // Only kafkajs calls can throw here (the consumer is restarting or stopped): the group's rejoin or
      // the next start reads the partition from its committed offset.
      this.#options.logger.warn({ err: error, topic: flight.topic, partition: flight.partition }, 'batch not settled');
    });
    payload.resolveOffset(batch.lastOffset());
    if (lane.flights.length >= this.#batchesInFlight) this.#pause(lane);
  }

  #lane(topic: string, partition: number): Lane {
    const key = `${topic}|${partition}`;
    let lane = this.#lanes.get(key);
    if (lane === undefined) {
      lane = {
        topicPartition: { topic, partitions: [partition] },
        flights: [],
        holders: new Map(),
        tail: Promise.resolve(),
        failedAt: undefined,
        seekTo: undefined,
        failures: 0,
      };
      this.#lanes.set(key, lane);
    }
    return lane;
  }

  /**
   * In offset order: commits a processed batch unless an earlier one failed or the group moved on. Once the
   * last batch in flight settled, a failure or a replay seek is applied (the partition read again from
   * the earlier of the two, after a backoff for a failure) and the partition resumed.
   */
  async #settle(lane: Lane, flight: Flight, ok: boolean): Promise<void> {
    lane.flights.shift();
    this.#recordsInFlight -= flight.records;
    this.#resumeWaitingForRoom();
    if (ok && lane.failedAt === undefined && flight.generation === this.#generation) {
      try {
        await this.#commit(flight);
        lane.failures = 0;
      } catch (error) {
        this.#options.logger.error(
          { err: error, topic: flight.topic, partition: flight.partition },
          'offset commit failed; the batch is read again',
        );
        ok = false;
      }
    }
    if (!ok) {
      lane.failedAt ??= { offset: flight.firstOffset, generation: flight.generation };
      this.#pause(lane);
    }
    if (lane.failedAt === undefined && lane.seekTo === undefined) {
      this.#resume(lane);
      return;
    }
    if (lane.flights.length > 0) return;
    if (lane.failedAt !== undefined) {
      lane.failures += 1;
      const backoffMs = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** (lane.failures - 1));
      await sleep(backoffMs, undefined, { signal: this.#stopped.signal }).catch(() => undefined);
    }
    // Decided after the backoff: the partition may have been revoked (or come back) meanwhile.
    const topic = lane.topicPartition.topic.slice(this.#prefix.length);
    const [partition] = lane.topicPartition.partitions;
    const owned = this.owns(topic, partition!);
    const rewinds = [lane.failedAt, lane.seekTo].filter(
      (rewind): rewind is Rewind => rewind !== undefined && rewind.generation === this.#generation && owned,
    );
    lane.failedAt = undefined;
    lane.seekTo = undefined;
    lane.holders.clear();
    if (rewinds.length > 0 && !this.#stopping) {
      // The earlier offset: a replay that starts later must not skip a failed batch's records.
      let offset = BigInt(rewinds[0]!.offset);
      for (const rewind of rewinds) if (BigInt(rewind.offset) < offset) offset = BigInt(rewind.offset);
      this.#unlessRestarting(() =>
        this.#consumer.seek({ topic: lane.topicPartition.topic, partition: partition!, offset: offset.toString() }),
      );
    }
    this.#resume(lane);
  }

  #pause(lane: Lane): void {
    this.#unlessRestarting(() => this.#consumer.pause([lane.topicPartition]));
  }

  #resume(lane: Lane): void {
    if (!this.#stopping) this.#unlessRestarting(() => this.#consumer.resume([lane.topicPartition]));
  }

  /**
   * kafkajs refuses pause, resume and seek while it restarts the consumer (a broker went away): harmless,
   * as the restarted consumer fetches every partition from its committed offset. Throwing instead would
   * leave the lane's state half-updated and its partition refused for good.
   */
  #unlessRestarting(call: () => void): void {
    try {
      call();
    } catch (error) {
      this.#options.logger.debug({ err: error }, 'consumer restarting; partition state left to its restart');
    }
  }

  #resumeWaitingForRoom(): void {
    if (this.#stopping) return;
    for (const lane of this.#waitingForRoom) {
      if (lane.failedAt === undefined && lane.seekTo === undefined && lane.flights.length < this.#batchesInFlight) {
        this.#resume(lane);
      }
    }
    this.#waitingForRoom.clear();
  }

  /** Processes a batch: resolves once every record of it has a durable posting. */
  async #process(flight: Flight): Promise<void> {
    const { partition } = flight;
    const topic = flight.topic.slice(this.#prefix.length);
    const windows = this.#options.replayWindows?.active(topic, partition) ? this.#options.replayWindows : undefined;
    const inbound: InboundEvent[] = [];
    const poison: { message: Received; value: Buffer; error: unknown }[] = [];
    for (const message of flight.messages) {
      const { value } = message;
      if (value === null) continue; // a tombstone: compaction already removed the record
      const decision = windows?.decide(topic, partition, message.offset, message.keyText);
      if (decision === 'skip') continue;
      try {
        const event = await this.#options.codec.decodeChangeEvent(value);
        inbound.push({
          event,
          source: { topic, partition, offset: message.offset },
          force: decision === 'force' || message.forced,
          original: { key: message.key === null ? null : message.keyText, value },
        });
      } catch (error) {
        poison.push({ message, value, error });
      }
    }
    if (poison.length > 0) {
      await this.#options.producer.send({
        topic: `${this.#prefix}${DLQ_TOPIC}`,
        acks: -1,
        messages: await Promise.all(
          poison.map(async ({ message, value, error }) => ({
            key: message.key,
            value: await this.#options.codec.encodeDeadLetter({
              originalKey: message.key === null ? null : message.keyText,
              sourceTopic: topic,
              sourcePartition: partition,
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
              originalValue: value,
            }),
          })),
        ),
      });
    }
    const heartbeats = setInterval(() => void this.#control?.heartbeat().catch(() => {}), 3_000);
    try {
      if (inbound.length > 0) await this.#options.processor.process(inbound);
    } finally {
      clearInterval(heartbeats);
    }
  }

  async #commit(flight: Flight): Promise<void> {
    const topic = flight.topic.slice(this.#prefix.length);
    const next = BigInt(flight.lastOffset) + 1n;
    // Revoked while the batch ran: the new owner reads it again (harmless), nothing to commit here.
    if (!this.owns(topic, flight.partition)) return;
    // The runner's own commit, not `consumer.commitOffsets`: kafkajs turns that into a silent no-op once
    // `stop()` began, so a batch drained during a SIGTERM would be re-read by the next replica.
    await this.#control!.commitOffsetsIfNecessary({
      topics: [{ topic: flight.topic, partitions: [{ partition: flight.partition, offset: next.toString() }] }],
    });
    this.#positions.set(`${topic}|${flight.partition}`, next);
    const lag = Number(BigInt(flight.highWatermark) - next);
    this.#options.onBatch?.(topic, flight.partition, flight.records, lag);
    this.#options.logger.debug(
      { topic: flight.topic, partition: flight.partition, messages: flight.records, lag },
      'batch committed',
    );
  }
}

function received(message: KafkaMessage): Received {
  return {
    offset: message.offset,
    key: message.key === null ? null : Buffer.from(message.key),
    keyText: message.key?.toString() ?? '',
    value: message.value === null ? null : Buffer.from(message.value),
    forced: message.headers?.[FORCE_HEADER]?.toString() === 'true',
  };
}

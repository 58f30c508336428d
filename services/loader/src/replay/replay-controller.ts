import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  type ControlMessage,
  type DlqRetryControlMessage,
  decodeControlMessage,
  type ReplayControlMessage,
} from '@mlc/common/control-message';
import { ENTITY_NAMES } from '@mlc/common/entities';
import type { Logger } from '@mlc/common/logger';
import { partitionForTenant } from '@mlc/common/tenant-partitioner';
import { CONTROL_TOPIC, changeTopic } from '@mlc/common/topics';
import type { Admin, Consumer, Kafka } from 'kafkajs';
import type { ReplayWindow, ReplayWindows } from './replay-windows.ts';

/** What the controller needs of the change consumer: which partitions it owns, where it stands, seeking. */
export interface SeekableConsumer {
  owns(topic: string, partition: number): boolean;
  position(topic: string, partition: number): bigint | undefined;
  seek(topic: string, partition: number, offset: string): void;
}

export interface ReplayControllerOptions {
  kafka: Kafka;
  admin: Admin;
  changes: SeekableConsumer;
  windows: ReplayWindows;
  logger: Logger;
  /** The change consumer's group id; the control consumer's group is derived from it, unique per replica. */
  groupId: string;
  topicPrefix?: string;
}

/** A seek the controller made, for logs and tests. */
export interface ReplaySeek {
  requestId: string;
  topic: string;
  partition: number;
  from: string;
  endOffset: string;
}

/**
 * Reads CONTROL_TOPIC from its end (every replica reads every message: its own group, nothing committed) and
 * acts on the requests for partitions this replica owns: a replay seeks the tenant's partition of each
 * change topic back to `from` and opens a window that says which re-read records to force and which to
 * skip; a DLQ retry does the same for the listed records only. The replica that does not own the tenant's
 * partition does nothing, so exactly one loader acts, without a rebalance.
 */
export class ReplayController {
  readonly #options: ReplayControllerOptions;
  readonly #prefix: string;
  readonly #consumer: Consumer;
  #joined!: Promise<void>;
  readonly #seeks: ReplaySeek[] = [];

  constructor(options: ReplayControllerOptions) {
    this.#options = options;
    this.#prefix = options.topicPrefix ?? '';
    this.#consumer = options.kafka.consumer({
      groupId: `${options.groupId}.control.${hostname()}.${randomUUID().slice(0, 8)}`,
      maxWaitTimeInMs: 500,
    });
  }

  /** Resolves once the control consumer has its partition, so later control messages are seen. */
  async start(): Promise<void> {
    this.#joined = new Promise((resolve) => {
      this.#consumer.on(this.#consumer.events.GROUP_JOIN, () => resolve());
    });
    await this.#consumer.connect();
    await this.#consumer.subscribe({ topic: `${this.#prefix}${CONTROL_TOPIC}`, fromBeginning: false });
    await this.#consumer.run({
      autoCommit: false,
      eachMessage: async ({ message }) => {
        if (message.value === null) return;
        let control: ControlMessage;
        try {
          control = decodeControlMessage(message.value);
        } catch (error) {
          this.#options.logger.warn({ err: error, offset: message.offset }, 'control message skipped');
          return;
        }
        try {
          await this.apply(control);
        } catch (error) {
          this.#options.logger.error({ err: error, requestId: control.requestId }, 'control message failed');
        }
      },
    });
    await this.#joined;
  }

  async stop(): Promise<void> {
    await this.#consumer.disconnect();
  }

  /** Seeks made so far (most recent last). */
  get seeks(): readonly ReplaySeek[] {
    return this.#seeks;
  }

  async apply(control: ControlMessage): Promise<ReplaySeek[]> {
    const seeks = control.type === 'replay' ? await this.#replay(control) : await this.#dlqRetry(control);
    this.#options.logger.info(
      {
        requestId: control.requestId,
        type: control.type,
        tenantId: control.tenantId,
        requestedBy: control.requestedBy,
        seeks,
      },
      seeks.length > 0 ? 'control message applied' : 'control message concerns partitions of another replica',
    );
    return seeks;
  }

  async #replay(control: ReplayControlMessage): Promise<ReplaySeek[]> {
    const seeks: ReplaySeek[] = [];
    const entities = control.entity === null ? ENTITY_NAMES : [control.entity];
    for (const entity of entities) {
      const topic = changeTopic(entity);
      const partition = await this.#tenantPartition(topic, control.tenantId);
      if (!this.#options.changes.owns(topic, partition)) continue;
      const { low, high } = await this.#bounds(topic, partition);
      const from = control.from === 'earliest' ? low : await this.#offsetAt(topic, partition, control.from, high);
      const keys = control.naturalKeys === null ? null : new Set(control.naturalKeys.map((key) => `${entity}|${key}`));
      const seek = this.#seek(topic, partition, from, high, {
        requestId: control.requestId,
        tenantId: control.tenantId,
        keys,
        force: control.force,
      });
      if (seek) seeks.push(seek);
    }
    return seeks;
  }

  async #dlqRetry(control: DlqRetryControlMessage): Promise<ReplaySeek[]> {
    type Group = { topic: string; partition: number; offsets: (bigint | null)[]; keys: Set<string> };
    const byPartition = new Map<string, Group>();
    for (const item of control.items) {
      const topic = item.sourceTopic ?? changeTopic(item.entity);
      const partition = item.sourcePartition ?? (await this.#tenantPartition(topic, control.tenantId));
      const group = byPartition.get(`${topic}|${partition}`) ?? { topic, partition, offsets: [], keys: new Set() };
      group.offsets.push(item.sourceOffset === null ? null : BigInt(item.sourceOffset));
      group.keys.add(`${item.entity}|${item.naturalKey}`);
      byPartition.set(`${topic}|${partition}`, group);
    }
    const seeks: ReplaySeek[] = [];
    for (const { topic, partition, offsets, keys } of byPartition.values()) {
      if (!this.#options.changes.owns(topic, partition)) continue;
      const { low, high } = await this.#bounds(topic, partition);
      // An item without its offset is looked for from the start. Compaction may have removed an old offset;
      // the later version of the record is then re-read instead.
      const smallest = offsets.reduce<bigint>(
        (min, offset) => (offset === null || offset < min ? (offset ?? low) : min),
        high,
      );
      // biome-ignore lint/complexity/useMathMinMax: offsets are bigints, which Math.max does not take
      const from = smallest < low ? low : smallest;
      const seek = this.#seek(topic, partition, from, high, {
        requestId: control.requestId,
        tenantId: control.tenantId,
        keys,
        force: true,
      });
      if (seek) seeks.push(seek);
    }
    return seeks;
  }

  #seek(
    topic: string,
    partition: number,
    from: bigint,
    high: bigint,
    window: Pick<ReplayWindow, 'requestId' | 'tenantId' | 'keys' | 'force'>,
  ): ReplaySeek | undefined {
    if (from >= high) return undefined;
    const position = this.#options.changes.position(topic, partition);
    this.#options.windows.open(topic, partition, {
      ...window,
      skipBelow: position === undefined || position < from ? from : position,
      endOffset: high,
    });
    this.#options.changes.seek(topic, partition, from.toString());
    const seek = { requestId: window.requestId, topic, partition, from: from.toString(), endOffset: high.toString() };
    this.#seeks.push(seek);
    return seek;
  }

  async #tenantPartition(topic: string, tenantId: string): Promise<number> {
    const metadata = await this.#options.admin.fetchTopicMetadata({ topics: [`${this.#prefix}${topic}`] });
    return partitionForTenant(tenantId, metadata.topics[0]?.partitions.length ?? 1);
  }

  async #bounds(topic: string, partition: number): Promise<{ low: bigint; high: bigint }> {
    const offsets = await this.#options.admin.fetchTopicOffsets(`${this.#prefix}${topic}`);
    const entry = offsets.find((offset) => offset.partition === partition);
    return { low: BigInt(entry?.low ?? '0'), high: BigInt(entry?.high ?? '0') };
  }

  async #offsetAt(topic: string, partition: number, timestamp: string, high: bigint): Promise<bigint> {
    const offsets = await this.#options.admin.fetchTopicOffsetsByTimestamp(
      `${this.#prefix}${topic}`,
      Date.parse(timestamp),
    );
    const offset = offsets.find((entry) => entry.partition === partition)?.offset;
    // -1: no record at or after the timestamp.
    return offset === undefined || BigInt(offset) < 0n ? high : BigInt(offset);
  }
}

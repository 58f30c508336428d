import { type ControlMessage, encodeControlMessage } from '@mlc/common/control-message';
import { isMlcError, MlcError } from '@mlc/common/errors';
import { connectWithRetry } from '@mlc/common/kafka-client';
import { ensureTopics } from '@mlc/common/topic-declarations';
import { CONTROL_TOPIC } from '@mlc/common/topics';
import type { Kafka, Producer } from 'kafkajs';

/** Sends control messages (replay, DLQ retry) to the loaders; resolves once the broker acknowledged (acks=all). */
export interface ControlPublisher {
  publish(message: ControlMessage): Promise<{ topic: string; partition: number; offset: string }>;
  close(): Promise<void>;
}

export interface KafkaControlPublisherOptions {
  kafka: Kafka;
  brokers: readonly string[];
  /** Test isolation: prepended to the control topic's name. */
  topicPrefix?: string;
  connectTimeoutMs?: number;
  /** Partitions and replication of the connector's topics, declared on the first message if missing. */
  topics: { partitions: number; replicationFactor: number };
}

/**
 * A replay can be asked for before any loader ever started (and declared the topics): the control topic
 * is declared here too, as the services declare theirs, rather than refused as unknown.
 */
async function declareTopics(options: KafkaControlPublisherOptions): Promise<void> {
  const admin = options.kafka.admin();
  await admin.connect();
  try {
    await ensureTopics(admin, {
      partitions: options.topics.partitions,
      replicationFactor: options.topics.replicationFactor,
      ...(options.topicPrefix === undefined ? {} : { prefix: options.topicPrefix }),
    });
  } finally {
    await admin.disconnect();
  }
}

/** Connects lazily on the first message, so the admin API starts (and serves tenants) while Kafka is down. */
export function kafkaControlPublisher(options: KafkaControlPublisherOptions): ControlPublisher {
  const topic = `${options.topicPrefix ?? ''}${CONTROL_TOPIC}`;
  let producer: Producer | undefined;
  let connecting: Promise<Producer> | undefined;
  const connected = (): Promise<Producer> => {
    if (connecting === undefined) {
      const candidate = options.kafka.producer({ allowAutoTopicCreation: false });
      connecting = connectWithRetry(candidate, {
        timeoutMs: options.connectTimeoutMs ?? 10_000,
        brokers: options.brokers,
      })
        .then(() => declareTopics(options))
        .then(
          () => {
            producer = candidate;
            return candidate;
          },
          (error: unknown) => {
            connecting = undefined;
            throw error;
          },
        );
    }
    return connecting;
  };
  let sending: Promise<unknown> = Promise.resolve();
  return {
    async publish(message) {
      try {
        const ready = await connected();
        // One send at a time: kafkajs loses ordering (and may lose messages) with concurrent sends (DESIGN.md §2).
        const send = sending.then(() => ready.send({ topic, acks: -1, messages: [encodeControlMessage(message)] }));
        sending = send.catch(() => undefined);
        const [metadata] = await send;
        return { topic, partition: metadata?.partition ?? 0, offset: metadata?.baseOffset ?? '-1' };
      } catch (error) {
        const reason = isMlcError(error) ? error.message : error instanceof Error ? error.message : String(error);
        throw new MlcError(
          'MLC_CONTROL_UNAVAILABLE',
          `Kafka did not accept the control message on ${topic}: ${reason}`,
          {
            cause: error,
          },
        );
      }
    },
    async close() {
      await producer?.disconnect();
    },
  };
}

import { readFileSync } from 'node:fs';
import { connect as connectTcp } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { type Admin, Kafka, type LogEntry, logLevel, type Producer, type SASLOptions } from 'kafkajs';
import type { ConfigValues } from './config.ts';
import type { KAFKA_CONFIG } from './config-definitions.ts';
import { MlcError } from './errors.ts';
import { permanentKafkaFailure } from './kafka-connect-failure.ts';
import { dropKafkajsNegativeTimeoutWarning } from './kafkajs-warning-filter.ts';
import type { Logger } from './logger.ts';
import { retryUntilDeadline } from './startup-retry.ts';

export type KafkaConnectionConfig = Pick<
  ConfigValues<typeof KAFKA_CONFIG>,
  'kafkaBrokers' | 'kafkaClientId' | 'kafkaSsl' | 'kafkaSaslMechanism' | 'kafkaSaslUsername' | 'kafkaSaslPassword'
> &
  Partial<Pick<ConfigValues<typeof KAFKA_CONFIG>, 'kafkaSslCaFile'>>;

const PINO_LEVEL_OF: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

function kafkaLogLevel(logger: Logger): logLevel {
  if (logger.isLevelEnabled('debug')) return logLevel.DEBUG;
  if (logger.isLevelEnabled('info')) return logLevel.INFO;
  if (logger.isLevelEnabled('warn')) return logLevel.WARN;
  return logger.isLevelEnabled('error') ? logLevel.ERROR : logLevel.NOTHING;
}

function saslOptions(config: KafkaConnectionConfig): SASLOptions | undefined {
  if (config.kafkaSaslMechanism === 'none') return undefined;
  // loadConfig requires both when a mechanism is set; this guards hand-built configs.
  if (config.kafkaSaslUsername === undefined || config.kafkaSaslPassword === undefined) {
    throw new MlcError('MLC_CONFIG_INVALID', 'KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are required with SASL', {
      field: 'KAFKA_SASL_USERNAME,KAFKA_SASL_PASSWORD',
    });
  }
  return {
    mechanism: config.kafkaSaslMechanism,
    username: config.kafkaSaslUsername,
    password: config.kafkaSaslPassword,
  };
}

/**
 * TLS verifies the brokers' certificates and host names always; KAFKA_SSL_CA_FILE replaces the public roots
 * by the platform's own CA. Certificate verification cannot be switched off by configuration.
 */
function tlsOptions(config: KafkaConnectionConfig): boolean | ConnectionOptions {
  if (!config.kafkaSsl) return false;
  if (config.kafkaSslCaFile === undefined) return true;
  try {
    return { ca: readFileSync(config.kafkaSslCaFile, 'utf8'), rejectUnauthorized: true };
  } catch (error) {
    // loadConfig checked the file; this guards hand-built configs and a file removed since.
    throw new MlcError('MLC_CONFIG_INVALID', `KAFKA_SSL_CA_FILE ${config.kafkaSslCaFile} cannot be read`, {
      field: 'KAFKA_SSL_CA_FILE',
      cause: error,
    });
  }
}

/**
 * A kafkajs client whose logs go through pino (so redaction applies) and whose retries are bounded, so
 * that a call against an unreachable cluster fails within seconds instead of retrying for minutes. Every
 * process that talks to Kafka builds its client here, so this is where kafkajs's spurious
 * TimeoutNegativeWarning is filtered out (see kafkajs-warning-filter.ts).
 */
export function createKafka(config: KafkaConnectionConfig, logger: Logger): Kafka {
  dropKafkajsNegativeTimeoutWarning();
  const kafkaLogger = logger.child({ component: 'kafkajs' });
  const sasl = saslOptions(config);
  return new Kafka({
    clientId: config.kafkaClientId,
    brokers: [...config.kafkaBrokers],
    ssl: tlsOptions(config),
    ...(sasl === undefined ? {} : { sasl }),
    connectionTimeout: 3000,
    requestTimeout: 30_000,
    retry: { initialRetryTime: 250, maxRetryTime: 5000, retries: 5 },
    logLevel: kafkaLogLevel(logger),
    logCreator:
      () =>
      ({ namespace, level, log }: LogEntry) => {
        const { message, timestamp: _timestamp, ...extra } = log;
        kafkaLogger[PINO_LEVEL_OF[level] ?? 'info']({ namespace, ...withoutBuffers(extra) }, message);
      },
  });
}

/**
 * kafkajs's debug lines carry wire dumps (payloads, member assignments) as Buffers; the logger's redaction
 * walk throws on a Buffer, which crashed the loader's consumer at LOG_LEVEL=debug. Buffers become their size.
 */
function withoutBuffers(fields: Record<string, unknown>): Record<string, unknown> {
  if (!Object.values(fields).some((value) => typeof value === 'object' && value !== null)) return fields;
  try {
    return JSON.parse(
      JSON.stringify(fields, (_key, value: unknown) => {
        const buffer = value as { type?: unknown; data?: unknown } | null;
        return buffer?.type === 'Buffer' && Array.isArray(buffer.data) ? `[${buffer.data.length} bytes]` : value;
      }),
    ) as Record<string, unknown>;
  } catch {
    // A circular structure: keep the plain fields only.
    return Object.fromEntries(
      Object.entries(fields).filter(([, value]) => typeof value !== 'object' || value === null),
    );
  }
}

/** Anything kafkajs connects: producer, admin or consumer. */
export type KafkaConnectable = Pick<Producer | Admin, 'connect' | 'disconnect'>;

export interface ConnectWithRetryOptions {
  /** Overall bound: past it the call fails with MLC_KAFKA_UNREACHABLE (refused credentials and TLS fail at once). */
  timeoutMs: number;
  /** Named in the error so the operator sees which cluster did not answer. */
  brokers: readonly string[];
  logger?: Logger;
}

/** Resolves when a TCP connection to host:port opens, rejects on refusal or after `timeoutMs`. */
function probeTcp(broker: string, timeoutMs: number): Promise<void> {
  const separator = broker.lastIndexOf(':');
  const host = broker.slice(0, separator);
  const port = Number(broker.slice(separator + 1));
  return new Promise((resolve, reject) => {
    const socket = connectTcp({ host, port, timeout: timeoutMs });
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('timeout', () => {
      socket.destroy();
      reject(new Error(`${broker}: no answer within ${timeoutMs} ms`));
    });
    socket.once('error', (error) => {
      socket.destroy();
      reject(new Error(`${broker}: ${error.message}`));
    });
  });
}

/**
 * Connects with bounded retries and fails with MLC_KAFKA_UNREACHABLE naming the brokers once `timeoutMs`
 * has passed, or at once with MLC_KAFKA_AUTH_FAILED / MLC_KAFKA_TLS_FAILED when the brokers answered but
 * refused the credentials or the TLS handshake failed: retrying those only delays the real message.
 * Never hangs: reachability is probed over TCP first (cancellable, unlike kafkajs's own connect retries,
 * which would keep retrying in the background), then the client connects within what is left of the time.
 */
export async function connectWithRetry(client: KafkaConnectable, options: ConnectWithRetryOptions): Promise<void> {
  const failure = await retryUntilDeadline(
    async (remainingMs) => {
      const deadline = Date.now() + remainingMs;
      try {
        await Promise.any(
          options.brokers.map((broker) => probeTcp(broker, Math.max(1, Math.min(3000, deadline - Date.now())))),
        );
      } catch (error) {
        throw error instanceof AggregateError
          ? new Error(error.errors.map((e) => (e instanceof Error ? e.message : String(e))).join('; '))
          : error;
      }
      await connectWithin(client, deadline - Date.now());
    },
    {
      timeoutMs: options.timeoutMs,
      what: 'Kafka',
      logger: options.logger,
      isPermanent: (error) => permanentKafkaFailure(error, options.brokers) !== undefined,
    },
  );
  if (failure === undefined) return;
  const { attempts: attempt, lastError } = failure;
  await client.disconnect().catch(() => {});
  const permanent = permanentKafkaFailure(lastError, options.brokers);
  if (permanent !== undefined) throw permanent;
  const reason = lastError instanceof Error ? lastError.message : String(lastError);
  throw new MlcError(
    'MLC_KAFKA_UNREACHABLE',
    `Kafka brokers ${options.brokers.join(',')} did not answer within ${options.timeoutMs} ms (${attempt} attempt${attempt === 1 ? '' : 's'}): ${reason}`,
    { cause: lastError, details: { brokers: options.brokers, attempts: attempt } },
  );
}

async function connectWithin(client: KafkaConnectable, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const connecting = client.connect();
  // A connect abandoned by the timeout may still reject later; that rejection is expected.
  connecting.catch(() => {});
  try {
    await Promise.race([
      connecting,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`connect did not complete within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

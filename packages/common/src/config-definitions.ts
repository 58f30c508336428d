import { readFileSync } from 'node:fs';
import {
  booleanVar,
  type ConfigDefinitions,
  type ConfigEnv,
  durationVar,
  enumVar,
  intVar,
  listVar,
  optional,
  stringVar,
  urlVar,
} from './config.ts';

/**
 * Every configuration variable of the connector, grouped by the area that reads it. Services compose the
 * groups they need (`loadConfig({ ...KAFKA_CONFIG, ...LOADER_CONFIG })`); the README's configuration table
 * is generated from ALL_CONFIG_DEFINITIONS, so a variable declared here is documented there.
 */

const SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;
const saslEnabled = (env: ConfigEnv): boolean =>
  (SASL_MECHANISMS as readonly string[]).includes((env.KAFKA_SASL_MECHANISM ?? '').trim().toLowerCase());

const kafkaSsl = booleanVar({ env: 'KAFKA_SSL', default: false, description: 'Connect to the brokers over TLS' });

/** Checked at start, so that an unreadable CA file is named then and not hidden in a TLS handshake error. */
function pemCertificateFileProblem(path: string, env: ConfigEnv): string | undefined {
  const ssl = kafkaSsl.parse(env.KAFKA_SSL ?? 'false');
  if (!ssl.ok || !ssl.value) return 'needs KAFKA_SSL=true';
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return `must be a readable file (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`;
  }
  return text.includes('-----BEGIN CERTIFICATE-----')
    ? undefined
    : 'must hold PEM certificates (-----BEGIN CERTIFICATE-----)';
}

export const KAFKA_CONFIG = {
  kafkaBrokers: listVar({
    env: 'KAFKA_BROKERS',
    default: ['127.0.0.1:9092'],
    description: 'Kafka bootstrap brokers, host:port',
    validate: (brokers) =>
      brokers.every((broker) => /^[^\s:]+:\d{1,5}$/.test(broker)) ? undefined : 'must list brokers as host:port',
  }),
  kafkaClientId: stringVar({ env: 'KAFKA_CLIENT_ID', default: 'ml-connector', description: 'Kafka client id prefix' }),
  kafkaSsl,
  kafkaSslCaFile: optional(
    stringVar({
      env: 'KAFKA_SSL_CA_FILE',
      description:
        "PEM file of the CA(s) that signed the brokers' certificates (a private CA); trusted instead of the public roots",
      validate: pemCertificateFileProblem,
    }),
  ),
  kafkaSaslMechanism: enumVar({
    env: 'KAFKA_SASL_MECHANISM',
    choices: ['none', ...SASL_MECHANISMS],
    default: 'none',
    description: 'SASL mechanism for the brokers',
  }),
  kafkaSaslUsername: optional(stringVar({ env: 'KAFKA_SASL_USERNAME', description: 'SASL user name' }), {
    when: 'KAFKA_SASL_MECHANISM is not none',
    test: saslEnabled,
  }),
  kafkaSaslPassword: optional(stringVar({ env: 'KAFKA_SASL_PASSWORD', secret: true, description: 'SASL password' }), {
    when: 'KAFKA_SASL_MECHANISM is not none',
    test: saslEnabled,
  }),
  topicPartitions: intVar({
    env: 'TOPIC_PARTITIONS',
    default: 6,
    min: 1,
    description: 'Partitions of topics the connector creates (tenants are spread over them)',
  }),
  topicReplicationFactor: intVar({
    env: 'TOPIC_REPLICATION_FACTOR',
    default: 1,
    min: 1,
    description: 'Replication factor of topics the connector creates',
  }),
  topicPrefix: stringVar({
    env: 'TOPIC_PREFIX',
    default: '',
    pattern: /^[A-Za-z0-9._-]*$/,
    patternHint: 'letters, digits, ., _ and -',
    description: 'Prepended to every topic name and registry subject (isolates tests and environments)',
  }),
} satisfies ConfigDefinitions;

export const SCHEMA_REGISTRY_CONFIG = {
  schemaRegistryUrl: urlVar({
    env: 'SCHEMA_REGISTRY_URL',
    protocols: ['http', 'https'],
    default: 'http://127.0.0.1:8081/apis/ccompat/v7',
    description: 'Confluent-compatible schema registry API (Apicurio: /apis/ccompat/v7)',
  }),
} satisfies ConfigDefinitions;

export const DATABASE_CONFIG = {
  databaseUrl: urlVar({
    env: 'DATABASE_URL',
    protocols: ['postgres', 'postgresql'],
    default: 'postgres://postgres@127.0.0.1:5432/postgres',
    description: 'PostgreSQL connection URL (its password is never logged)',
  }),
  databaseSchema: stringVar({
    env: 'DATABASE_SCHEMA',
    default: 'public',
    pattern: /^[a-z_][a-z0-9_]{0,62}$/,
    patternHint: 'a lower-case SQL identifier',
    description: 'PostgreSQL schema holding the connector tables',
  }),
} satisfies ConfigDefinitions;

export const RUNTIME_CONFIG = {
  logLevel: enumVar({
    env: 'LOG_LEVEL',
    choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
    default: 'info',
    description: 'Log level (JSON logs on stdout)',
  }),
  startupRetryTimeoutMs: durationVar({
    env: 'STARTUP_RETRY_TIMEOUT_MS',
    default: 30_000,
    min: 1,
    description: 'How long a service retries Kafka, the registry and PostgreSQL at start before it fails',
  }),
  metricsPort: intVar({
    env: 'METRICS_PORT',
    default: 9464,
    min: 0,
    max: 65535,
    description: 'Port of the Prometheus /metrics endpoint (0 = any free port)',
  }),
} satisfies ConfigDefinitions;

const MASTER_KEY_ENTRY = /^[A-Za-z0-9_.-]+:[A-Za-z0-9+/]+={0,2}$/;

export const CREDENTIAL_VAULT_CONFIG = {
  masterKeys: listVar({
    env: 'MLC_MASTER_KEYS',
    secret: true,
    description: 'Master keys that wrap credential data keys: keyId:base64(32 bytes),… (old keys stay for rotation)',
    validate: (entries) => {
      for (const entry of entries) {
        if (!MASTER_KEY_ENTRY.test(entry)) return 'must be keyId:base64key entries';
        if (Buffer.from(entry.slice(entry.indexOf(':') + 1), 'base64').length !== 32) {
          return `key ${entry.slice(0, entry.indexOf(':'))} must be 32 bytes (AES-256)`;
        }
      }
      const ids = entries.map((entry) => entry.slice(0, entry.indexOf(':')));
      return new Set(ids).size === ids.length ? undefined : 'must not repeat a key id';
    },
  }),
  activeKeyId: optional(
    stringVar({
      env: 'MLC_ACTIVE_KEY_ID',
      description: 'Key id of MLC_MASTER_KEYS that wraps new data keys (default: the first)',
      validate: (keyId, env) =>
        (env.MLC_MASTER_KEYS ?? '').split(',').some((entry) => entry.trim().startsWith(`${keyId}:`))
          ? undefined
          : 'must name a key id of MLC_MASTER_KEYS',
    }),
  ),
} satisfies ConfigDefinitions;

export const EXTRACTOR_CONFIG = {
  extractorMaxParallelTenants: intVar({
    env: 'EXTRACTOR_MAX_PARALLEL_TENANTS',
    default: 4,
    min: 1,
    description: 'Tenants the extractor polls at the same time',
  }),
  extractorPageSize: intVar({
    env: 'EXTRACTOR_PAGE_SIZE',
    default: 500,
    min: 1,
    max: 10_000,
    description: 'Records per ERP request (MI maxrecs, IDO recordcap); never 0',
  }),
  extractorWatermarkOverlapMs: durationVar({
    env: 'EXTRACTOR_WATERMARK_OVERLAP_MS',
    default: 300_000,
    description: 'How far each poll window reaches back before the watermark (clock skew, late commits)',
  }),
} satisfies ConfigDefinitions;

export const LOADER_CONFIG = {
  loaderGroupId: stringVar({ env: 'LOADER_GROUP_ID', default: 'mlc-loader', description: 'Kafka consumer group' }),
  loaderBatchSize: intVar({
    env: 'LOADER_BATCH_SIZE',
    default: 100,
    min: 1,
    max: 100,
    description: 'Records per Zendesk bulk request (Zendesk accepts at most 100)',
  }),
  loaderLingerMs: durationVar({
    env: 'LOADER_LINGER_MS',
    default: 1000,
    description: 'How long the loader waits to fill a batch before it sends a partial one',
  }),
  loaderJobPollIntervalMs: durationVar({
    env: 'LOADER_JOB_POLL_INTERVAL_MS',
    default: 1000,
    min: 1,
    description: 'Interval between polls of a Zendesk job_status',
  }),
  loaderMaxAttempts: intVar({
    env: 'LOADER_MAX_ATTEMPTS',
    default: 5,
    min: 1,
    description: 'Attempts for a transient Zendesk failure before the record is dead-lettered',
  }),
  loaderJobTimeoutMs: durationVar({
    env: 'LOADER_JOB_TIMEOUT_MS',
    default: 300_000,
    min: 1000,
    description: 'How long a Zendesk job may stay queued or working before the write counts as a transient failure',
  }),
  loaderConcurrency: intVar({
    env: 'LOADER_CONCURRENCY',
    default: 4,
    min: 1,
    max: 30,
    description: 'Bulk requests per consumed batch in flight at once (Zendesk limits concurrently queued jobs)',
  }),
  loaderBatchesInFlight: intVar({
    env: 'LOADER_BATCHES_IN_FLIGHT',
    default: 4,
    min: 1,
    max: 16,
    description: 'Consumed batches of one partition processed at once (offsets still committed in order)',
  }),
  loaderMaxRecordsInFlight: intVar({
    env: 'LOADER_MAX_RECORDS_IN_FLIGHT',
    default: 10_000,
    min: 100,
    description:
      "Change events being processed at once, beyond one batch per partition (always allowed): what bounds the loader's memory",
  }),
  loaderAppliedCacheSize: intVar({
    env: 'LOADER_APPLIED_CACHE_SIZE',
    default: 2_000,
    min: 0,
    description:
      'Applied record states kept in memory to skip unchanged records without a PostgreSQL lookup (bounds memory, not the data set)',
  }),
  loaderMaxQueuedJobs: intVar({
    env: 'LOADER_MAX_QUEUED_JOBS',
    default: 20,
    min: 1,
    max: 30,
    description:
      "Zendesk background jobs per tenant queued at once (Zendesk caps them per account, shared with the account's other API clients)",
  }),
  loaderPartitionsConcurrently: intVar({
    env: 'LOADER_PARTITIONS_CONCURRENTLY',
    default: 4,
    min: 1,
    description: 'Change-topic partitions (so tenants) a loader replica processes at the same time',
  }),
  loaderSessionTimeoutMs: durationVar({
    env: 'LOADER_SESSION_TIMEOUT_MS',
    default: 30_000,
    min: 6000,
    description: "Kafka consumer session timeout: how soon a dead replica's partitions move to another",
  }),
  loaderDependencyWaitMs: durationVar({
    env: 'LOADER_DEPENDENCY_WAIT_MS',
    default: 30_000,
    description: 'How long invoices and POs wait for their supplier organization before Zendesk judges the lookup',
  }),
  loaderTenantRefreshMs: durationVar({
    env: 'LOADER_TENANT_REFRESH_MS',
    default: 30_000,
    min: 100,
    description:
      "How long the loader uses a tenant's settings (plan, share, mapping, credentials) before reading them again",
  }),
  loaderShutdownTimeoutMs: durationVar({
    env: 'LOADER_SHUTDOWN_TIMEOUT_MS',
    default: 60_000,
    min: 1000,
    description: 'On SIGTERM, how long in-flight batches may take to finish and commit before the loader exits',
  }),
  loaderTicketSweepMs: durationVar({
    env: 'LOADER_TICKET_SWEEP_MS',
    default: 300_000,
    min: 1000,
    description:
      'How often ticket enrichment sweeps recently updated tickets naming an invoice or PO (besides after each batch of new states)',
  }),
} satisfies ConfigDefinitions;

export const ADMIN_API_CONFIG = {
  adminApiHost: stringVar({ env: 'ADMIN_API_HOST', default: '0.0.0.0', description: 'Interface the admin API binds' }),
  adminApiPort: intVar({ env: 'ADMIN_API_PORT', default: 3000, min: 0, max: 65535, description: 'Admin API port' }),
  adminBootstrapToken: optional(
    stringVar({
      env: 'ADMIN_BOOTSTRAP_TOKEN',
      secret: true,
      pattern: /^\S{32,}$/,
      patternHint: 'at least 32 characters without spaces',
      description: 'Admin bearer token created at first start when no token exists (stored hashed)',
    }),
  ),
} satisfies ConfigDefinitions;

export interface ConfigArea {
  /** Who reads these variables; the README table has one section per area. */
  readonly area: string;
  readonly definitions: ConfigDefinitions;
}

export const ALL_CONFIG_DEFINITIONS: readonly ConfigArea[] = [
  { area: 'Kafka (all services)', definitions: KAFKA_CONFIG },
  { area: 'Schema registry (all services)', definitions: SCHEMA_REGISTRY_CONFIG },
  { area: 'PostgreSQL (all services)', definitions: DATABASE_CONFIG },
  { area: 'Runtime (all services)', definitions: RUNTIME_CONFIG },
  { area: 'Credential vault (all services)', definitions: CREDENTIAL_VAULT_CONFIG },
  { area: 'Extractor', definitions: EXTRACTOR_CONFIG },
  { area: 'Loader', definitions: LOADER_CONFIG },
  { area: 'Admin API', definitions: ADMIN_API_CONFIG },
];

/** What every service loads before its own groups. */
export const SHARED_CONFIG = {
  ...KAFKA_CONFIG,
  ...SCHEMA_REGISTRY_CONFIG,
  ...DATABASE_CONFIG,
  ...RUNTIME_CONFIG,
} satisfies ConfigDefinitions;

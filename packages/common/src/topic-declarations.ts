import type { Admin, ConfigResourceTypes } from 'kafkajs';
import { ENTITY_NAMES } from './entities.ts';
import { MlcError } from './errors.ts';
import { AUDIT_HISTORY_TOPIC, AUDIT_TOPIC, CONTROL_TOPIC, changeTopic, DLQ_TOPIC } from './topics.ts';

// ConfigResourceTypes.TOPIC: kafkajs's ESM named exports lack its enums (they sit on the CommonJS default).
const TOPIC_RESOURCE = 2 as ConfigResourceTypes;

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export interface TopicDeclaration {
  name: string;
  purpose: string;
  /** Topic-level configs, created with the topic and verified on every start. */
  configs: Readonly<Record<string, string>>;
  /** Fixed partition count; otherwise the configured TOPIC_PARTITIONS. */
  partitions?: number;
}

/**
 * Compaction keeps the latest version of every record (like a CDC table) so a replay from earliest rebuilds
 * Zendesk; the lag keeps recent duplicates around long enough for consumers that are briefly behind.
 */
const COMPACTED = { 'cleanup.policy': 'compact', 'min.compaction.lag.ms': String(HOUR_MS) };

export const TOPIC_DECLARATIONS: readonly TopicDeclaration[] = [
  ...ENTITY_NAMES.map((entity) => ({
    name: changeTopic(entity),
    purpose: `${entity} change events (Avro, key tenantId|entity|naturalKey)`,
    configs: COMPACTED,
  })),
  { name: AUDIT_TOPIC, purpose: 'latest posting state per record and Zendesk target', configs: COMPACTED },
  {
    name: AUDIT_HISTORY_TOPIC,
    purpose: 'every posting attempt, append-only, kept 30 days',
    configs: { 'cleanup.policy': 'delete', 'retention.ms': String(30 * DAY_MS) },
  },
  {
    name: DLQ_TOPIC,
    purpose: 'events that failed permanently, kept 90 days for review and retry',
    configs: { 'cleanup.policy': 'delete', 'retention.ms': String(90 * DAY_MS) },
  },
  {
    name: CONTROL_TOPIC,
    purpose: 'control messages (replay requests) that every loader reads in order',
    configs: { 'cleanup.policy': 'delete', 'retention.ms': String(7 * DAY_MS) },
    partitions: 1,
  },
];

export interface EnsureTopicsOptions {
  partitions: number;
  replicationFactor: number;
  /** Prepended to every topic name; tests use it to isolate their topics. */
  prefix?: string;
  /** Rewrite the configs of existing topics that differ instead of failing. */
  alterMismatched?: boolean;
}

export interface EnsureTopicsResult {
  created: string[];
  existing: string[];
  altered: string[];
}

type TopicAdmin = Pick<
  Admin,
  'listTopics' | 'createTopics' | 'describeConfigs' | 'alterConfigs' | 'fetchTopicMetadata'
>;

const LEADER_WAIT_MS = 15_000;

/**
 * kafkajs's own `waitForLeaders` gives up on UNKNOWN_TOPIC_OR_PARTITION, which a KRaft broker answers
 * until the new topic's metadata has propagated; this waits through it, bounded.
 */
async function waitForLeaders(admin: TopicAdmin, topics: string[]): Promise<void> {
  const deadline = Date.now() + LEADER_WAIT_MS;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const metadata = await admin.fetchTopicMetadata({ topics });
      const ready = metadata.topics.every((topic) => topic.partitions.every((partition) => partition.leader >= 0));
      if (ready && metadata.topics.length === topics.length) return;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const reason = lastError instanceof Error ? `: ${lastError.message}` : '';
  throw new MlcError(
    'MLC_KAFKA_UNREACHABLE',
    `Topics ${topics.join(', ')} got no partition leaders within ${LEADER_WAIT_MS} ms${reason}`,
    {
      cause: lastError,
    },
  );
}

async function readTopicConfigs(
  admin: TopicAdmin,
  topics: readonly { name: string; configs: Readonly<Record<string, string>> }[],
): Promise<Map<string, Record<string, string>>> {
  const response = await admin.describeConfigs({
    includeSynonyms: false,
    resources: topics.map((topic) => ({
      type: TOPIC_RESOURCE,
      name: topic.name,
      configNames: Object.keys(topic.configs),
    })),
  });
  return new Map(
    response.resources.map((resource) => [
      resource.resourceName,
      Object.fromEntries(resource.configEntries.map((entry) => [entry.configName, entry.configValue])),
    ]),
  );
}

/**
 * Creates the declared topics that are missing and verifies the configs of those that exist. Idempotent;
 * a topic whose configs differ from its declaration fails start with MLC_TOPIC_MISCONFIGURED (or is
 * altered when `alterMismatched`), because e.g. a change topic without compaction would lose records.
 */
export async function ensureTopics(admin: TopicAdmin, options: EnsureTopicsOptions): Promise<EnsureTopicsResult> {
  const prefix = options.prefix ?? '';
  const declared = TOPIC_DECLARATIONS.map((topic) => ({ ...topic, name: `${prefix}${topic.name}` }));
  const present = new Set(await admin.listTopics());
  const missing = declared.filter((topic) => !present.has(topic.name));
  if (missing.length > 0) {
    await admin.createTopics({
      waitForLeaders: false,
      topics: missing.map((topic) => ({
        topic: topic.name,
        numPartitions: topic.partitions ?? options.partitions,
        replicationFactor: options.replicationFactor,
        configEntries: Object.entries(topic.configs).map(([name, value]) => ({ name, value })),
      })),
    });
  }
  if (missing.length > 0)
    await waitForLeaders(
      admin,
      missing.map((topic) => topic.name),
    );
  const actual = await readTopicConfigs(admin, declared);
  const mismatched = declared.flatMap((topic) => {
    const configs = actual.get(topic.name) ?? {};
    const differences = Object.entries(topic.configs)
      .filter(([name, value]) => configs[name] !== value)
      .map(([name, value]) => `${name}=${configs[name] ?? '(unset)'} (declared ${value})`);
    return differences.length === 0 ? [] : [{ topic, differences }];
  });
  if (mismatched.length > 0 && !options.alterMismatched) {
    throw new MlcError(
      'MLC_TOPIC_MISCONFIGURED',
      `Topics differ from their declarations: ${mismatched
        .map(({ topic, differences }) => `${topic.name}: ${differences.join(', ')}`)
        .join('; ')}`,
      { details: mismatched.map(({ topic, differences }) => ({ topic: topic.name, differences })) },
    );
  }
  if (mismatched.length > 0) {
    await admin.alterConfigs({
      validateOnly: false,
      resources: mismatched.map(({ topic }) => ({
        type: TOPIC_RESOURCE,
        name: topic.name,
        configEntries: Object.entries(topic.configs).map(([name, value]) => ({ name, value })),
      })),
    });
  }
  const createdNames = new Set(missing.map((topic) => topic.name));
  return {
    created: [...createdNames],
    existing: declared.filter((topic) => !createdNames.has(topic.name)).map((topic) => topic.name),
    altered: mismatched.map(({ topic }) => topic.name),
  };
}

import { COMPATIBILITY, SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { AvroRecordSchema } from './avro/avro-schemas.ts';
import { TOPIC_VALUE_SCHEMAS } from './avro/avro-schemas.ts';
import { MlcError } from './errors.ts';
import type { Logger } from './logger.ts';
import { retryUntilDeadline } from './startup-retry.ts';

export interface SchemaRegistryOptions {
  url: string;
  /** Bound on waiting for the registry at start; past it MLC_REGISTRY_UNREACHABLE. */
  timeoutMs: number;
  logger?: Logger;
}

export function valueSubject(topic: string): string {
  return `${topic}-value`;
}

function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}

/** Waits until the registry answers its ccompat API, with bounded retries; never hangs. */
export async function waitForSchemaRegistry(options: SchemaRegistryOptions): Promise<void> {
  const failure = await retryUntilDeadline(
    async (remainingMs) => {
      const response = await fetch(`${options.url}/subjects`, {
        signal: AbortSignal.timeout(Math.max(1, Math.min(5000, remainingMs))),
      });
      await response.body?.cancel();
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
    },
    { timeoutMs: options.timeoutMs, what: 'schema registry', logger: options.logger },
  );
  if (failure === undefined) return;
  const attempt = failure.attempts;
  const lastFailure = describeFailure(failure.lastError);
  throw new MlcError(
    'MLC_REGISTRY_UNREACHABLE',
    `Schema registry at ${options.url} did not answer within ${options.timeoutMs} ms (${attempt} attempt${attempt === 1 ? '' : 's'}): ${lastFailure}`,
    { details: { url: options.url, attempts: attempt } },
  );
}

/** A registry client whose own HTTP retries are short, so each call fails within seconds. */
export function createSchemaRegistry(url: string): SchemaRegistry {
  return new SchemaRegistry({
    host: url,
    clientId: 'ml-connector',
    retry: { retries: 2, initialRetryTimeInSecs: 0.1, maxRetryTimeInSecs: 2 },
  });
}

interface RegistryHttpError {
  status: number;
  message: string;
}

function isRegistryHttpError(error: unknown): error is RegistryHttpError {
  return error instanceof Error && typeof (error as Partial<RegistryHttpError>).status === 'number';
}

/**
 * Two services starting together both create a new subject and its compatibility rule; the slower one gets
 * a 409 "A rule named 'COMPATIBILITY' already exists". The subject is then fine: registering again succeeds.
 */
async function registerRacingPeers(
  registry: SchemaRegistry,
  subject: string,
  schema: AvroRecordSchema,
): Promise<{ id: number }> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await registry.register({ ...schema, type: 'record' }, { subject, compatibility: COMPATIBILITY.BACKWARD });
    } catch (error) {
      const ruleRace =
        isRegistryHttpError(error) && error.status === 409 && /rule named .*already exists/i.test(error.message);
      if (!ruleRace || attempt >= 3) throw error;
    }
  }
}

/**
 * Registers `schema` under `subject` with BACKWARD compatibility (DESIGN.md §5: the client refuses subjects
 * whose level differs, so the level is passed explicitly). Returns the schema id.
 */
export async function registerSchema(
  registry: SchemaRegistry,
  subject: string,
  schema: AvroRecordSchema,
): Promise<number> {
  try {
    const { id } = await registerRacingPeers(registry, subject, schema);
    return id;
  } catch (error) {
    if (isRegistryHttpError(error) && (error.status === 409 || /incompatib/i.test(error.message))) {
      throw new MlcError(
        'MLC_SCHEMA_INCOMPATIBLE',
        `Schema ${schema.namespace ?? ''}.${schema.name} is not BACKWARD-compatible with the latest version of subject ${subject}: ${error.message}`,
        { cause: error, field: subject },
      );
    }
    if (error instanceof Error && error.name === 'ConfluentSchemaRegistryCompatibilityError') {
      throw new MlcError(
        'MLC_REGISTRY_MISCONFIGURED',
        `Subject ${subject} is not set to BACKWARD compatibility (${error.message}); set the registry's global rule to BACKWARD (Apicurio: APICURIO_RULES_GLOBAL_COMPATIBILITY=BACKWARD)`,
        { cause: error, field: subject },
      );
    }
    if (isRegistryHttpError(error) && error.status < 500) {
      throw new MlcError('MLC_SCHEMA_INVALID', `Registry refused schema for ${subject}: ${error.message}`, {
        cause: error,
        field: subject,
      });
    }
    throw new MlcError('MLC_REGISTRY_UNREACHABLE', `Registering ${subject} failed: ${describeFailure(error)}`, {
      cause: error,
      field: subject,
    });
  }
}

export interface ConnectorSchemas {
  registry: SchemaRegistry;
  /** Schema id per logical topic name (without any test prefix), cached at start. */
  schemaIds: ReadonlyMap<string, number>;
}

/**
 * Start-up wiring: waits for the registry, then registers every topic's value schema once and keeps
 * the ids, so producing needs no registry round trip. `subjectPrefix` isolates tests.
 */
export async function registerConnectorSchemas(
  options: SchemaRegistryOptions & { subjectPrefix?: string },
): Promise<ConnectorSchemas> {
  await waitForSchemaRegistry(options);
  const registry = createSchemaRegistry(options.url);
  const schemaIds = new Map<string, number>();
  for (const [topic, schema] of TOPIC_VALUE_SCHEMAS) {
    const id = await registerSchema(registry, valueSubject(`${options.subjectPrefix ?? ''}${topic}`), schema);
    schemaIds.set(topic, id);
  }
  options.logger?.info({ schemaIds: Object.fromEntries(schemaIds) }, 'Avro schemas registered');
  return { registry, schemaIds };
}

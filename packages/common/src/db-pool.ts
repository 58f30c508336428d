import pg from 'pg';
import { redactUrlPassword } from './config.ts';
import { MlcError } from './errors.ts';
import type { Logger } from './logger.ts';
import { retryUntilDeadline } from './startup-retry.ts';

export interface DbPoolOptions {
  /** Tables are looked up in this schema first (search_path); tests use a unique one each. */
  schema?: string;
  max?: number;
  logger?: Logger;
}

const SQL_IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

export function assertSchemaName(schema: string): string {
  if (!SQL_IDENTIFIER.test(schema)) {
    throw new MlcError('MLC_VALIDATION', `Schema name ${JSON.stringify(schema)} is not a lower-case SQL identifier`, {
      field: 'schema',
    });
  }
  return schema;
}

export function createDbPool(databaseUrl: string, options: DbPoolOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: options.max ?? 10,
    connectionTimeoutMillis: 5000,
    ...(options.schema === undefined ? {} : { options: `-c search_path=${assertSchemaName(options.schema)}` }),
  });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', (error) => options.logger?.warn({ err: error }, 'idle PostgreSQL connection failed'));
  return pool;
}

/** Bounded wait for PostgreSQL at start; fails with MLC_DB_UNREACHABLE (URL shown without password). */
export async function waitForDatabase(
  pool: pg.Pool,
  options: { timeoutMs: number; databaseUrl: string; logger?: Logger },
): Promise<void> {
  const failure = await retryUntilDeadline(
    async () => {
      await pool.query('SELECT 1');
    },
    { timeoutMs: options.timeoutMs, what: 'PostgreSQL', logger: options.logger },
  );
  if (failure === undefined) return;
  const { lastError } = failure;
  const reason = lastError instanceof Error ? lastError.message : String(lastError);
  throw new MlcError(
    'MLC_DB_UNREACHABLE',
    `PostgreSQL at ${redactUrlPassword(options.databaseUrl)} did not answer within ${options.timeoutMs} ms: ${reason}`,
    { cause: lastError },
  );
}

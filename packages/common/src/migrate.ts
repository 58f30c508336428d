import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';
import pg from 'pg';
import { assertSchemaName } from './db-pool.ts';
import { MlcError } from './errors.ts';
import type { Logger } from './logger.ts';

export const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations', import.meta.url));
export const MIGRATIONS_TABLE = 'mlc_migrations';

export interface MigrateOptions {
  /** Schema the tables live in (created if missing); `public` by default. */
  schema?: string;
  logger?: Logger;
}

/**
 * Applies pending migrations (packages/common/src/migrations/*.sql) in one transaction under
 * node-pg-migrate's advisory lock, waiting for a concurrent starter to finish. Applying twice is a no-op.
 * Returns the names of the migrations applied now.
 */
export async function migrate(database: string | pg.Pool, options: MigrateOptions = {}): Promise<string[]> {
  const schema = assertSchemaName(options.schema ?? 'public');
  const ownClient = typeof database === 'string' ? new pg.Client({ connectionString: database }) : undefined;
  const client = ownClient ?? (await (database as pg.Pool).connect());
  try {
    await ownClient?.connect();
    const applied = await runner({
      dbClient: client,
      dir: MIGRATIONS_DIR,
      direction: 'up',
      migrationsTable: MIGRATIONS_TABLE,
      schema,
      createSchema: true,
      checkOrder: true,
      singleTransaction: true,
      advisoryLockMode: 'wait',
      log: (message: string) => options.logger?.debug({ component: 'migrate' }, message),
    });
    const names = applied.map((migration) => migration.name);
    if (names.length > 0) options.logger?.info({ schema, migrations: names }, 'database migrated');
    return names;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new MlcError('MLC_MIGRATION_FAILED', `Migrating schema ${schema} failed: ${reason}`, { cause: error });
  } finally {
    if (ownClient === undefined) (client as pg.PoolClient).release();
    else await ownClient.end().catch(() => {});
  }
}

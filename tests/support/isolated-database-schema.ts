import pg from 'pg';
import { databaseUrl } from './test-env.ts';
import { uniqueName } from './unique-name.ts';

export type IsolatedDatabaseSchema = {
  schema: string;
  /** DATABASE_URL with `options=-c search_path=<schema>`: unqualified names land in the schema. */
  connectionString: string;
  drop: () => Promise<void>;
};

/** What node:test hands a test or a suite hook: anything that can run cleanup after it. */
export type CleanupScope = { after: (fn: () => Promise<void>) => void };

async function withClient<T>(url: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

function withSearchPath(url: string, schema: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('options', `-c search_path=${schema}`);
  return parsed.toString();
}

/**
 * Creates a fresh schema (in the shared database unless `url` names another server); the caller drops it
 * (or use withIsolatedSchema).
 */
export async function createIsolatedDatabaseSchema(
  prefix = 'test',
  url = databaseUrl(),
): Promise<IsolatedDatabaseSchema> {
  const schema = uniqueName(prefix);
  // uniqueName yields [a-z0-9_] only, so quoting is belt and braces rather than escaping.
  await withClient(url, (client) => client.query(`create schema "${schema}"`));
  return {
    schema,
    connectionString: withSearchPath(url, schema),
    drop: async () => {
      await withClient(url, (client) => client.query(`drop schema if exists "${schema}" cascade`));
    },
  };
}

/** A fresh schema dropped when the test (or suite) ends. */
export async function withIsolatedSchema(scope: CleanupScope, prefix = 'test'): Promise<IsolatedDatabaseSchema> {
  const isolated = await createIsolatedDatabaseSchema(prefix);
  scope.after(isolated.drop);
  return isolated;
}

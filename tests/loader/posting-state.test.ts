import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { createDbPool } from '@mlc/common/db-pool';
import { MIGRATIONS_DIR, MIGRATIONS_TABLE, migrate } from '@mlc/common/migrate';
import type { Posting, PostingStatus } from '@mlc/loader/posting/posting';
import { PostingHistoryStore } from '@mlc/loader/posting/posting-history-store';
import fc from 'fast-check';
import { runner } from 'node-pg-migrate';
import type pg from 'pg';
import {
  type CleanupScope,
  createIsolatedDatabaseSchema,
  type IsolatedDatabaseSchema,
  withIsolatedSchema,
} from '../support/isolated-database-schema.ts';
import { databaseUrl } from '../support/test-env.ts';
import { uniqueName } from '../support/unique-name.ts';

// posting_state must always say what the DISTINCT ON queries over posting_history said before it existed:
// these tests hold the store (and the migration's backfill) to that reference.

let schema: IsolatedDatabaseSchema;
let pool: pg.Pool;
let store: PostingHistoryStore;

before(async () => {
  schema = await createIsolatedDatabaseSchema('loader_state');
  pool = createDbPool(databaseUrl(), { schema: schema.schema, max: 4 });
  await migrate(pool, { schema: schema.schema });
  store = new PostingHistoryStore(pool, schema.schema);
});

after(async () => {
  await pool?.end();
  await schema?.drop();
});

let offset = 0;

function posting(tenantId: string, naturalKey: string, status: PostingStatus, contentHash: string): Posting {
  offset += 1;
  return {
    tenantId,
    entity: 'supplier',
    naturalKey,
    zendeskTarget: 'organization',
    objectType: 'organization',
    externalId: `mlc:${tenantId}:supplier:${naturalKey}`,
    zendeskId: status === 'applied' ? `z-${contentHash}` : null,
    status,
    contentHash,
    attempts: 1,
    error:
      status === 'failed' || status === 'dead_lettered'
        ? { status: status === 'failed' ? 422 : 503, error: `E-${contentHash}`, description: 'refused', details: null }
        : null,
    eventId: `e${offset}`,
    runId: 'run',
    source: { topic: 'cloudsuite.supplier.v1', partition: 0, offset: String(offset) },
    diff: null,
    // Quotes, backslashes, braces and commas: the bodies travel inside a PostgreSQL array literal.
    body: status === 'applied' ? { name: contentHash, note: 'a "quoted" \\ {braced, listed} ünïcode ✓' } : null,
    postedAt: new Date().toISOString(),
  };
}

const auditKey = (tenantId: string, naturalKey: string) => `${tenantId}|supplier|${naturalKey}|organization`;

interface RecordState {
  applied: { contentHash: string; zendeskId: string | null; body: unknown } | null;
  refused: { status: string; errorCode: string | null } | null;
  latest: { id: string; status: string };
}

/** What the history says of each of a tenant's records, by the pre-posting_state DISTINCT ON queries. */
async function fromHistory(db: pg.Pool, tenantId: string): Promise<Map<string, RecordState>> {
  const latest = await db.query<{ natural_key: string; id: string; status: string }>(
    `SELECT DISTINCT ON (natural_key, zendesk_target) natural_key, id, status FROM posting_history
      WHERE tenant_id = $1 ORDER BY natural_key, zendesk_target, id DESC`,
    [tenantId],
  );
  const applied = await db.query<{
    natural_key: string;
    content_hash: string;
    zendesk_id: string | null;
    body: unknown;
  }>(
    `SELECT DISTINCT ON (natural_key, zendesk_target) natural_key, content_hash, zendesk_id, body FROM posting_history
      WHERE tenant_id = $1 AND status = 'applied' ORDER BY natural_key, zendesk_target, id DESC`,
    [tenantId],
  );
  const outcome = await db.query<{ natural_key: string; status: string; error_code: string | null }>(
    `SELECT DISTINCT ON (natural_key, zendesk_target) natural_key, status, error_code FROM posting_history
      WHERE tenant_id = $1 AND status <> 'unchanged' ORDER BY natural_key, zendesk_target, id DESC`,
    [tenantId],
  );
  const states = new Map<string, RecordState>();
  for (const row of latest.rows) {
    const last = applied.rows.find((r) => r.natural_key === row.natural_key);
    const refusal = outcome.rows.find((r) => r.natural_key === row.natural_key && r.status !== 'applied');
    states.set(auditKey(tenantId, row.natural_key), {
      applied:
        last === undefined ? null : { contentHash: last.content_hash, zendeskId: last.zendesk_id, body: last.body },
      refused: refusal === undefined ? null : { status: refusal.status, errorCode: refusal.error_code },
      latest: { id: row.id, status: row.status },
    });
  }
  return states;
}

/** The same, as the store and posting_state answer it. */
async function fromState(db: pg.Pool, tenantId: string, keys: readonly string[]): Promise<Map<string, RecordState>> {
  const reader = new PostingHistoryStore(db, await currentSchema(db));
  const applied = await reader.load(keys);
  const refused = await reader.refused(keys);
  const { rows } = await db.query<{ natural_key: string; latest_id: string; latest_status: string }>(
    'SELECT natural_key, latest_id, latest_status FROM posting_state WHERE tenant_id = $1',
    [tenantId],
  );
  const states = new Map<string, RecordState>();
  for (const row of rows) {
    const key = auditKey(tenantId, row.natural_key);
    const refusal = refused.get(key);
    states.set(key, {
      applied: applied.get(key) ?? null,
      refused: refusal === undefined ? null : { status: refusal.status, errorCode: refusal.errorCode },
      latest: { id: row.latest_id, status: row.latest_status },
    });
  }
  return states;
}

async function currentSchema(db: pg.Pool): Promise<string> {
  return (await db.query<{ schema: string }>('SELECT current_schema() AS schema')).rows[0]!.schema;
}

async function assertStateMatchesHistory(db: pg.Pool, tenantId: string): Promise<Map<string, RecordState>> {
  const expected = await fromHistory(db, tenantId);
  assert.ok(expected.size > 0, 'the history holds postings of the tenant');
  assert.deepEqual(await fromState(db, tenantId, [...expected.keys()]), expected);
  return expected;
}

test('an unchanged posting keeps the applied state, a failed one keeps the applied hash and marks the record refused', async () => {
  const tenant = uniqueName('order');
  const key = auditKey(tenant, 'S1');
  const step = async (status: PostingStatus, hash: string) => {
    await store.record([posting(tenant, 'S1', status, hash)]);
    return {
      applied: (await store.load([key])).get(key)?.contentHash,
      refused: (await store.refused([key])).get(key)?.status,
      latest: (await pool.query('SELECT latest_status FROM posting_state WHERE tenant_id = $1', [tenant])).rows[0]
        ?.latest_status,
    };
  };
  assert.deepEqual(await step('applied', 'h1'), { applied: 'h1', refused: undefined, latest: 'applied' });
  assert.deepEqual(await step('unchanged', 'h1'), { applied: 'h1', refused: undefined, latest: 'unchanged' });
  assert.deepEqual(await step('failed', 'h2'), { applied: 'h1', refused: 'failed', latest: 'failed' });
  // The content went back to what Zendesk has: no write, but the refusal of h2 is still the last outcome.
  assert.deepEqual(await step('unchanged', 'h1'), { applied: 'h1', refused: 'failed', latest: 'unchanged' });
  assert.deepEqual(await step('dead_lettered', 'h3'), {
    applied: 'h1',
    refused: 'dead_lettered',
    latest: 'dead_lettered',
  });
  assert.deepEqual(await step('applied', 'h3'), { applied: 'h3', refused: undefined, latest: 'applied' });
  const last = posting(tenant, 'S1', 'applied', 'h3');
  assert.deepEqual((await store.load([key])).get(key), {
    contentHash: 'h3',
    zendeskId: 'z-h3',
    body: last.body,
  });
  await assertStateMatchesHistory(pool, tenant);
});

test('several postings of a record in one batch, also among a thousand others: the last of each kind wins', async () => {
  const tenant = uniqueName('batch');
  await store.record([
    posting(tenant, 'X', 'applied', 'x1'),
    posting(tenant, 'X', 'failed', 'x2'),
    posting(tenant, 'X', 'unchanged', 'x1'),
    posting(tenant, 'Y', 'applied', 'y1'),
    posting(tenant, 'Y', 'applied', 'y2'),
    // Natural keys may hold `|`: the audit key is split from both ends.
    posting(tenant, '100|Z|1', 'dead_lettered', 'z1'),
  ]);
  const states = await assertStateMatchesHistory(pool, tenant);
  assert.deepEqual(
    [...states].map(([key, state]) => [key, state.applied?.contentHash ?? null, state.refused?.status ?? null]),
    [
      [auditKey(tenant, '100|Z|1'), null, 'dead_lettered'],
      [auditKey(tenant, 'X'), 'x1', 'failed'],
      [auditKey(tenant, 'Y'), 'y2', null],
    ],
  );

  const crowded = uniqueName('crowd');
  const filler = Array.from({ length: 998 }, (_, index) => posting(crowded, `F${index}`, 'applied', `f${index}`));
  await store.record([
    posting(crowded, 'W', 'applied', 'w-first'),
    ...filler,
    posting(crowded, 'W', 'applied', 'w-last-applied'),
    posting(crowded, 'W', 'failed', 'w-refused'),
  ]);
  const key = auditKey(crowded, 'W');
  assert.equal((await store.load([key])).get(key)?.contentHash, 'w-last-applied');
  assert.equal((await store.refused([key])).get(key)?.status, 'failed');
  assert.equal((await fromHistory(pool, crowded)).size, 999);
  await assertStateMatchesHistory(pool, crowded);
});

test('a writer whose postings got older history ids cannot put an older state back', async () => {
  const tenant = uniqueName('race');
  const key = auditKey(tenant, 'R');
  const sequence = "pg_get_serial_sequence('posting_history', 'id')";
  const { rows } = await pool.query<{ id: string }>('SELECT coalesce(max(id), 0) AS id FROM posting_history');
  const start = Number(rows[0]?.id);
  try {
    // Two loaders during a rebalance: the newer posting (higher id) commits first, the older one after it.
    await pool.query(`SELECT setval(${sequence}, $1)`, [start + 2000]);
    await store.record([posting(tenant, 'R', 'applied', 'newer')]);
    await pool.query(`SELECT setval(${sequence}, $1)`, [start + 1000]);
    await store.record([posting(tenant, 'R', 'applied', 'older'), posting(tenant, 'R', 'failed', 'older-refused')]);
  } finally {
    await pool.query(`SELECT setval(${sequence}, (SELECT max(id) FROM posting_history))`);
  }
  assert.equal((await store.load([key])).get(key)?.contentHash, 'newer');
  assert.equal((await store.refused([key])).size, 0);
  await assertStateMatchesHistory(pool, tenant);
});

test('any sequence of postings in any batches leaves posting_state equal to the history', async () => {
  const status = fc.constantFrom<PostingStatus>('applied', 'unchanged', 'failed', 'dead_lettered');
  const step = fc.record({ key: fc.constantFrom('A', 'B', 'C|D'), status, hash: fc.constantFrom('1', '2', '3') });
  const batches = fc.array(fc.array(step, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 5 });
  await fc.assert(
    fc.asyncProperty(batches, async (steps) => {
      const tenant = uniqueName('prop');
      for (const batch of steps) {
        await store.record(batch.map((item) => posting(tenant, item.key, item.status, item.hash)));
      }
      await assertStateMatchesHistory(pool, tenant);
    }),
    { numRuns: 40 },
  );
});

async function migrateUntil(connectionString: string, schemaName: string, lastTimestamp: number): Promise<void> {
  const db = createDbPool(connectionString, { max: 1 });
  const client = await db.connect();
  try {
    await runner({
      dbClient: client,
      dir: MIGRATIONS_DIR,
      direction: 'up',
      migrationsTable: MIGRATIONS_TABLE,
      schema: schemaName,
      createSchema: true,
      checkOrder: true,
      singleTransaction: true,
      // The lock is database-wide: other tests migrate their own schemas at the same time.
      advisoryLockMode: 'wait',
      count: lastTimestamp,
      timestamp: true,
      log: () => {},
    });
  } finally {
    client.release();
    await db.end();
  }
}

async function backfilledSchema(scope: CleanupScope): Promise<pg.Pool> {
  const stateMigration = readdirSync(MIGRATIONS_DIR).find((file) => file.endsWith('_loader-posting-state.sql'));
  assert.ok(stateMigration !== undefined, 'the posting_state migration exists');
  const isolated = await withIsolatedSchema(scope, 'loader_backfill');
  await migrateUntil(isolated.connectionString, isolated.schema, Number.parseInt(stateMigration, 10) - 1);
  const db = createDbPool(isolated.connectionString, { schema: isolated.schema, max: 2 });
  scope.after(() => db.end());
  return db;
}

test('the migration backfills posting_state from an existing history, and postings after it build on it', async (t) => {
  const db = await backfilledSchema(t);
  assert.equal((await db.query("SELECT to_regclass('posting_state') AS state")).rows[0].state, null);
  // A history as the loader wrote it before posting_state: history rows only.
  const history: [string, PostingStatus, string][] = [
    ['A', 'applied', 'a1'],
    ['B', 'failed', 'b1'],
    ['A', 'unchanged', 'a1'],
    ['C|1', 'applied', 'c1'],
    ['B', 'applied', 'b2'],
    ['C|1', 'dead_lettered', 'c2'],
    ['D', 'failed', 'd1'],
    ['C|1', 'unchanged', 'c1'],
    ['A', 'applied', 'a2'],
    ['A', 'failed', 'a3'],
  ];
  for (const [naturalKey, status, hash] of history) {
    const { error } = posting('old', naturalKey, status, hash);
    await db.query(
      `INSERT INTO posting_history (tenant_id, entity, natural_key, zendesk_target, content_hash, status, zendesk_id, error,
         error_code, body)
       VALUES ('old', 'supplier', $1, 'organization', $2, $3, $4, $5, $6, $7)`,
      [
        naturalKey,
        hash,
        status,
        status === 'applied' ? `z-${hash}` : null,
        error === null ? null : JSON.stringify(error),
        error?.error ?? null,
        status === 'applied' ? { name: hash } : null,
      ],
    );
  }
  assert.ok((await migrate(db, { schema: await currentSchema(db) })).some((name) => name.endsWith('posting-state')));
  const states = await assertStateMatchesHistory(db, 'old');
  assert.deepEqual(
    [...states].map(([key, state]) => [key.split('|').slice(2, -1).join('|'), state.applied?.contentHash ?? null]),
    [
      ['A', 'a2'],
      ['B', 'b2'],
      ['C|1', 'c1'],
      ['D', null],
    ],
  );

  const continued = new PostingHistoryStore(db, await currentSchema(db));
  await continued.record([
    posting('old', 'A', 'unchanged', 'a2'),
    posting('old', 'C|1', 'failed', 'c3'),
    posting('old', 'D', 'applied', 'd2'),
  ]);
  await assertStateMatchesHistory(db, 'old');
});

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { after, test } from 'node:test';
import { loadConfig } from '../../packages/common/src/config.ts';
import { DATABASE_CONFIG } from '../../packages/common/src/config-definitions.ts';
import { createDbPool } from '../../packages/common/src/db-pool.ts';
import { MIGRATIONS_DIR, migrate } from '../../packages/common/src/migrate.ts';

const { databaseUrl } = loadConfig(DATABASE_CONFIG);
const schema = `mlc_test_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
const admin = createDbPool(databaseUrl, { max: 2 });

after(async () => {
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.end();
});

test('migrations apply to a fresh schema, and applying them twice is a no-op', async () => {
  const migrationFiles = readdirSync(MIGRATIONS_DIR).filter((file) => file.endsWith('.sql'));
  const first = await migrate(databaseUrl, { schema });
  assert.deepEqual(first, migrationFiles.map((file) => file.replace(/\.sql$/, '')).sort());

  const pool = createDbPool(databaseUrl, { schema, max: 2 });
  try {
    assert.deepEqual(await migrate(pool, { schema }), []);
    const { rows } = await pool.query<{ table_name: string }>(
      'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name',
      [schema],
    );
    for (const table of [
      'tenants',
      'watermarks',
      'runs',
      'run_entities',
      'posting_history',
      'admin_tokens',
      'admin_audit',
      'zendesk_fields',
    ]) {
      assert.ok(
        rows.some((row) => row.table_name === table),
        `${table} missing`,
      );
    }
    // The pool's search_path reaches the schema's tables unqualified.
    await pool.query("INSERT INTO tenants (id, name, product) VALUES ('acme', 'Acme', 'm3')");
    await pool.query("INSERT INTO watermarks (tenant_id, entity, value) VALUES ('acme', 'supplier', '20250301000000')");
    const { rows: marks } = await pool.query('SELECT value FROM watermarks');
    assert.deepEqual(marks, [{ value: '20250301000000' }]);
  } finally {
    await pool.end();
  }
});

test('concurrent starters migrate once: the advisory lock serializes them', async () => {
  const concurrentSchema = `${schema}_c`;
  try {
    const results = await Promise.all([
      migrate(databaseUrl, { schema: concurrentSchema }),
      migrate(databaseUrl, { schema: concurrentSchema }),
    ]);
    assert.equal(results.flat().length, readdirSync(MIGRATIONS_DIR).filter((file) => file.endsWith('.sql')).length);
  } finally {
    await admin.query(`DROP SCHEMA IF EXISTS ${concurrentSchema} CASCADE`);
  }
});

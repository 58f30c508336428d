/**
 * The extractor holds a tenant's advisory lock on one checked-out connection for a whole run. PostgreSQL
 * restarting mid-run kills that connection: the run must carry on (its queries use the pool) instead of
 * the process dying on an unhandled 'error' event, and the broken connection must not go back to the pool.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createDbPool } from '@mlc/common/db-pool';
import { withTenantLock } from '@mlc/extractor/tenant-lock';
import pg from 'pg';
import { databaseUrl } from '../support/test-env.ts';
import { uniqueName } from '../support/unique-name.ts';

/** Ends the session holding the tenant's lock, as a PostgreSQL restart would; returns how many it ended. */
async function terminateLockHolder(tenantId: string): Promise<number> {
  const admin = new pg.Client({ connectionString: databaseUrl() });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ ended: boolean }>(
      `SELECT pg_terminate_backend(pid) AS ended FROM pg_locks
        WHERE locktype = 'advisory' AND objsubid = 2
          AND classid::bigint = (hashtext('mlc-extractor')::bigint + 4294967296) % 4294967296
          AND objid::bigint = (hashtext($1)::bigint + 4294967296) % 4294967296`,
      [tenantId],
    );
    return rows.filter((row) => row.ended).length;
  } finally {
    await admin.end();
  }
}

test('a run whose lock connection is killed finishes, and the lock is free afterwards', async () => {
  const pool = createDbPool(databaseUrl(), { max: 2 });
  const tenantId = uniqueName('lock_loss');
  try {
    const outcome = await withTenantLock(pool, tenantId, async () => {
      assert.equal(await terminateLockHolder(tenantId), 1);
      // Long enough for the connection's end to reach the client as an 'error' event.
      await sleep(500);
      const { rows } = await pool.query<{ one: number }>('SELECT 1 AS one');
      return rows[0]?.one;
    });
    assert.deepEqual(outcome, { locked: true, value: 1 });
    const again = await withTenantLock(pool, tenantId, async () => 'ran');
    assert.deepEqual(again, { locked: true, value: 'ran' });
  } finally {
    await pool.end();
  }
});

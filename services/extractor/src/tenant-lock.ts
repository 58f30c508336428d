import type pg from 'pg';

/**
 * A tenant runs at most once at a time across replicas: a session-level PostgreSQL advisory lock held on
 * one pooled connection for the whole run. If the process dies, the connection closes and the lock is gone.
 */
export async function withTenantLock<T>(
  db: pg.Pool,
  tenantId: string,
  run: () => Promise<T>,
): Promise<{ locked: true; value: T } | { locked: false }> {
  const client = await db.connect();
  let release = true;
  // A checked-out client has no pool listener: its connection dying (PostgreSQL restarted mid-run) would
  // be an unhandled 'error' event and end the process. The lock went with the connection; the run's own
  // queries fail or succeed on the pool, and the broken client is never handed back.
  const onConnectionLost = () => {
    release = false;
  };
  client.on('error', onConnectionLost);
  try {
    const { rows } = await client.query<{ locked: boolean }>(
      "SELECT pg_try_advisory_lock(hashtext('mlc-extractor'), hashtext($1)) AS locked",
      [tenantId],
    );
    if (rows[0]?.locked !== true) return { locked: false };
    try {
      return { locked: true, value: await run() };
    } finally {
      try {
        await client.query("SELECT pg_advisory_unlock(hashtext('mlc-extractor'), hashtext($1))", [tenantId]);
      } catch {
        // A broken connection has released the lock with it; never hand it back to the pool.
        release = false;
      }
    }
  } finally {
    client.off('error', onConnectionLost);
    client.release(!release);
  }
}

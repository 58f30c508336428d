import { randomUUID } from 'node:crypto';
import type { EntityName } from '@mlc/common/entities';
import type pg from 'pg';

/**
 * On-demand runs: the admin API inserts a row into `run_requests`; every extractor replica polls the
 * table and claims pending rows with SKIP LOCKED, so each request is taken by exactly one replica.
 */
export interface RunRequest {
  id: string;
  tenantId: string;
  entities: EntityName[] | null;
  fullResync: boolean;
  requestedBy: string | null;
}

type Queryable = Pick<pg.Pool, 'query'>;

export async function requestRun(
  db: Queryable,
  request: { tenantId: string; entities?: readonly EntityName[]; fullResync?: boolean; requestedBy?: string },
): Promise<{ requestId: string }> {
  const id = randomUUID();
  await db.query(
    'INSERT INTO run_requests (id, tenant_id, entities, full_resync, requested_by) VALUES ($1, $2, $3, $4, $5)',
    [id, request.tenantId, request.entities ?? null, request.fullResync ?? false, request.requestedBy ?? null],
  );
  return { requestId: id };
}

interface RunRequestRow {
  id: string;
  tenant_id: string;
  entities: EntityName[] | null;
  full_resync: boolean;
  requested_by: string | null;
}

/** Claims the oldest pending requests, skipping tenants this replica is already running. */
export async function claimRunRequests(
  db: Queryable,
  limit: number,
  busyTenants: readonly string[],
): Promise<RunRequest[]> {
  if (limit <= 0) return [];
  const { rows } = await db.query<RunRequestRow>(
    `UPDATE run_requests SET claimed_at = now()
     WHERE id IN (SELECT id FROM run_requests WHERE claimed_at IS NULL AND NOT (tenant_id = ANY($2::text[]))
                  ORDER BY requested_at LIMIT $1 FOR UPDATE SKIP LOCKED)
     RETURNING id, tenant_id, entities, full_resync, requested_by`,
    [limit, busyTenants],
  );
  return rows.map((r) => ({
    id: r.id,
    tenantId: r.tenant_id,
    entities: r.entities,
    fullResync: r.full_resync,
    requestedBy: r.requested_by,
  }));
}

/** Puts a claimed request back (its tenant was running on another replica): it is tried again later. */
export async function releaseRunRequest(db: Queryable, id: string): Promise<void> {
  await db.query('UPDATE run_requests SET claimed_at = NULL WHERE id = $1', [id]);
}

/** Links the request to its run as the run starts, so a caller can follow the run while it is going. */
export async function markRunRequestStarted(db: Queryable, id: string, runId: string): Promise<void> {
  await db.query('UPDATE run_requests SET run_id = $2 WHERE id = $1', [id, runId]);
}

/** A claimed request that will not run (tenant paused, deleted, or the run could not start): says why. */
export async function markRunRequestSkipped(db: Queryable, id: string, reason: string): Promise<void> {
  await db.query('UPDATE run_requests SET skipped_reason = $2 WHERE id = $1', [id, reason.slice(0, 500)]);
}

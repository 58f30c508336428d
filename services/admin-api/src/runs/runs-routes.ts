import { randomUUID } from 'node:crypto';
import { MlcError } from '@mlc/common/errors';
import type { FastifyInstance } from 'fastify';
import type { AdminApiDeps } from '../admin-api-deps.ts';
import { recordAdminAction } from '../admin-audit/admin-audit-log.ts';
import { requireTenantAccess } from '../auth/admin-principal.ts';
import { principalOf } from '../auth/bearer-auth.ts';
import { bearerSecurity, tenantParams } from '../http/shared-schemas.ts';
import { accessibleTenant } from '../tenants/tenant-access.ts';
import { listRunsQuery, runParams, runRequestParams, type TriggerRunBody, triggerRunBody } from './run-schemas.ts';

interface RunRow {
  id: string;
  tenant_id: string;
  trigger: string;
  status: string;
  started_at: Date;
  finished_at: Date | null;
  error: string | null;
}

interface RunEntityRow {
  entity: string;
  status: string;
  pages: number;
  read: number;
  published: number;
  unchanged: number;
  failed: number;
  api_calls: number;
  retries: number;
  throttled: number;
  token_calls: number;
  duration_ms: number;
  error: string | null;
}

function runView(row: RunRow) {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    trigger: row.trigger,
    status: row.status,
    startedAt: row.started_at.toISOString(),
    finishedAt: row.finished_at?.toISOString() ?? null,
    durationMs: row.finished_at === null ? null : row.finished_at.getTime() - row.started_at.getTime(),
    error: row.error,
  };
}

interface RunRequestRow {
  id: string;
  tenant_id: string;
  requested_at: Date;
  claimed_at: Date | null;
  run_id: string | null;
  skipped_reason: string | null;
  run_status: string | null;
}

/**
 * Where an on-demand request is: pending (no extractor claimed it), claimed (an extractor took it and waits
 * for the tenant), starting (run id chosen, run not recorded yet), skipped (it will not run, with the
 * reason), or the status of the run it started.
 */
function runRequestView(row: RunRequestRow) {
  const status =
    row.skipped_reason !== null
      ? 'skipped'
      : row.run_id !== null
        ? (row.run_status ?? 'starting')
        : row.claimed_at !== null
          ? 'claimed'
          : 'pending';
  return {
    requestId: row.id,
    tenantId: row.tenant_id,
    status,
    runId: row.skipped_reason === null ? row.run_id : null,
    skippedReason: row.skipped_reason,
    requestedAt: row.requested_at.toISOString(),
    claimedAt: row.claimed_at?.toISOString() ?? null,
  };
}

function entityView(row: RunEntityRow) {
  return {
    entity: row.entity,
    status: row.status,
    pages: row.pages,
    recordsRead: row.read,
    published: row.published,
    unchanged: row.unchanged,
    failed: row.failed,
    apiCalls: row.api_calls,
    retries: row.retries,
    throttled: row.throttled,
    tokenCalls: row.token_calls,
    durationMs: row.duration_ms,
    error: row.error,
  };
}

/**
 * Runs as the extractor records them (runs, run_entities) and on-demand run requests, which the extractor
 * polls from run_requests (claimed_at/run_id set when it starts the run).
 */
export async function runsRoutes(app: FastifyInstance, deps: AdminApiDeps): Promise<void> {
  const tags = ['runs'];
  app.get(
    '/tenants/:id/runs',
    {
      schema: {
        tags,
        security: bearerSecurity,
        summary: 'Runs of a tenant, newest first',
        params: tenantParams,
        querystring: listRunsQuery,
      },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const { limit, before } = request.query as { limit: number; before?: string };
      await accessibleTenant(request, deps.db, id);
      const runs = await deps.db.query<RunRow>(
        `SELECT id, tenant_id, trigger, status, started_at, finished_at, error FROM runs
          WHERE tenant_id = $1 AND ($2::timestamptz IS NULL OR started_at < $2) ORDER BY started_at DESC, id LIMIT $3`,
        [id, before ?? null, limit],
      );
      const pending = await deps.db.query<{
        id: string;
        entities: string[] | null;
        full_resync: boolean;
        requested_by: string | null;
        requested_at: Date;
      }>(
        `SELECT id, entities, full_resync, requested_by, requested_at FROM run_requests
          WHERE tenant_id = $1 AND claimed_at IS NULL ORDER BY requested_at`,
        [id],
      );
      return {
        runs: runs.rows.map(runView),
        pendingRequests: pending.rows.map((row) => ({
          requestId: row.id,
          entities: row.entities,
          fullResync: row.full_resync,
          requestedBy: row.requested_by,
          requestedAt: row.requested_at.toISOString(),
        })),
        nextBefore: runs.rows.length === limit ? (runs.rows.at(-1)?.started_at.toISOString() ?? null) : null,
      };
    },
  );

  app.get(
    '/runs/:id',
    { schema: { tags, security: bearerSecurity, summary: 'One run with per-entity counts', params: runParams } },
    async (request) => {
      const { id } = request.params as { id: string };
      const { rows } = await deps.db.query<RunRow>(
        'SELECT id, tenant_id, trigger, status, started_at, finished_at, error FROM runs WHERE id = $1',
        [id],
      );
      const run = rows[0];
      // An operator learns nothing about other tenants' runs, not even that they exist.
      if (run === undefined) throw new MlcError('MLC_NOT_FOUND', `No run ${id}`, { field: 'id' });
      requireTenantAccess(principalOf(request), run.tenant_id);
      const entities = await deps.db.query<RunEntityRow>(
        `SELECT entity, status, pages, read, published, unchanged, failed, api_calls, retries, throttled, token_calls,
                duration_ms, error FROM run_entities WHERE run_id = $1 ORDER BY entity`,
        [id],
      );
      return { ...runView(run), entities: entities.rows.map(entityView) };
    },
  );

  app.get(
    '/run-requests/:id',
    {
      schema: {
        tags,
        security: bearerSecurity,
        summary: 'An on-demand run request: its status and, once started, its run id',
        params: runRequestParams,
      },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const { rows } = await deps.db.query<RunRequestRow>(
        `SELECT q.id, q.tenant_id, q.requested_at, q.claimed_at, q.run_id, q.skipped_reason, r.status AS run_status
           FROM run_requests q LEFT JOIN runs r ON r.id = q.run_id WHERE q.id = $1`,
        [id],
      );
      const row = rows[0];
      if (row === undefined) throw new MlcError('MLC_NOT_FOUND', `No run request ${id}`, { field: 'id' });
      requireTenantAccess(principalOf(request), row.tenant_id);
      return runRequestView(row);
    },
  );

  app.post(
    '/tenants/:id/runs',
    {
      schema: {
        tags,
        security: bearerSecurity,
        summary: 'Request a run now (the extractor picks it up)',
        params: tenantParams,
        body: triggerRunBody,
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const { id } = request.params as { id: string };
      const body = (request.body ?? {}) as TriggerRunBody;
      const tenant = await accessibleTenant(request, deps.db, id);
      if (tenant.status === 'paused') {
        throw new MlcError('MLC_CONFLICT', `Tenant ${id} is paused: resume it before requesting a run`, {
          field: 'status',
        });
      }
      const requestId = randomUUID();
      const { rows } = await deps.db.query<{ requested_at: Date }>(
        `INSERT INTO run_requests (id, tenant_id, entities, full_resync, requested_by) VALUES ($1, $2, $3, $4, $5)
         RETURNING requested_at`,
        [requestId, id, body.entities ?? null, body.fullResync ?? false, principal.name],
      );
      await recordAdminAction(deps.db, principal, {
        action: 'run.request',
        target: `tenant:${id}`,
        details: { requestId, entities: body.entities ?? null, fullResync: body.fullResync ?? false },
      });
      return reply.code(202).send({
        requestId,
        tenantId: id,
        entities: body.entities ?? null,
        fullResync: body.fullResync ?? false,
        requestedAt: rows[0]?.requested_at.toISOString(),
      });
    },
  );
}

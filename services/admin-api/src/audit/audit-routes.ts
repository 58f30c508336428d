import { AUDIT_STATUSES } from '@mlc/common/audit-record';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AdminApiDeps } from '../admin-api-deps.ts';
import { bearerSecurity, entityName, isoTime, pageCursor, pageLimit, tenantId } from '../http/shared-schemas.ts';
import { accessibleTenant } from '../tenants/tenant-access.ts';
import { LATEST_POSTINGS, POSTING_COLUMNS, type PostingRow, postingView } from './posting-history-view.ts';

const latestQuery = z
  .object({
    entity: entityName.optional(),
    naturalKey: z.string().min(1).max(500).optional(),
    status: z.enum(AUDIT_STATUSES).optional(),
    zendeskTarget: z.string().min(1).max(200).optional(),
    /** Only records whose latest posting is at or after this time. */
    since: isoTime.optional(),
    until: isoTime.optional(),
    limit: pageLimit,
    cursor: pageCursor.optional(),
  })
  .strict();

const recordParams = z.object({ id: tenantId, entity: entityName, naturalKey: z.string().min(1).max(500) }).strict();

/**
 * Posting audit from posting_history, which the loader writes synchronously before it commits offsets (the
 * same postings it produces to the compacted audit topic): the latest state per record and target (from
 * posting_state, which the loader keeps in the same statement) and a record's full history. Pages are keyed
 * by posting id, newest first.
 */
export async function auditRoutes(app: FastifyInstance, deps: AdminApiDeps): Promise<void> {
  const tags = ['audit'];
  app.get(
    '/tenants/:id/audit',
    {
      schema: {
        tags,
        security: bearerSecurity,
        summary: 'Latest posting state per record and Zendesk target',
        params: z.object({ id: tenantId }).strict(),
        querystring: latestQuery,
      },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const query = request.query as z.infer<typeof latestQuery>;
      await accessibleTenant(request, deps.db, id);
      const { rows } = await deps.db.query<PostingRow>(
        `${LATEST_POSTINGS}
          WHERE s.tenant_id = $1 AND ($2::text IS NULL OR s.entity = $2) AND ($3::text IS NULL OR s.natural_key = $3)
            AND ($4::text IS NULL OR s.zendesk_target = $4) AND ($5::text IS NULL OR s.latest_status = $5)
            AND ($6::timestamptz IS NULL OR s.latest_at >= $6) AND ($7::timestamptz IS NULL OR s.latest_at < $7)
            AND ($8::bigint IS NULL OR s.latest_id < $8)
          ORDER BY s.latest_id DESC LIMIT $9`,
        [
          id,
          query.entity ?? null,
          query.naturalKey ?? null,
          query.zendeskTarget ?? null,
          query.status ?? null,
          query.since ?? null,
          query.until ?? null,
          query.cursor ?? null,
          query.limit + 1,
        ],
      );
      const page = rows.slice(0, query.limit);
      return {
        records: page.map(postingView),
        nextCursor: rows.length > query.limit ? (page.at(-1)?.id ?? null) : null,
      };
    },
  );

  app.get(
    '/tenants/:id/audit/:entity/:naturalKey',
    { schema: { tags, security: bearerSecurity, summary: 'Full posting history of one record', params: recordParams } },
    async (request) => {
      const { id, entity, naturalKey } = request.params as z.infer<typeof recordParams>;
      await accessibleTenant(request, deps.db, id);
      const { rows } = await deps.db.query<PostingRow>(
        `SELECT ${POSTING_COLUMNS} FROM posting_history
          WHERE tenant_id = $1 AND entity = $2 AND natural_key = $3 ORDER BY id LIMIT 5000`,
        [id, entity, naturalKey],
      );
      const previousHash = new Map<string, string>();
      const history = rows.map((row) => {
        const before = previousHash.get(row.zendesk_target);
        previousHash.set(row.zendesk_target, row.content_hash);
        return { ...postingView(row), contentChanged: before === undefined || before !== row.content_hash };
      });
      return { tenantId: id, entity, naturalKey, postings: history };
    },
  );
}

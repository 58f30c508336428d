import { randomUUID } from 'node:crypto';
import type { DlqRetryControlMessage, DlqRetryItem } from '@mlc/common/control-message';
import { isEntityName } from '@mlc/common/entities';
import { MlcError } from '@mlc/common/errors';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AdminApiDeps } from '../admin-api-deps.ts';
import { recordAdminAction } from '../admin-audit/admin-audit-log.ts';
import { LATEST_POSTINGS, type PostingRow, postingView } from '../audit/posting-history-view.ts';
import { principalOf } from '../auth/bearer-auth.ts';
import { bearerSecurity, entityName, pageCursor, pageLimit, tenantParams } from '../http/shared-schemas.ts';
import { requirePublisher } from '../replay/replay-routes.ts';
import { accessibleTenant } from '../tenants/tenant-access.ts';

const dlqQuery = z.object({ entity: entityName.optional(), limit: pageLimit, cursor: pageCursor.optional() }).strict();

const postingId = z.union([
  z.string().regex(/^\d{1,19}$/, 'must be a posting id from GET /tenants/{id}/dlq'),
  z.number().int().positive().transform(String),
]);
// One control message per call, kept well under Kafka's default 1 MB message size; `more` says to call again.
const MAX_RETRY_PER_CALL = 500;
const retryBody = z.union([
  z.object({ ids: z.array(postingId).min(1).max(MAX_RETRY_PER_CALL) }).strict(),
  z.object({ all: z.literal(true), entity: entityName.optional() }).strict(),
]);

/**
 * Dead letters as the loader records them: records whose latest posting (per Zendesk target) is `failed`
 * (Zendesk refused the content) or `dead_lettered` (transient failures outlasted the retries). The same
 * events sit on the DLQ topic with their original bytes; a retry is a `dlq-retry` control message that names
 * each posting's source position, so the owning loader re-posts them.
 */
const LATEST_DEAD_LETTERS = `${LATEST_POSTINGS}
  WHERE s.tenant_id = $1 AND ($2::text IS NULL OR s.entity = $2) AND s.latest_status IN ('failed', 'dead_lettered')`;

function retryItem(row: PostingRow): DlqRetryItem {
  if (!isEntityName(row.entity))
    throw new MlcError('MLC_VALIDATION', `Posting ${row.id} has an unknown entity`, { field: 'ids' });
  return {
    postingId: row.id,
    entity: row.entity,
    naturalKey: row.natural_key,
    zendeskTarget: row.zendesk_target,
    sourceTopic: row.source_topic,
    sourcePartition: row.source_partition,
    sourceOffset: row.source_offset === null ? null : String(row.source_offset),
  };
}

export async function dlqRoutes(app: FastifyInstance, deps: AdminApiDeps): Promise<void> {
  const tags = ['dlq'];
  app.get(
    '/tenants/:id/dlq',
    {
      schema: {
        tags,
        security: bearerSecurity,
        summary: 'Dead-lettered records with reasons',
        params: tenantParams,
        querystring: dlqQuery,
      },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const query = request.query as z.infer<typeof dlqQuery>;
      await accessibleTenant(request, deps.db, id);
      const { rows } = await deps.db.query<PostingRow>(
        `${LATEST_DEAD_LETTERS} AND ($3::bigint IS NULL OR s.latest_id < $3) ORDER BY s.latest_id DESC LIMIT $4`,
        [id, query.entity ?? null, query.cursor ?? null, query.limit + 1],
      );
      const page = rows.slice(0, query.limit);
      return {
        deadLetters: page.map(postingView),
        nextCursor: rows.length > query.limit ? (page.at(-1)?.id ?? null) : null,
      };
    },
  );

  app.post(
    '/tenants/:id/dlq/retry',
    {
      schema: {
        tags,
        security: bearerSecurity,
        summary: 'Retry dead letters: {ids: [...]} or {all: true, entity?}',
        params: tenantParams,
        body: retryBody,
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const { id } = request.params as { id: string };
      const body = request.body as z.infer<typeof retryBody>;
      await accessibleTenant(request, deps.db, id);
      const publisher = requirePublisher(deps.controlPublisher);
      const selected =
        'ids' in body
          ? await deps.db.query<PostingRow>(
              `${LATEST_DEAD_LETTERS} AND s.latest_id = ANY($3::bigint[]) ORDER BY s.latest_id`,
              [id, null, body.ids],
            )
          : await deps.db.query<PostingRow>(`${LATEST_DEAD_LETTERS} ORDER BY s.latest_id LIMIT $3`, [
              id,
              body.entity ?? null,
              MAX_RETRY_PER_CALL + 1,
            ]);
      if ('ids' in body) {
        const found = new Set(selected.rows.map((row) => row.id));
        const missing = body.ids.filter((postingId) => !found.has(postingId));
        if (missing.length > 0) {
          throw new MlcError(
            'MLC_NOT_FOUND',
            `Not a current dead letter of tenant ${id}: ${missing.slice(0, 10).join(', ')}`,
            {
              field: 'ids',
            },
          );
        }
      }
      const more = selected.rows.length > MAX_RETRY_PER_CALL;
      const rows = selected.rows.slice(0, MAX_RETRY_PER_CALL);
      if (rows.length === 0) return reply.code(200).send({ requestId: null, retried: 0, more: false });
      const message: DlqRetryControlMessage = {
        type: 'dlq-retry',
        version: 1,
        requestId: randomUUID(),
        tenantId: id,
        requestedBy: principal.name,
        requestedAt: new Date().toISOString(),
        items: rows.map(retryItem),
      };
      const position = await publisher.publish(message);
      await recordAdminAction(deps.db, principal, {
        action: 'dlq.retry',
        target: `tenant:${id}`,
        details: {
          requestId: message.requestId,
          count: message.items.length,
          ids: message.items.slice(0, 100).map((item) => item.postingId),
        },
      });
      return reply
        .code(202)
        .send({ requestId: message.requestId, retried: message.items.length, more, controlTopic: position });
    },
  );
}

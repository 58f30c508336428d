import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AdminApiDeps } from '../admin-api-deps.ts';
import { requireAdmin } from '../auth/admin-principal.ts';
import { principalOf } from '../auth/bearer-auth.ts';
import { bearerSecurity, isoTime, pageCursor, pageLimit } from '../http/shared-schemas.ts';

const adminAuditQuery = z
  .object({
    action: z.string().max(100).optional(),
    target: z.string().max(200).optional(),
    since: isoTime.optional(),
    limit: pageLimit,
    cursor: pageCursor.optional(),
  })
  .strict();

interface AdminAuditRow {
  id: string;
  actor: string;
  action: string;
  target: string | null;
  details: Record<string, unknown>;
  at: Date;
}

/** The append-only record of state-changing calls, newest first. Admins only. */
export async function adminAuditRoutes(app: FastifyInstance, deps: AdminApiDeps): Promise<void> {
  app.get(
    '/admin-audit',
    {
      schema: {
        tags: ['admin-audit'],
        security: bearerSecurity,
        summary: 'State-changing calls',
        querystring: adminAuditQuery,
      },
    },
    async (request) => {
      requireAdmin(principalOf(request));
      const query = request.query as z.infer<typeof adminAuditQuery>;
      const { rows } = await deps.db.query<AdminAuditRow>(
        `SELECT id, actor, action, target, details, at FROM admin_audit
          WHERE ($1::text IS NULL OR action = $1) AND ($2::text IS NULL OR target = $2)
            AND ($3::timestamptz IS NULL OR at >= $3) AND ($4::bigint IS NULL OR id < $4)
          ORDER BY id DESC LIMIT $5`,
        [query.action ?? null, query.target ?? null, query.since ?? null, query.cursor ?? null, query.limit + 1],
      );
      const page = rows.slice(0, query.limit);
      return {
        entries: page.map((row) => ({ ...row, at: row.at.toISOString() })),
        nextCursor: rows.length > query.limit ? (page.at(-1)?.id ?? null) : null,
      };
    },
  );
}

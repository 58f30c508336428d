import { MlcError } from '@mlc/common/errors';
import type { FastifyInstance } from 'fastify';
import type { AdminApiDeps } from '../admin-api-deps.ts';
import { recordAdminAction } from '../admin-audit/admin-audit-log.ts';
import { requireAdmin } from '../auth/admin-principal.ts';
import { createAdminToken, listAdminTokens, revokeAdminToken } from '../auth/admin-token-store.ts';
import { principalOf } from '../auth/bearer-auth.ts';
import { bearerSecurity } from '../http/shared-schemas.ts';
import { type CreateTokenBody, createTokenBody, tokenIdParams } from './token-schemas.ts';

/** Admin tokens: created (value shown once), listed (never the value), revoked. Admins only. */
export async function tokensRoutes(app: FastifyInstance, deps: AdminApiDeps): Promise<void> {
  const tags = ['tokens'];
  app.post(
    '/tokens',
    {
      schema: { tags, security: bearerSecurity, summary: 'Create a bearer token (shown once)', body: createTokenBody },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      requireAdmin(principal);
      const body = request.body as CreateTokenBody;
      const created = await createAdminToken(deps.db, body);
      await recordAdminAction(deps.db, principal, {
        action: 'token.create',
        target: `token:${created.id}`,
        details: { name: created.name, role: created.role, tenantIds: created.tenantIds },
      });
      return reply.code(201).send(created);
    },
  );

  app.get('/tokens', { schema: { tags, security: bearerSecurity, summary: 'List tokens' } }, async (request) => {
    requireAdmin(principalOf(request));
    return { tokens: await listAdminTokens(deps.db) };
  });

  app.delete(
    '/tokens/:id',
    { schema: { tags, security: bearerSecurity, summary: 'Revoke a token', params: tokenIdParams } },
    async (request, reply) => {
      const principal = principalOf(request);
      requireAdmin(principal);
      const { id } = request.params as { id: string };
      if (!(await revokeAdminToken(deps.db, id))) {
        throw new MlcError('MLC_NOT_FOUND', `No active token ${id}`, { field: 'id' });
      }
      await recordAdminAction(deps.db, principal, { action: 'token.revoke', target: `token:${id}` });
      return reply.code(204).send();
    },
  );
}

import { MlcError } from '@mlc/common/errors';
import { createTenant, deleteTenant, listTenants, updateTenant } from '@mlc/common/tenant-repository';
import type { FastifyInstance } from 'fastify';
import type { AdminApiDeps } from '../admin-api-deps.ts';
import { recordAdminAction } from '../admin-audit/admin-audit-log.ts';
import { requireAdmin } from '../auth/admin-principal.ts';
import { principalOf } from '../auth/bearer-auth.ts';
import { bearerSecurity, tenantParams } from '../http/shared-schemas.ts';
import { multipartTenantBody, registerIonApiMultipart } from './ionapi-multipart.ts';
import { accessibleTenant } from './tenant-access.ts';
import {
  CREDENTIAL_FIELDS,
  type CreateTenantBody,
  createTenantBody,
  listTenantsQuery,
  type PatchTenantBody,
  patchTenantBody,
} from './tenant-schemas.ts';
import { auditedChanges, tenantInputOf, tenantUpdateOf } from './tenant-settings.ts';
import { tenantView } from './tenant-view.ts';

/**
 * Tenants: create (admin; JSON or multipart with the .ionapi file as is), list/read (operators see their own),
 * update (operators may change name, rate limits, schedule and mapping; credentials and where they are sent
 * only admins), delete (admin), pause/resume.
 */
export async function tenantsRoutes(app: FastifyInstance, deps: AdminApiDeps): Promise<void> {
  const tags = ['tenants'];
  await registerIonApiMultipart(app);

  app.post(
    '/tenants',
    {
      schema: {
        tags,
        security: bearerSecurity,
        summary:
          'Register a tenant (JSON, or multipart: part "ionapi" = the .ionapi file, part "tenant" = JSON settings)',
        consumes: ['application/json', 'multipart/form-data'],
        body: createTenantBody,
      },
      preValidation: async (request) => {
        requireAdmin(principalOf(request));
        if (request.isMultipart()) request.body = await multipartTenantBody(request);
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const body = request.body as CreateTenantBody;
      const created = await createTenant(deps.db, deps.vault, tenantInputOf(body));
      const { ionapi: _ionapi, ...settings } = body;
      await recordAdminAction(deps.db, principal, {
        action: 'tenant.create',
        target: `tenant:${created.id}`,
        details: auditedChanges({ ...settings, ionapi: true }),
      });
      return reply.code(201).send(tenantView(deps.vault, created));
    },
  );

  app.get(
    '/tenants',
    { schema: { tags, security: bearerSecurity, summary: 'List tenants', querystring: listTenantsQuery } },
    async (request) => {
      const principal = principalOf(request);
      const { status } = request.query as { status?: 'active' | 'paused' };
      const tenants = await listTenants(deps.db, {
        ...(status === undefined ? {} : { status }),
        ...(principal.role === 'admin' ? {} : { ids: principal.tenantIds }),
      });
      return { tenants: tenants.map((tenant) => tenantView(deps.vault, tenant)) };
    },
  );

  app.get(
    '/tenants/:id',
    { schema: { tags, security: bearerSecurity, summary: 'Read a tenant', params: tenantParams } },
    async (request) => {
      const { id } = request.params as { id: string };
      return tenantView(deps.vault, await accessibleTenant(request, deps.db, id));
    },
  );

  app.patch(
    '/tenants/:id',
    {
      schema: {
        tags,
        security: bearerSecurity,
        summary: 'Change tenant settings',
        params: tenantParams,
        body: patchTenantBody,
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const { id } = request.params as { id: string };
      const body = request.body as PatchTenantBody;
      const current = await accessibleTenant(request, deps.db, id);
      for (const field of CREDENTIAL_FIELDS) {
        if (body[field] !== undefined && principal.role !== 'admin') {
          throw new MlcError('MLC_FORBIDDEN', `Only admins may change ${field}`, { field });
        }
      }
      const updated = await updateTenant(deps.db, deps.vault, id, tenantUpdateOf(body, current));
      if (updated === undefined) throw new MlcError('MLC_NOT_FOUND', `No tenant ${id}`, { field: 'id' });
      await recordAdminAction(deps.db, principal, {
        action: 'tenant.update',
        target: `tenant:${id}`,
        details: auditedChanges(body as Record<string, unknown>),
      });
      return tenantView(deps.vault, updated);
    },
  );

  app.delete(
    '/tenants/:id',
    {
      schema: {
        tags,
        security: bearerSecurity,
        summary: 'Delete a tenant and its runs and watermarks',
        params: tenantParams,
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      requireAdmin(principal);
      const { id } = request.params as { id: string };
      if (!(await deleteTenant(deps.db, id))) throw new MlcError('MLC_NOT_FOUND', `No tenant ${id}`, { field: 'id' });
      await recordAdminAction(deps.db, principal, { action: 'tenant.delete', target: `tenant:${id}` });
      return reply.code(204).send();
    },
  );

  for (const [action, status] of [
    ['pause', 'paused'],
    ['resume', 'active'],
  ] as const) {
    app.post(
      `/tenants/:id/${action}`,
      {
        schema: {
          tags,
          security: bearerSecurity,
          summary: `${action === 'pause' ? 'Pause' : 'Resume'} scheduled runs`,
          params: tenantParams,
        },
      },
      async (request) => {
        const principal = principalOf(request);
        const { id } = request.params as { id: string };
        const current = await accessibleTenant(request, deps.db, id);
        const updated = await updateTenant(deps.db, deps.vault, id, { status });
        if (updated === undefined) throw new MlcError('MLC_NOT_FOUND', `No tenant ${id}`, { field: 'id' });
        await recordAdminAction(deps.db, principal, {
          action: `tenant.${action}`,
          target: `tenant:${id}`,
          details: { from: current.status, to: status },
        });
        return tenantView(deps.vault, updated);
      },
    );
  }
}

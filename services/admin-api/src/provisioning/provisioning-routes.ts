import { MlcError } from '@mlc/common/errors';
import { openZendeskCredentials } from '@mlc/common/tenant-repository';
import { loadZendeskFieldIds, saveZendeskFieldIds } from '@mlc/common/zendesk-field-ids';
import { zendeskFieldPlan } from '@mlc/common/zendesk-field-plan';
import { resolveTenantMapping } from '@mlc/common/zendesk-mapping';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AdminApiDeps } from '../admin-api-deps.ts';
import { recordAdminAction } from '../admin-audit/admin-audit-log.ts';
import { principalOf } from '../auth/bearer-auth.ts';
import { zendeskBaseUrl } from '../connection-test/zendesk-probe.ts';
import { bearerSecurity, tenantParams } from '../http/shared-schemas.ts';
import { accessibleTenant } from '../tenants/tenant-access.ts';
import { provisionZendesk } from './zendesk-provisioner.ts';
import { ZendeskProvisioningClient } from './zendesk-provisioning-client.ts';

const provisionBody = z
  .object({
    /** Only report what would be created. */
    dryRun: z.boolean().default(false),
  })
  .strict()
  .default({ dryRun: false });

/**
 * POST /tenants/{id}/zendesk/provision: creates the Zendesk fields and custom objects the tenant's mapping
 * writes (and the ticket fields enrichment fills), remembers the ids Zendesk assigned for the loader.
 */
export async function provisioningRoutes(app: FastifyInstance, deps: AdminApiDeps): Promise<void> {
  app.post(
    '/tenants/:id/zendesk/provision',
    {
      schema: {
        tags: ['tenants'],
        security: bearerSecurity,
        summary: "Create the Zendesk fields and custom objects the tenant's mapping needs (idempotent)",
        params: tenantParams,
        body: provisionBody,
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const { id } = request.params as { id: string };
      const { dryRun } = (request.body ?? { dryRun: false }) as z.infer<typeof provisionBody>;
      const tenant = await accessibleTenant(request, deps.db, id);
      if (tenant.zendeskSubdomain === null || !tenant.hasZendeskCredentials) {
        throw new MlcError('MLC_VALIDATION', `Tenant ${id} has no Zendesk account configured`, { field: 'zendesk' });
      }
      const plan = zendeskFieldPlan(resolveTenantMapping(id, tenant.mapping));
      const client = await ZendeskProvisioningClient.connect(
        deps.http,
        zendeskBaseUrl(tenant.zendeskSubdomain, tenant.zendeskBaseUrl),
        openZendeskCredentials(deps.vault, tenant),
      );
      const known = await loadZendeskFieldIds(deps.db, id, 'ticket_field');
      const result = await provisionZendesk(client, plan, {
        dryRun,
        knownTicketFieldIds: new Map(known.map((field) => [field.key, field.zendeskId])),
        remember: (ids) => saveZendeskFieldIds(deps.db, id, ids),
      });
      if (!dryRun) {
        await recordAdminAction(deps.db, principal, {
          action: 'tenant.zendesk.provision',
          target: `tenant:${id}`,
          details: {
            created: result.created.map(
              (item) => `${item.kind}:${item.customObjectKey ? `${item.customObjectKey}.` : ''}${item.key}`,
            ),
            existing: result.existing.length,
            conflicts: result.conflicts.map((item) => `${item.kind}:${item.key}`),
          },
        });
      }
      deps.logger.info(
        {
          tenantId: id,
          dryRun,
          created: result.created.length,
          existing: result.existing.length,
          conflicts: result.conflicts.length,
        },
        'zendesk provisioning',
      );
      return { tenantId: id, ...result, planned: plan.length };
    },
  );
}

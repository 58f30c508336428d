import { isMlcError } from '@mlc/common/errors';
import { openIonApiCredentials, openZendeskCredentials } from '@mlc/common/tenant-repository';
import type { FastifyInstance } from 'fastify';
import type { AdminApiDeps } from '../admin-api-deps.ts';
import { bearerSecurity, tenantParams } from '../http/shared-schemas.ts';
import { accessibleTenant } from '../tenants/tenant-access.ts';
import { probeCloudSuite } from './cloudsuite-probe.ts';
import { failedProbe, type ProbeResult } from './probe-result.ts';
import { probeZendesk, zendeskBaseUrl } from './zendesk-probe.ts';

function unopened(error: unknown): ProbeResult {
  return failedProbe(isMlcError(error) ? `${error.code}: ${error.message}` : 'credentials could not be opened');
}

/**
 * POST /tenants/{id}/test: both sides in parallel, each with its own result. The answer is 200 whatever
 * the upstreams said (the test itself succeeded); `ok` says whether both sides work.
 */
export async function connectionTestRoutes(app: FastifyInstance, deps: AdminApiDeps): Promise<void> {
  app.post(
    '/tenants/:id/test',
    {
      schema: {
        tags: ['tenants'],
        security: bearerSecurity,
        summary: 'Test the CloudSuite and Zendesk credentials (one token and one cheap call each)',
        params: tenantParams,
      },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const tenant = await accessibleTenant(request, deps.db, id);
      const cloudsuite = (async () => {
        try {
          const file = openIonApiCredentials(deps.vault, tenant);
          return await probeCloudSuite(deps.http, file, tenant.product, tenant.erpConfig);
        } catch (error) {
          return unopened(error);
        }
      })();
      const zendesk = (async () => {
        if (tenant.zendeskSubdomain === null) return failedProbe('the tenant has no Zendesk subdomain');
        try {
          const credentials = openZendeskCredentials(deps.vault, tenant);
          return await probeZendesk(
            deps.http,
            zendeskBaseUrl(tenant.zendeskSubdomain, tenant.zendeskBaseUrl),
            credentials,
          );
        } catch (error) {
          return unopened(error);
        }
      })();
      const [ion, zd] = await Promise.all([cloudsuite, zendesk]);
      deps.logger.info({ tenantId: id, cloudsuite: ion.ok, zendesk: zd.ok }, 'connection test');
      return { tenantId: id, ok: ion.ok && zd.ok, cloudsuite: ion, zendesk: zd, testedAt: new Date().toISOString() };
    },
  );
}

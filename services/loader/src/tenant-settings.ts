import type { CredentialVault } from '@mlc/common/credential-vault';
import { getTenant, openZendeskCredentials } from '@mlc/common/tenant-repository';
import type pg from 'pg';
import type { ZendeskTenantSettings } from './tenant-zendesk-directory.ts';

/**
 * Reads a tenant's Zendesk settings from the tenants table and opens its credentials. Null when the tenant
 * is not registered or has no Zendesk; the credentials stay in memory only, inside the tenant's client.
 * The directory calls it again every LOADER_TENANT_REFRESH_MS, so changes apply without a restart.
 *
 * `status` is not read: pausing a tenant stops the extractor from reading CloudSuite, while the loader
 * still delivers what was already extracted, so Zendesk matches the last extraction (holding a paused
 * tenant's events back uncommitted would also hold back every tenant sharing its partition).
 */
export function tenantSettingsLoader(
  db: Pick<pg.Pool, 'query'>,
  vault: CredentialVault,
): (tenantId: string) => Promise<ZendeskTenantSettings | null> {
  return async (tenantId) => {
    const tenant = await getTenant(db, tenantId);
    if (tenant === undefined || (tenant.zendeskSubdomain === null && tenant.zendeskBaseUrl === null)) return null;
    return {
      tenantId,
      subdomain: tenant.zendeskSubdomain ?? tenantId,
      ...(tenant.zendeskBaseUrl === null ? {} : { baseUrl: tenant.zendeskBaseUrl }),
      requestsPerMinute: tenant.zendeskRpm,
      share: tenant.zendeskShare,
      credentials: openZendeskCredentials(vault, tenant),
      mapping: tenant.mapping,
    };
  };
}

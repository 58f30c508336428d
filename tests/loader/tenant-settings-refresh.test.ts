import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type CredentialVault, createCredentialVault, generateMasterKey } from '@mlc/common/credential-vault';
import { createDbPool } from '@mlc/common/db-pool';
import { migrate } from '@mlc/common/migrate';
import { createTenant, updateTenant } from '@mlc/common/tenant-repository';
import { tenantSettingsLoader } from '@mlc/loader/tenant-settings';
import { TenantZendeskDirectory } from '@mlc/loader/tenant-zendesk-directory';
import type { ZendeskClient } from '@mlc/loader/zendesk/zendesk-client';
import { buildZendeskSimulator, type ZendeskSimulator } from '@mlc/simulators/zendesk/zendesk-simulator';
import type pg from 'pg';
import { createIsolatedDatabaseSchema, type IsolatedDatabaseSchema } from '../support/isolated-database-schema.ts';
import { databaseUrl } from '../support/test-env.ts';

const FIRST = { identifier: 'mlc-loader', secret: 'first-secret-value' };
const SECOND = { identifier: 'mlc-loader-rotated', secret: 'second-secret-value' };
let simulator: ZendeskSimulator;
let schema: IsolatedDatabaseSchema;
let pool: pg.Pool;
let vault: CredentialVault;

before(async () => {
  simulator = buildZendeskSimulator({});
  await simulator.listen({ port: 0, host: '127.0.0.1' });
  schema = await createIsolatedDatabaseSchema('tenant_refresh');
  pool = createDbPool(databaseUrl(), { schema: schema.schema });
  await migrate(pool, { schema: schema.schema });
  vault = createCredentialVault({ masterKeys: generateMasterKey('test'), activeKeyId: 'test' });
});

after(async () => {
  await pool?.end();
  await schema?.drop();
  await simulator?.close();
});

async function registerTenant(tenantId: string): Promise<void> {
  simulator.addAccount({ subdomain: tenantId, plan: 'enterprise', oauthClients: [FIRST, SECOND] });
  await createTenant(pool, vault, {
    id: tenantId,
    name: tenantId,
    product: 'm3',
    zendeskSubdomain: tenantId,
    zendeskBaseUrl: simulator.baseUrl(tenantId),
    zendeskCredentials: { kind: 'oauth', clientId: FIRST.identifier, clientSecret: FIRST.secret },
    zendeskRpm: 600,
    zendeskShare: 1,
  });
}

function directory(refreshMs: number): TenantZendeskDirectory {
  return new TenantZendeskDirectory({
    loadTenant: tenantSettingsLoader(pool, vault),
    jobs: { intervalMs: 5, timeoutMs: 5000, maxQueued: 10 },
    refreshMs,
  });
}

const lookUp = (client: ZendeskClient) =>
  client.send({
    method: 'GET',
    path: '/api/v2/organizations/show_many',
    query: { external_ids: 'none' },
    endpoint: 'organizations/show_many',
    idempotent: true,
  });

const tokenGrants = (tenantId: string) =>
  simulator.requestLog.entries({ account: tenantId }).filter((entry) => entry.route.includes('oauth/tokens')).length;

test("a tenant's plan, share, mapping and pause apply after the refresh interval, on the same budget and token", async () => {
  await registerTenant('refresh');
  const tenants = directory(200);
  const first = await tenants.get('refresh');
  await lookUp(first.client);
  assert.equal(first.budget.limits().requestsPerMinute, 600);
  await updateTenant(pool, vault, 'refresh', {
    zendeskRpm: 400,
    zendeskShare: 0.25,
    status: 'paused',
    mapping: { supplierContacts: { enabled: false } },
  });
  assert.equal((await tenants.get('refresh')).budget.limits().requestsPerMinute, 600, 'read again before its time');
  await sleep(250);
  const second = await tenants.get('refresh');
  assert.equal(second.budget, first.budget, 'the budget is reconfigured, not replaced');
  assert.equal(second.budget.limits().requestsPerMinute, 100);
  assert.equal(second.mapping.supplierContacts.enabled, false);
  // Paused stops the extractor only: the loader keeps delivering what was extracted.
  assert.equal(second.client, first.client);
  await lookUp(second.client);
  assert.equal(tokenGrants('refresh'), 1, 'unchanged credentials keep the cached token');
});

test('credentials replaced while Zendesk refuses the old ones are read again at once, and the call succeeds', async () => {
  await registerTenant('rotated');
  const tenants = directory(60_000);
  const runtime = await tenants.get('rotated');
  await lookUp(runtime.client);
  await updateTenant(pool, vault, 'rotated', {
    zendeskCredentials: { kind: 'oauth', clientId: SECOND.identifier, clientSecret: SECOND.secret },
  });
  // The old OAuth client is removed in Zendesk and its tokens revoked, long before the refresh interval.
  simulator.account('rotated').oauthClients.splice(0, 1);
  simulator.revokeTokens('rotated');
  await lookUp(runtime.client);
  const grants = simulator.requestLog
    .entries({ account: 'rotated' })
    .filter((entry) => entry.route.includes('oauth/tokens'))
    .map((entry) => entry.status);
  assert.equal(grants.at(-1), 200);
});

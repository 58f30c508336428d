/**
 * Two tenants whose ERP data has the same natural keys (same dataset, same seed) sync at the same time
 * through the same services: each tenant's records land in its own Zendesk account only, complete, and
 * no account holds an object of the other tenant.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { adminApi } from '../../packages/cli/src/admin-api-operations.ts';
import { zendeskSim } from '../../scripts/start/simulator-control.ts';
import {
  type KillablePipeline,
  type PipelineTenant,
  startKillablePipeline,
} from '../reliability/support/killable-pipeline.ts';

const RECORDS = 300;
let pipeline: KillablePipeline;
let tenants: PipelineTenant[];

before(async () => {
  pipeline = await startKillablePipeline({ records: RECORDS });
  tenants = [await pipeline.registerTenant(), await pipeline.registerTenant()];
});

after(async () => {
  await pipeline?.stop();
});

async function externalIdsOf(tenant: PipelineTenant): Promise<string[]> {
  const state = await zendeskSim.state(pipeline.zendeskUrl, tenant.subdomain);
  return [
    ...state.users.map((user) => user.external_id),
    ...state.organizations.map((organization) => organization.external_id),
    ...Object.values(state.customObjectRecords).flatMap((records) => records.map((record) => record.external_id)),
  ].filter((id): id is string => typeof id === 'string');
}

test('tenants with the same natural keys each land only in their own Zendesk account', {
  timeout: 110_000,
}, async () => {
  assert.deepEqual(tenants[0]?.counts, tenants[1]?.counts, 'both datasets have the same records');
  const expected = Object.values(tenants[0]?.counts ?? {}).reduce((sum, count) => sum + count, 0);
  await Promise.all(tenants.map((tenant) => adminApi.requestRun(pipeline.api, tenant.tenantId)));
  const own = (ids: string[], tenant: PipelineTenant) =>
    ids.filter((id) => id.startsWith(`mlc:${tenant.tenantId}:`) && !id.includes(':contact:'));
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    const landed = await Promise.all(tenants.map(async (tenant) => own(await externalIdsOf(tenant), tenant).length));
    if (landed.every((count) => count >= expected)) break;
    await sleep(1000);
  }
  await sleep(2000);
  for (const [index, tenant] of tenants.entries()) {
    const other = tenants[1 - index] as PipelineTenant;
    const ids = await externalIdsOf(tenant);
    assert.equal(own(ids, tenant).length, expected, `${tenant.tenantId}: every record in its own account`);
    const foreign = ids.filter((id) => !id.startsWith(`mlc:${tenant.tenantId}:`));
    assert.deepEqual(foreign.slice(0, 5), [], `${tenant.tenantId}'s account holds objects of another tenant`);
    assert.equal(ids.filter((id) => id.startsWith(`mlc:${other.tenantId}:`)).length, 0);
    const state = await zendeskSim.state(pipeline.zendeskUrl, tenant.subdomain);
    assert.equal(state.duplicateCount, 0);
  }
  // The overlap is real: stripped of the tenant, both accounts hold the same record keys.
  const keys = await Promise.all(
    tenants.map(async (tenant) =>
      own(await externalIdsOf(tenant), tenant)
        .map((id) => id.slice(`mlc:${tenant.tenantId}:`.length))
        .sort(),
    ),
  );
  assert.deepEqual(keys[0], keys[1]);
});

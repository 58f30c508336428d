/**
 * Deletes end to end: records deleted in M3 (SES120MI/LstDeleted, enabled by the tenant's `deletes`) become
 * op=delete events with a null payload, and the loader applies the mapping's delete policy (default: mark
 * inactive), audited as a posting, without duplicating anything in Zendesk.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { contentHash } from '../../packages/common/src/content-hash.ts';
import { cloudSuiteSim, zendeskSim } from '../../scripts/start/simulator-control.ts';
import { type ConnectorPipeline, type E2eTenant, startConnectorPipeline } from './support/connector-pipeline.ts';

let pipeline: ConnectorPipeline;
let tenant: E2eTenant;

before(async () => {
  pipeline = await startConnectorPipeline({ records: 200 });
  tenant = await pipeline.registerTenant({ m3: { deletes: true } });
});

after(async () => {
  await pipeline?.stop();
});

test('suppliers and a PO deleted in CloudSuite are marked inactive in Zendesk after the next run, audited, 0 duplicates', {
  timeout: 120_000,
}, async () => {
  const first = await pipeline.sync(tenant);
  assert.equal(first.timedOut, false, 'the first sync settled');
  const suppliers = await cloudSuiteSim.mutate(pipeline.cloudSuiteUrl, tenant.ionTenant, 'supplier', { delete: 2 });
  const orders = await cloudSuiteSim.mutate(pipeline.cloudSuiteUrl, tenant.ionTenant, 'purchase-order', { delete: 1 });
  assert.equal(suppliers.deleted.length, 2);
  assert.equal(orders.deleted.length, 1);

  const second = await pipeline.sync(tenant);
  assert.equal(second.timedOut, false, 'the second sync settled');
  assert.equal(second.rows.find((row) => row.entity === 'supplier')?.published, 2, 'two supplier delete events');
  assert.equal(second.rows.find((row) => row.entity === 'purchase-order')?.published, 1, 'one PO delete event');

  const state = await zendeskSim.state(pipeline.zendeskUrl, tenant.subdomain);
  assert.equal(state.duplicateCount, 0);
  const externalId = (entity: string, key: string) => `mlc:${tenant.tenantId}:${entity}:${key}`;
  for (const key of suppliers.deleted) {
    const matches = state.organizations.filter((org) => org.external_id === externalId('supplier', key));
    assert.equal(matches.length, 1, `supplier ${key}: one organization`);
    assert.equal(matches[0]?.organization_fields.mlc_active, false, `supplier ${key}: inactive`);
  }
  const poRecords = state.customObjectRecords.mlc_purchase_order ?? [];
  const [po] = orders.deleted;
  const poMatches = poRecords.filter((record) => record.external_id === externalId('purchase-order', po ?? ''));
  assert.equal(poMatches.length, 1, `PO ${po}: one record`);
  assert.equal(poMatches[0]?.custom_object_fields.active, false, `PO ${po}: inactive`);
  const stillActive = state.organizations.filter(
    (org) =>
      org.external_id?.startsWith(`mlc:${tenant.tenantId}:supplier:`) && org.organization_fields.mlc_active !== false,
  );
  assert.equal(stillActive.length, tenant.counts.supplier! - 2, 'only the deleted suppliers became inactive');

  const db = new pg.Client({ connectionString: pipeline.schema.connectionString });
  await db.connect();
  try {
    const { rows } = await db.query<{ entity: string; natural_key: string; status: string }>(
      `SELECT entity, natural_key, status FROM posting_history
        WHERE tenant_id = $1 AND run_id = $2 AND content_hash = $3 ORDER BY entity, natural_key`,
      [tenant.tenantId, second.runId, contentHash(null)],
    );
    const audited = rows.filter((row) => row.status === 'applied').map((row) => `${row.entity}|${row.natural_key}`);
    assert.deepEqual(
      [...new Set(audited)].sort(),
      [...orders.deleted.map((k) => `purchase-order|${k}`), ...suppliers.deleted.map((k) => `supplier|${k}`)].sort(),
      'each delete is audited as an applied posting',
    );
  } finally {
    await db.end();
  }
});

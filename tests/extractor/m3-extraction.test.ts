import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createDbPool } from '@mlc/common/db-pool';
import { ENTITY_NAMES, type EntityName } from '@mlc/common/entities';
import { requestRun } from '@mlc/extractor/run-requests';
import { withTenantLock } from '@mlc/extractor/tenant-lock';
import { type ExtractorHarness, startExtractorHarness } from './extractor-harness.ts';

const TENANT = 'ACME_TST';
const TENANT_ID = 'acme-tst';
let harness: ExtractorHarness;

before(async () => {
  harness = await startExtractorHarness({ pageSize: 40, records: 400 });
  harness.simulator.addTenant({ tenantId: TENANT, records: 400 });
  await harness.addTenant({ tenantId: TENANT });
});

after(async () => {
  await harness?.close();
});

function run() {
  return harness.runTenant(TENANT_ID);
}

async function runEntityRows(runId: string) {
  const { rows } = await harness.service.db.query<{
    entity: EntityName;
    status: string;
    published: number;
    api_calls: number;
    unchanged: number;
    error: string | null;
  }>('SELECT entity, status, published, api_calls, unchanged, error FROM run_entities WHERE run_id = $1', [runId]);
  return new Map(rows.map((r) => [r.entity, r]));
}

test('a first run publishes every record of the tenant as Avro events, decodable back', async () => {
  const dataset = harness.simulator.tenant(TENANT).dataset;
  const summary = await run();
  assert.equal(summary.status, 'succeeded', JSON.stringify(summary.entities));
  for (const entity of ENTITY_NAMES) {
    const expected = dataset.count(entity);
    assert.ok(expected > 0);
    assert.equal(summary.entities[entity]?.published, expected, `${entity} published`);
    const events = await harness.readEvents(entity, expected);
    assert.equal(new Set(events.map((e) => e.naturalKey)).size, expected, `${entity} distinct keys on the topic`);
    for (const event of events) {
      assert.equal(event.tenantId, TENANT_ID);
      assert.equal(event.entity, entity);
      assert.equal(event.op, 'upsert');
      assert.equal(event.runId, summary.runId);
      assert.match(event.contentHash, /^[0-9a-f]{64}$/);
    }
  }
  const po = (await harness.readEvents('purchase-order', 1))[0]?.payload as
    | { lines: unknown[]; orderDate: string | null }
    | undefined;
  assert.ok(po && po.lines.length > 0, 'PO lines come from PPS200MI/LstLine');
  assert.match(po.orderDate ?? '', /^\d{4}-\d{2}-\d{2}$/);
  const { rows } = await harness.service.db.query<{ entity: string; value: string }>(
    'SELECT entity, value FROM watermarks WHERE tenant_id = $1',
    [TENANT_ID],
  );
  assert.equal(rows.length, ENTITY_NAMES.length, 'a watermark per entity after the acknowledged run');
});

test('a second run with no change publishes nothing and makes one ION call per entity', async () => {
  const since = harness.simulator.requestLog.lastSeq;
  const summary = await run();
  const rows = await runEntityRows(summary.runId);
  for (const entity of ENTITY_NAMES) {
    assert.equal(rows.get(entity)?.published, 0, `${entity} published`);
    assert.equal(rows.get(entity)?.api_calls, 1, `${entity} ION calls`);
  }
  const apiCalls = harness.simulator.requestLog
    .entries({ tenant: TENANT, sinceSeq: since })
    .filter((e) => e.program !== null);
  assert.equal(apiCalls.length, ENTITY_NAMES.length);
});

test('after 10 records change in the ERP the next run publishes exactly those 10', async () => {
  const { summary, changed, published } = await harness.changeEachEntityAndRun(TENANT, TENANT_ID, 2);
  let total = 0;
  for (const entity of ENTITY_NAMES) {
    total += summary.entities[entity]?.published ?? 0;
    assert.deepEqual(published.get(entity), changed.get(entity), `${entity} keys`);
  }
  assert.equal(total, 10);
});

test('an MI error fails that entity with the M3 message and the other entities complete', async () => {
  const tenant = 'BETA_TST';
  harness.simulator.addTenant({ tenantId: tenant, records: 100 });
  // Accounting dimension 9 does not exist: CRS630MI answers with an MI error inside an HTTP 200.
  await harness.addTenant({ tenantId: tenant, erpConfig: { m3Inputs: { 'gl-account': { AITP: '9' } } } });
  const result = await harness.service.scheduler.runTenantNow('beta-tst');
  assert.equal(result.status, 'ran');
  if (result.status !== 'ran') return;
  assert.equal(result.summary.status, 'partial');
  const rows = await runEntityRows(result.summary.runId);
  assert.equal(rows.get('gl-account')?.status, 'failed');
  assert.match(rows.get('gl-account')?.error ?? '', /CRS630MI\/LstAccountID: Accounting dimension 9 is invalid/);
  for (const entity of ENTITY_NAMES.filter((e) => e !== 'gl-account')) {
    assert.equal(rows.get(entity)?.status, 'succeeded', entity);
    assert.ok((rows.get(entity)?.published ?? 0) > 0, entity);
  }
  const { rows: watermarks } = await harness.service.db.query(
    'SELECT 1 FROM watermarks WHERE tenant_id = $1 AND entity = $2',
    ['beta-tst', 'gl-account'],
  );
  assert.equal(watermarks.length, 0, 'no watermark for the failed entity');
  const { rows: runs } = await harness.service.db.query<{ status: string; error: string }>(
    'SELECT status, error FROM runs WHERE id = $1',
    [result.summary.runId],
  );
  assert.equal(runs[0]?.status, 'partial');
  assert.match(runs[0]?.error ?? '', /Accounting dimension 9 is invalid/);
});

test('a tenant locked by another extractor replica is skipped, not run twice', async () => {
  const other = createDbPool(harness.schema.connectionString, { max: 1 });
  try {
    let inner: unknown;
    const held = await withTenantLock(other, TENANT_ID, async () => {
      inner = await harness.service.scheduler.runTenantNow(TENANT_ID);
    });
    assert.equal(held.locked, true);
    assert.deepEqual(inner, { status: 'skipped', reason: 'running-elsewhere' });
  } finally {
    await other.end();
  }
  const [first, second] = await Promise.all([
    harness.service.scheduler.runTenantNow(TENANT_ID),
    harness.service.scheduler.runTenantNow(TENANT_ID),
  ]);
  assert.equal(first.status, 'ran');
  assert.deepEqual(second, { status: 'skipped', reason: 'running-here' });
});

test('with deletes enabled, records deleted in M3 become op=delete events with a null payload, published once', async () => {
  const tenant = 'DEL_TST';
  const tenantId = 'del-tst';
  harness.simulator.addTenant({ tenantId: tenant, records: 100 });
  await harness.addTenant({ tenantId: tenant, erpConfig: { deletes: true } });
  const runOnce = async () => {
    const result = await harness.service.scheduler.runTenantNow(tenantId);
    if (result.status !== 'ran') throw new Error(JSON.stringify(result));
    return result.summary;
  };
  assert.equal((await runOnce()).status, 'succeeded');
  const dataset = harness.simulator.tenant(tenant).dataset;
  const deleted = new Map<EntityName, string[]>([
    ['supplier', dataset.mutate('supplier', { delete: 2 }).deleted],
    ['purchase-order', dataset.mutate('purchase-order', { delete: 1 }).deleted],
  ]);
  const summary = await runOnce();
  assert.equal(summary.status, 'succeeded', JSON.stringify(summary.entities));
  for (const entity of ENTITY_NAMES) {
    assert.equal(summary.entities[entity]?.published, deleted.get(entity)?.length ?? 0, `${entity} published`);
  }
  for (const [entity, keys] of deleted) {
    const deletes = (await harness.readEvents(entity, keys.length)).filter(
      (e) => e.tenantId === tenantId && e.op === 'delete',
    );
    assert.deepEqual(deletes.map((e) => e.naturalKey).sort(), [...keys].sort(), `${entity} deletes`);
    for (const event of deletes) {
      assert.equal(event.payload, null);
      assert.equal(event.runId, summary.runId);
    }
  }
  const since = harness.simulator.requestLog.lastSeq;
  const again = await runOnce();
  for (const entity of ENTITY_NAMES) assert.equal(again.entities[entity]?.published, 0, `${entity} republished`);
  const audits = harness.simulator.requestLog
    .entries({ tenant, sinceSeq: since })
    .filter((e) => e.program === 'SES120MI');
  assert.equal(audits.length, 4, 'one deletion-audit call per entity with a deletion source (not invoices)');
  const acme = harness.simulator.requestLog.entries({ tenant: TENANT }).filter((e) => e.program === 'SES120MI');
  assert.equal(acme.length, 0, 'a tenant without the flag never reads the deletion audit');
});

test('a claimed run request carries its run id from the start of the run, and a paused tenant’s request says why it did not run', async () => {
  const db = harness.service.db;
  // A first run of 400 records takes seconds: long enough to see the request linked while it runs.
  harness.simulator.addTenant({ tenantId: 'REQ_TST', records: 400 });
  await harness.addTenant({ tenantId: 'REQ_TST' });
  const { requestId } = await requestRun(db, { tenantId: 'req-tst' });
  await harness.service.scheduler.pollRunRequests();
  let seen: { run_id: string | null; status: string | null } | undefined;
  for (let i = 0; i < 100 && seen?.run_id == null; i += 1) {
    const { rows } = await db.query<{ run_id: string | null; status: string | null }>(
      'SELECT q.run_id, r.status FROM run_requests q LEFT JOIN runs r ON r.id = q.run_id WHERE q.id = $1',
      [requestId],
    );
    seen = rows[0];
    if (seen?.run_id == null) await sleep(20);
  }
  assert.ok(seen?.run_id, 'run id recorded on the request');
  assert.notEqual(seen?.status, 'succeeded', 'linked while the run is going, not after it ended');
  for (let i = 0; i < 500; i += 1) {
    const { rows } = await db.query('SELECT 1 FROM runs WHERE id = $1 AND finished_at IS NOT NULL', [seen?.run_id]);
    if (rows.length > 0) break;
    await sleep(50);
  }

  const tenant = 'PAUSED_TST';
  harness.simulator.addTenant({ tenantId: tenant, records: 50 });
  await harness.addTenant({ tenantId: tenant });
  await db.query("UPDATE tenants SET status = 'paused' WHERE id = 'paused-tst'");
  const paused = await requestRun(db, { tenantId: 'paused-tst' });
  await harness.service.scheduler.pollRunRequests();
  let reason: string | null = null;
  for (let i = 0; i < 100 && reason === null; i += 1) {
    const { rows } = await db.query<{ skipped_reason: string | null; run_id: string | null }>(
      'SELECT skipped_reason, run_id FROM run_requests WHERE id = $1',
      [paused.requestId],
    );
    reason = rows[0]?.skipped_reason ?? null;
    assert.equal(rows[0]?.run_id, null);
    if (reason === null) await sleep(20);
  }
  assert.equal(reason, 'paused');
});

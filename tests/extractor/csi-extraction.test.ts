import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ENTITY_NAMES, type PurchaseOrderPayload } from '@mlc/common/entities';
import { type ExtractorHarness, startExtractorHarness } from './extractor-harness.ts';

const TENANT = 'CSICO_TST';
const TENANT_ID = 'csico-tst';
let harness: ExtractorHarness;

before(async () => {
  harness = await startExtractorHarness({ pageSize: 40, records: 400 });
  harness.simulator.addTenant({ tenantId: TENANT, records: 400, product: 'csi' });
  await harness.addTenant({
    tenantId: TENANT,
    product: 'csi',
    erpConfig: { mongooseConfig: harness.simulator.tenant(TENANT).mongooseConfig },
  });
});

after(async () => {
  await harness?.close();
});

function run() {
  return harness.runTenant(TENANT_ID);
}

test('a first CSI run publishes every record of the tenant through IDO loads, decodable back', async () => {
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
      assert.equal(event.op, 'upsert');
      assert.equal(event.runId, summary.runId);
    }
  }
  const orders = (await harness.readEvents('purchase-order', 1)).map((e) => e.payload as PurchaseOrderPayload);
  for (const order of orders.slice(0, 20)) {
    const record = dataset.find('purchase-order', order.poNumber);
    assert.deepEqual(
      order.lines.map((l) => l.lineNumber),
      record?.lines.map((l) => l.lineNumber),
      `SLPoitems lines of PO ${order.poNumber}`,
    );
    assert.match(order.orderDate ?? '', /^\d{4}-\d{2}-\d{2}$/);
  }
  const loads = harness.simulator.requestLog.entries({ tenant: TENANT }).filter((e) => e.program !== null);
  assert.ok(loads.length > ENTITY_NAMES.length, 'bookmark paging made more than one load per entity');
  const { rows } = await harness.service.db.query<{ value: string }>(
    'SELECT value FROM watermarks WHERE tenant_id = $1',
    [TENANT_ID],
  );
  assert.equal(rows.length, ENTITY_NAMES.length);
  for (const row of rows) assert.match(row.value, /^\d{8} \d{2}:\d{2}:\d{2}\.\d{3}$/, 'RecordDate watermark');
});

test('a second CSI run with no change publishes nothing and makes one IDO load per entity', async () => {
  const since = harness.simulator.requestLog.lastSeq;
  const summary = await run();
  for (const entity of ENTITY_NAMES) {
    assert.equal(summary.entities[entity]?.published, 0, `${entity} published`);
    assert.equal(summary.entities[entity]?.apiCalls, 1, `${entity} ION calls`);
  }
  const loads = harness.simulator.requestLog
    .entries({ tenant: TENANT, sinceSeq: since })
    .filter((e) => e.program !== null);
  assert.equal(loads.length, ENTITY_NAMES.length);
});

test('after 10 CSI records change the next run publishes exactly those 10', async () => {
  const { summary, changed, published } = await harness.changeEachEntityAndRun(TENANT, TENANT_ID, 2);
  let total = 0;
  for (const entity of ENTITY_NAMES) {
    total += summary.entities[entity]?.published ?? 0;
    assert.deepEqual(published.get(entity), changed.get(entity), `${entity} keys`);
  }
  assert.equal(total, 10);
});

test('a CSI tenant whose Mongoose configuration the server does not know fails each entity with the IDO message', async () => {
  const tenant = 'CSIBAD_TST';
  harness.simulator.addTenant({ tenantId: tenant, records: 50, product: 'csi' });
  await harness.addTenant({ tenantId: tenant, product: 'csi', erpConfig: { mongooseConfig: 'NOPE_DALS' } });
  const result = await harness.service.scheduler.runTenantNow('csibad-tst');
  assert.equal(result.status, 'ran');
  if (result.status !== 'ran') return;
  assert.equal(result.summary.status, 'failed');
  assert.match(
    result.summary.entities.supplier?.error ?? '',
    /HTTP 400: Configuration NOPE_DALS is not available on this application server/,
  );
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startZendesk } from './zendesk-harness.ts';

async function invoiceObject(zendesk: Awaited<ReturnType<typeof startZendesk>>) {
  await zendesk.call('POST', '/api/v2/organizations/create_or_update', {
    organization: { name: 'Acme', external_id: 'SUP-1' },
  });
  assert.equal(
    (
      await zendesk.call('POST', '/api/v2/custom_objects', {
        custom_object: { key: 'invoice', title: 'Invoice', title_pluralized: 'Invoices' },
      })
    ).status,
    201,
  );
  for (const field of [
    { key: 'amount', type: 'decimal', title: 'Amount' },
    { key: 'due_date', type: 'date', title: 'Due date' },
    { key: 'supplier', type: 'lookup', title: 'Supplier', relationship_target_type: 'zen:organization' },
  ]) {
    assert.equal(
      (await zendesk.call('POST', '/api/v2/custom_objects/invoice/fields', { custom_object_field: field })).status,
      201,
    );
  }
}

test('record upsert by external_id resolves lookups and rejects bad values, unknown targets and 32 KB records', async (t) => {
  const zendesk = await startZendesk();
  t.after(() => zendesk.close());
  await invoiceObject(zendesk);
  const upsert = (externalId: string, record: unknown) =>
    zendesk.call('PATCH', `/api/v2/custom_objects/invoice/records?external_id=${externalId}`, {
      custom_object_record: record,
    });
  const created = await upsert('INV-1', {
    name: 'INV-1',
    custom_object_fields: { amount: '10.5', due_date: '2025-02-28', supplier: 'external_id:sup-1' },
  });
  assert.equal(created.status, 200);
  const record = created.body.custom_object_record as { id: string; custom_object_fields: Record<string, unknown> };
  assert.equal(record.custom_object_fields.supplier, zendesk.simulator.inspect('acme')!.organizations[0]?.id);
  const again = await upsert('inv-1', { custom_object_fields: { amount: 11 } });
  assert.equal((again.body.custom_object_record as { id: string }).id, record.id);
  for (const bad of [
    { custom_object_fields: { amount: 'ten' } },
    { custom_object_fields: { due_date: '2025-02-30' } },
    { custom_object_fields: { supplier: 'external_id:NOPE' } },
    { custom_object_fields: { unknown_key: 1 } },
  ]) {
    const rejected = await upsert('INV-2', { name: 'INV-2', ...bad });
    assert.equal(rejected.status, 422, JSON.stringify(bad));
    assert.ok(Array.isArray(rejected.body.errors));
  }
  const huge = await upsert('INV-3', {
    name: 'INV-3',
    custom_object_fields: { amount: 1 },
    padding: 'x'.repeat(33 * 1024),
  });
  assert.ok(huge.status === 413 || huge.status === 422);
  const missingName = await zendesk.call('POST', '/api/v2/custom_objects/invoice/records', {
    custom_object_record: { external_id: 'INV-4' },
  });
  assert.equal(missingName.status, 422);
  const filtered = await zendesk.call('GET', '/api/v2/custom_objects/invoice/records?filter[external_ids]=INV-1');
  assert.equal((filtered.body.custom_object_records as unknown[]).length, 1);
  assert.equal((await zendesk.call('GET', `/api/v2/custom_objects/invoice/records/${record.id}`)).status, 200);
  assert.equal((await zendesk.call('GET', '/api/v2/custom_objects/invoice/records/nope')).status, 404);
});

test('record jobs create_or_update_by_external_id report per-item results; 101 items are rejected', async (t) => {
  const zendesk = await startZendesk();
  t.after(() => zendesk.close());
  await invoiceObject(zendesk);
  const job = await zendesk.call('POST', '/api/v2/custom_objects/invoice/jobs', {
    job: {
      action: 'create_or_update_by_external_id',
      items: [
        { name: 'INV-1', external_id: 'INV-1', custom_object_fields: { amount: 1 } },
        { name: 'INV-1 again', external_id: 'inv-1', custom_object_fields: { amount: 2 } },
        { name: 'INV-2', external_id: 'INV-2', custom_object_fields: { amount: 'x' } },
      ],
    },
  });
  assert.equal(job.status, 201);
  const done = await zendesk.waitForJob((job.body.job_status as { id: string }).id);
  assert.deepEqual(
    (done.results as { action: string; success: boolean }[]).map((result) => [result.action, result.success]),
    [
      ['create', true],
      ['update', true],
      ['create', false],
    ],
  );
  assert.equal(zendesk.simulator.inspect('acme')!.duplicateCount, 0);
  const tooMany = await zendesk.call('POST', '/api/v2/custom_objects/invoice/jobs', {
    job: { action: 'create', items: Array.from({ length: 101 }, (_, index) => ({ name: `N${index}` })) },
  });
  assert.equal(tooMany.status, 422);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startZendesk } from './zendesk-harness.ts';

test('create_or_update_many users goes queued → completed with per-item results, matching external_id case-insensitively', async (t) => {
  const zendesk = await startZendesk({ jobQueuedMs: 30, jobWorkingMs: 30 });
  t.after(() => zendesk.close());
  await zendesk.call('POST', '/api/v2/user_fields', {
    user_field: { key: 'customer_no', type: 'integer', title: 'Customer no' },
  });
  const first = await zendesk.call('POST', '/api/v2/users/create_or_update_many', {
    users: [
      { name: 'Ann', external_id: 'CUST-1', user_fields: { customer_no: 7 } },
      { external_id: 'CUST-2' },
      { name: 'Bo', user_fields: { customer_no: 'x' } },
    ],
  });
  const queued = first.body.job_status as { id: string; status: string };
  assert.equal(queued.status, 'queued');
  const done = await zendesk.waitForJob(queued.id);
  const results = done.results as { success: boolean; action: string; error?: string; index: number }[];
  assert.deepEqual(
    results.map((result) => [result.index, result.success]),
    [
      [0, true],
      [1, false],
      [2, false],
    ],
  );
  const again = await zendesk.call('POST', '/api/v2/users/create_or_update_many', {
    users: [{ name: 'Ann B', external_id: 'cust-1' }],
  });
  const second = await zendesk.waitForJob((again.body.job_status as { id: string }).id);
  assert.equal((second.results as { action: string }[])[0]?.action, 'update');
  const state = zendesk.simulator.inspect('acme')!;
  assert.equal(state.duplicateCount, 0);
  assert.equal(state.writeCounts['POST /api/v2/users/create_or_update_many'], 2);
});

test('101 items are rejected with 422 on every bulk endpoint', async (t) => {
  const zendesk = await startZendesk();
  t.after(() => zendesk.close());
  const many = Array.from({ length: 101 }, (_, index) => ({ name: `N${index}`, external_id: `E${index}` }));
  for (const [method, path, body] of [
    ['POST', '/api/v2/users/create_or_update_many', { users: many }],
    ['POST', '/api/v2/organizations/create_many', { organizations: many }],
    ['PUT', '/api/v2/organizations/update_many', { organizations: many }],
    ['PUT', '/api/v2/tickets/update_many', { tickets: many.map((_, id) => ({ id })) }],
  ] as const) {
    const response = await zendesk.call(method, path, body);
    assert.equal(response.status, 422, path);
  }
  assert.equal(zendesk.simulator.inspect('acme')!.organizations.length, 0);
});

test('bulk user import switched off answers 403 Forbidden; single create_or_update still works', async (t) => {
  const zendesk = await startZendesk({ bulkUserImportEnabled: false });
  t.after(() => zendesk.close());
  const bulk = await zendesk.call('POST', '/api/v2/users/create_or_update_many', {
    users: [{ name: 'A', external_id: 'A' }],
  });
  assert.equal(bulk.status, 403);
  assert.equal(bulk.body.error, 'Forbidden');
  const single = await zendesk.call('POST', '/api/v2/users/create_or_update', {
    user: { name: 'A', external_id: 'A' },
  });
  assert.equal(single.status, 201);
  const update = await zendesk.call('POST', '/api/v2/users/create_or_update', {
    user: { name: 'A2', external_id: 'a' },
  });
  assert.equal(update.status, 200);
  const found = await zendesk.call('GET', '/api/v2/users/search.json?external_id=A');
  assert.equal(found.body.count, 1);
});

test('organizations: create_many fails per item on a taken external id, create_or_update matches external_id only', async (t) => {
  const zendesk = await startZendesk();
  t.after(() => zendesk.close());
  await zendesk.call('POST', '/api/v2/organization_fields', {
    organization_field: {
      key: 'terms',
      type: 'dropdown',
      title: 'Terms',
      custom_field_options: [{ name: '30 days', value: 'net30' }],
    },
  });
  const created = await zendesk.call('POST', '/api/v2/organizations/create_many', {
    organizations: [
      { name: 'Acme', external_id: 'SUP-1', organization_fields: { terms: 'net30' } },
      { name: 'Beta', external_id: 'sup-1' },
      { name: 'Gamma', organization_fields: { terms: 'net99' } },
    ],
  });
  const job = await zendesk.waitForJob((created.body.job_status as { id: string }).id);
  assert.deepEqual(
    (job.results as { success: boolean }[]).map((result) => result.success),
    [true, false, false],
  );
  const missingName = await zendesk.call('POST', '/api/v2/organizations/create_or_update', {
    organization: { external_id: 'SUP-9' },
  });
  assert.equal(missingName.status, 422);
  assert.equal(missingName.body.error, 'RecordInvalid');
  assert.ok((missingName.body.details as Record<string, unknown>).name);
  const byName = await zendesk.call('POST', '/api/v2/organizations/create_or_update', {
    organization: { name: 'Acme', external_id: 'OTHER' },
  });
  assert.equal(byName.status, 422, 'name is not a matching criterion, so the duplicate name is rejected');
  const updated = await zendesk.call('POST', '/api/v2/organizations/create_or_update', {
    organization: { name: 'Acme Ltd', external_id: 'Sup-1' },
  });
  assert.equal(updated.status, 200);
  const many = await zendesk.call('GET', '/api/v2/organizations/show_many?external_ids=SUP-1,nope');
  assert.equal(many.body.count, 1);
  assert.deepEqual((await zendesk.call('GET', '/api/v2/organizations/999')).body, {
    error: 'RecordNotFound',
    description: 'Not found',
  });
});

test('a job status can be polled by id and unknown ids get 404', async (t) => {
  const zendesk = await startZendesk();
  t.after(() => zendesk.close());
  assert.equal((await zendesk.call('GET', '/api/v2/job_statuses/doesnotexist')).status, 404);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getTenant } from '@mlc/common/tenant-repository';
import { sampleTenantBody, startAdminApi } from './admin-api-harness.ts';

const m3 = (extra: Record<string, unknown>) => ({ m3: { company: '100', division: 'AAA', ...extra } });

test('the M3 extraction settings the extractor reads are accepted, stored in erpConfig and shown', async (t) => {
  const api = await startAdminApi(t);
  const settings = {
    deletes: true,
    m3LineSource: 'mi',
    m3Inputs: { 'gl-account': { DIVI: 'AM1' }, supplier: { STAT: '20' } },
  };
  const created = await api.call('POST', '/tenants', { body: sampleTenantBody('m3-settings', m3(settings)) });
  assert.equal(created.status, 201, created.text);
  assert.deepEqual(created.body.m3, { company: '100', division: 'AAA', ...settings });

  const stored = await getTenant(api.db, 'm3-settings');
  assert.equal(stored?.erpConfig.m3LineSource, 'mi');
  assert.equal(stored?.erpConfig.deletes, true);
  assert.deepEqual(stored?.erpConfig.m3Inputs, settings.m3Inputs);

  const patched = await api.call('PATCH', '/tenants/m3-settings', {
    body: m3({ m3LineSource: 'exportmi', deletes: false }),
  });
  assert.equal(patched.status, 200, patched.text);
  assert.equal(patched.body.m3.m3LineSource, 'exportmi');
  assert.equal(patched.body.m3.deletes, false);
});

test('bad M3 extraction settings are 400s naming the field', async (t) => {
  const api = await startAdminApi(t);
  const cases: [string, Record<string, unknown>, string][] = [
    ['unknown line source', { m3LineSource: 'ido' }, 'm3.m3LineSource'],
    ['deletes not a boolean', { deletes: 'yes' }, 'm3.deletes'],
    ['inputs for an EXPORTMI entity', { m3Inputs: { invoice: { DIVI: 'AM1' } } }, 'm3.m3Inputs.invoice'],
    ['inputs not an object', { m3Inputs: { supplier: 'DIVI=AM1' } }, 'm3.m3Inputs.supplier'],
    ['lower-case field name', { m3Inputs: { supplier: { divi: 'AM1' } } }, 'm3.m3Inputs.supplier.divi'],
    ['value not a string', { m3Inputs: { customer: { DIVI: 1 } } }, 'm3.m3Inputs.customer.DIVI'],
    ['value too long', { m3Inputs: { customer: { DIVI: 'x'.repeat(101) } } }, 'm3.m3Inputs.customer.DIVI'],
    ['overriding the delta input', { m3Inputs: { supplier: { LMTS: '0' } } }, 'm3.m3Inputs.supplier.LMTS'],
    ['overriding the start key', { m3Inputs: { customer: { CUNO: 'C9' } } }, 'm3.m3Inputs.customer.CUNO'],
  ];
  for (const [name, extra, field] of cases) {
    const response = await api.call('POST', '/tenants', { body: sampleTenantBody('bad-m3', m3(extra)) });
    assert.equal(response.status, 400, `${name}: ${response.text}`);
    assert.equal(response.body.error.code, 'MLC_VALIDATION', name);
    assert.equal(response.body.error.field, field, name);
  }
  assert.equal((await api.call('GET', '/tenants/bad-m3')).status, 404, 'no bad tenant was stored');
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildCloudSuiteSimulator } from '@mlc/simulators/cloudsuite/cloudsuite-simulator';
import { buildZendeskSimulator } from '@mlc/simulators/zendesk/zendesk-simulator';
import { sampleTenantBody, startAdminApi } from './admin-api-harness.ts';

const ZENDESK_CLIENT = { identifier: 'mlc-loader', secret: 'zendesk-client-secret-0123456789' };

async function simulators(t: { after: (fn: () => Promise<void>) => void }) {
  const cloudsuite = buildCloudSuiteSimulator({ records: 10 });
  cloudsuite.addTenant({ tenantId: 'ACME_TST', product: 'm3', records: 10 });
  cloudsuite.addTenant({ tenantId: 'BETA_TST', product: 'csi', records: 10, mongooseConfig: 'BETA_DALS' });
  await cloudsuite.app.listen({ port: 0, host: '127.0.0.1' });
  const zendesk = buildZendeskSimulator({ accounts: [{ subdomain: 'acme', oauthClients: [ZENDESK_CLIENT] }] });
  await zendesk.listen();
  t.after(async () => {
    await cloudsuite.close();
    await zendesk.close();
  });
  return { cloudsuite, zendesk };
}

test('test connection against the CloudSuite and Zendesk simulators succeeds for M3 and CSI tenants', async (t) => {
  const { cloudsuite, zendesk } = await simulators(t);
  const api = await startAdminApi(t);
  const zendeskSettings = {
    subdomain: 'acme',
    baseUrl: zendesk.baseUrl('acme'),
    oauth: { clientId: ZENDESK_CLIENT.identifier, clientSecret: ZENDESK_CLIENT.secret },
  };
  const m3 = await api.call('POST', '/tenants', {
    body: sampleTenantBody('acme', { ionapi: cloudsuite.ionapiFileFor('ACME_TST'), zendesk: zendeskSettings }),
  });
  assert.equal(m3.status, 201, m3.text);
  const result = await api.call('POST', '/tenants/acme/test');
  assert.equal(result.status, 200);
  assert.equal(result.body.ok, true, result.text);
  assert.equal(result.body.cloudsuite.ok, true);
  assert.deepEqual(
    result.body.cloudsuite.steps.map((step: { step: string; status: number }) => [step.step, step.status]),
    [
      ['token', 200],
      ['call', 200],
    ],
  );
  assert.ok(result.body.cloudsuite.latencyMs >= 0);
  assert.equal(result.body.cloudsuite.facts.ionTenant, 'ACME_TST');
  assert.equal(result.body.zendesk.ok, true);
  assert.equal(typeof result.body.zendesk.facts.userId, 'number');
  assert.ok(
    cloudsuite.requestLog.entries().some((entry: { path: string }) => entry.path.includes('MRS001MI/LstTransactions')),
  );

  const csi = await api.call('POST', '/tenants', {
    body: sampleTenantBody('beta', {
      product: 'csi',
      m3: undefined,
      csi: { mongooseConfig: 'BETA_DALS' },
      ionapi: cloudsuite.ionapiFileFor('BETA_TST'),
      zendesk: zendeskSettings,
    }),
  });
  assert.equal(csi.status, 201, csi.text);
  const csiResult = await api.call('POST', '/tenants/beta/test');
  assert.equal(csiResult.body.cloudsuite.ok, true, csiResult.text);
});

test('test connection with wrong credentials reports each side’s upstream error, redacted', async (t) => {
  const { cloudsuite, zendesk } = await simulators(t);
  const api = await startAdminApi(t);
  const ionapi = { ...cloudsuite.ionapiFileFor('ACME_TST'), sask: 'wrong-service-account-secret-42' };
  const created = await api.call('POST', '/tenants', {
    body: sampleTenantBody('wrong', {
      ionapi,
      zendesk: {
        subdomain: 'acme',
        baseUrl: zendesk.baseUrl('acme'),
        oauth: { clientId: ZENDESK_CLIENT.identifier, clientSecret: 'not-the-secret-987654' },
      },
    }),
  });
  assert.equal(created.status, 201);
  const result = await api.call('POST', '/tenants/wrong/test');
  assert.equal(result.status, 200);
  assert.equal(result.body.ok, false);
  assert.equal(result.body.cloudsuite.ok, false);
  assert.equal(result.body.cloudsuite.steps[0].status, 400);
  assert.match(result.body.cloudsuite.error, /token step failed: token endpoint answered 400: .*invalid_grant/);
  assert.equal(result.body.zendesk.ok, false);
  assert.equal(result.body.zendesk.steps[0].status, 401);
  assert.match(result.body.zendesk.error, /invalid_client/);
  for (const secret of [ionapi.sask, ionapi.cs, ionapi.saak, 'not-the-secret-987654'])
    assert.ok(!result.text.includes(secret));

  // An unreachable host is a failed step, not a 5xx of the admin API.
  const patched = await api.call('PATCH', '/tenants/wrong', { body: { zendesk: { baseUrl: 'http://127.0.0.1:9' } } });
  assert.equal(patched.status, 200);
  const unreachable = await api.call('POST', '/tenants/wrong/test');
  assert.equal(unreachable.status, 200);
  assert.equal(unreachable.body.zendesk.steps[0].status, null);
  assert.match(unreachable.body.zendesk.error, /ECONNREFUSED/);
});

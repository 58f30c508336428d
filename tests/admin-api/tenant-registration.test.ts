import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type AdminApiHarness,
  multipart,
  sampleIonApi,
  sampleTenantBody,
  secretsOf,
  startAdminApi,
} from './admin-api-harness.ts';

function assertNoSecret(text: string, secrets: readonly string[]): void {
  for (const secret of secrets)
    assert.ok(!text.includes(secret), `a response contains a secret (${secret.slice(0, 4)}…)`);
  assert.doesNotMatch(text, /"(cs|sask|saak|clientSecret|token|apiToken)"\s*:/);
}

async function dumpTenants(api: AdminApiHarness): Promise<string> {
  const { rows } = await api.db.query('SELECT * FROM tenants');
  return JSON.stringify(rows, (_key, value) =>
    value?.type === 'Buffer' ? Buffer.from(value.data).toString('utf8') : value,
  );
}

test('a tenant registered with its .ionapi as JSON is stored as ciphertext and never echoes a secret', async (t) => {
  const api = await startAdminApi(t);
  const body = sampleTenantBody('acme');
  const secrets = secretsOf(body);
  const created = await api.call('POST', '/tenants', { body });
  assert.equal(created.status, 201);
  assert.equal(created.body.ionapi.tenant, 'ACME_PRD');
  assert.equal(created.body.ionapi.clientId, (body.ionapi as { ci: string }).ci);
  assert.equal(created.body.ionapi.hasServiceAccount, true);
  assert.equal(created.body.ionapi.keyId, 'k1');
  assert.match(created.body.ionapi.keyFingerprint, /^[0-9a-f]{16}$/);
  assert.equal(created.body.zendesk.credentials.authKind, 'oauth');
  assert.equal(created.body.zendesk.credentials.clientId, 'mlc-loader');
  assert.deepEqual(created.body.rateLimits, {
    ionRpm: 300,
    zendeskPlanRpm: 400,
    zendeskShare: 0.5,
    zendeskConnectorRpm: 200,
  });
  assertNoSecret(created.text, secrets);
  assertNoSecret((await api.call('GET', '/tenants/acme')).text, secrets);
  assertNoSecret((await api.call('GET', '/tenants')).text, secrets);
  const dump = await dumpTenants(api);
  for (const secret of secrets) assert.ok(!dump.includes(secret), 'the tenants table holds no plaintext secret');
  assert.match(dump, /wrappedKey/);
  assert.equal((await api.call('POST', '/tenants', { body })).status, 409);
});

test('a tenant registered by multipart upload of the .ionapi file as it is', async (t) => {
  const api = await startAdminApi(t);
  const { ionapi, ...settings } = sampleTenantBody('upload');
  // As downloaded on Windows: BOM, CRLF, indentation.
  const fileText = `\uFEFF${JSON.stringify(ionapi, null, 2).replace(/\n/g, '\r\n')}\r\n`;
  const { payload, headers } = await multipart({ tenant: JSON.stringify(settings), ionapi: new Blob([fileText]) });
  const created = await api.call('POST', '/tenants', { payload, headers });
  assert.equal(created.status, 201, created.text);
  assert.equal(created.body.ionapi.tenant, 'ACME_PRD');
  assertNoSecret(created.text, secretsOf({ ionapi, zendesk: settings.zendesk }));

  const broken = await multipart({
    tenant: JSON.stringify({ ...settings, id: 'upload-2' }),
    ionapi: new Blob(['{"ti":"X"}']),
  });
  const refused = await api.call('POST', '/tenants', broken);
  assert.equal(refused.status, 400);
  assert.equal(refused.body.error.field, 'ionapi.ci');
  const missingFile = await multipart({ tenant: JSON.stringify({ ...settings, id: 'upload-3' }) });
  assert.equal((await api.call('POST', '/tenants', missingFile)).body.error.field, 'ionapi');
  const notJson = await multipart({ tenant: '{not json', ionapi: new Blob([fileText]) });
  assert.equal((await api.call('POST', '/tenants', notJson)).body.error.field, 'tenant');
  const tooLarge = await multipart({
    tenant: JSON.stringify({ ...settings, id: 'upload-4' }),
    ionapi: new Blob(['x'.repeat(70 * 1024)]),
  });
  assert.equal((await api.call('POST', '/tenants', tooLarge)).status, 413);
});

test('each malformed .ionapi gets a 400 naming the key, without echoing its value', async (t) => {
  const api = await startAdminApi(t);
  const { ci: _ci, ...withoutCi } = sampleIonApi();
  const { sask: _sask, ...withoutSask } = sampleIonApi();
  const cases: [string, unknown, string, string][] = [
    ['missing ci', withoutCi, 'ionapi.ci', 'MLC_IONAPI_MISSING_KEY'],
    ['missing sask', withoutSask, 'ionapi.sask', 'MLC_IONAPI_MISSING_KEY'],
    ['pu not a URL', sampleIonApi({ pu: 'mingle-sso/ACME/as/' }), 'ionapi.pu', 'MLC_IONAPI_INVALID_VALUE'],
    ['iu ftp', sampleIonApi({ iu: 'ftp://host/' }), 'ionapi.iu', 'MLC_IONAPI_INVALID_VALUE'],
    ['saak a number', sampleIonApi({ saak: 12345 }), 'ionapi.saak', 'MLC_IONAPI_INVALID_VALUE'],
    ['cs empty', sampleIonApi({ cs: '   ' }), 'ionapi.cs', 'MLC_IONAPI_INVALID_VALUE'],
    ['ti with a slash', sampleIonApi({ ti: 'ACME/PRD' }), 'ionapi.ti', 'MLC_IONAPI_INVALID_VALUE'],
    ['sc not strings', sampleIonApi({ sc: [1, 2] }), 'ionapi.sc', 'MLC_IONAPI_INVALID_VALUE'],
    ['text not JSON', '{"ti": "ACME", cs: secret-value-123}', 'ionapi', 'MLC_IONAPI_NOT_JSON'],
    ['XML text', '<ionapi><ti>ACME</ti></ionapi>', 'ionapi', 'MLC_IONAPI_NOT_JSON'],
    ['a JSON array as text', '[1,2]', 'ionapi', 'MLC_IONAPI_NOT_JSON'],
    ['a number', 42, 'ionapi', 'MLC_VALIDATION'],
  ];
  for (const [name, ionapi, field, code] of cases) {
    const response = await api.call('POST', '/tenants', { body: sampleTenantBody('bad', { ionapi }) });
    assert.equal(response.status, 400, name);
    assert.equal(response.body.error.field, field, name);
    assert.equal(response.body.error.code, code, name);
    assert.doesNotMatch(response.text, /secret-value-123|stack/, name);
  }
  assert.equal((await api.call('GET', '/tenants')).body.tenants.length, 0);
});

test('real-world .ionapi variants are accepted', async (t) => {
  const api = await startAdminApi(t);
  const variants: [string, unknown][] = [
    ['BOM and whitespace as text', `\uFEFF  \n${JSON.stringify(sampleIonApi())}\n\n`],
    ['pu without trailing slash', sampleIonApi({ pu: 'https://mingle-sso.inforcloudsuite.com/ACME_PRD/as' })],
    ['pu without :443', sampleIonApi({ pu: 'https://mingle-sso.inforcloudsuite.com/ACME_PRD/as/' })],
    [
      'on-premises paths and ports',
      sampleIonApi({
        iu: 'https://ionapi.corp.local:7443',
        pu: 'https://sso.corp.local:9543/InforIntSTS/',
        oa: 'connect/authorize',
        ot: 'connect/token',
        or: 'connect/revocation',
      }),
    ],
    [
      'unknown extra keys and v1.1 scopes',
      sampleIonApi({ v: '1.1', sc: ['openid'], xx: 'ignored', ru: 'https://app/cb' }),
    ],
    ['values padded with spaces', sampleIonApi({ ti: ' ACME_PRD ', ot: ' token.oauth2 ' })],
  ];
  let index = 0;
  for (const [name, ionapi] of variants) {
    const response = await api.call('POST', '/tenants', { body: sampleTenantBody(`variant-${index++}`, { ionapi }) });
    assert.equal(response.status, 201, `${name}: ${response.text}`);
    assert.equal(response.body.ionapi.tenant, 'ACME_PRD', name);
  }
  const onPrem = await api.call('GET', '/tenants/variant-3');
  assert.equal(onPrem.body.ionapi.tokenUrl, 'https://sso.corp.local:9543/InforIntSTS/connect/token');
});

test('bad settings are 400s naming the field', async (t) => {
  const api = await startAdminApi(t);
  const cases: [string, Record<string, unknown>, string][] = [
    ['bad cron', { schedule: { cron: '61 * * * *', timeZone: 'UTC' } }, 'schedule.cron'],
    ['bad time zone', { schedule: { cron: '0 2 * * *', timeZone: 'Mars/Olympus' } }, 'schedule.timeZone'],
    ['ION rpm too low', { rateLimits: { ionRpm: 50 } }, 'rateLimits.ionRpm'],
    ['ION rpm too high', { rateLimits: { ionRpm: 501 } }, 'rateLimits.ionRpm'],
    ['Zendesk share 0', { rateLimits: { zendeskShare: 0 } }, 'rateLimits.zendeskShare'],
    ['Zendesk share above 1', { rateLimits: { zendeskShare: 1.5 } }, 'rateLimits.zendeskShare'],
    ['Zendesk plan unknown', { rateLimits: { zendeskPlanRpm: 'platinum' } }, 'rateLimits.zendeskPlanRpm'],
    ['product unknown', { product: 'ln' }, 'product'],
    ['m3 without company', { m3: { division: 'AAA' } }, 'm3.company'],
    ['csi settings on m3', { csi: { mongooseConfig: 'X' } }, 'csi'],
    ['csi without mongoose config', { product: 'csi', m3: undefined }, 'csi'],
    ['tenant id upper-case', { id: 'ACME' }, 'id'],
    ['no Zendesk credentials', { zendesk: { subdomain: 'acme' } }, 'zendesk.oauth'],
    [
      'both Zendesk credentials',
      {
        zendesk: {
          subdomain: 'acme',
          oauth: { clientId: 'a', clientSecret: 'b' },
          apiToken: { email: 'a@example.com', token: 't' },
        },
      },
      'zendesk.apiToken',
    ],
    [
      'bad subdomain',
      { zendesk: { subdomain: 'acme.zendesk.com', oauth: { clientId: 'a', clientSecret: 'b' } } },
      'zendesk.subdomain',
    ],
    [
      'bad base URL',
      { zendesk: { subdomain: 'acme', baseUrl: 'file:///etc', oauth: { clientId: 'a', clientSecret: 'b' } } },
      'zendesk.baseUrl',
    ],
    [
      'bad mapping',
      { mapping: { entities: { invoice: { objectType: 'ticket' } } } },
      'mapping.entities.invoice.objectType',
    ],
    ['unknown key', { colour: 'blue' }, 'colour'],
  ];
  for (const [name, overrides, field] of cases) {
    const response = await api.call('POST', '/tenants', { body: sampleTenantBody('bad-settings', overrides) });
    assert.equal(response.status, 400, `${name}: ${response.text}`);
    assert.equal(response.body.error.code, 'MLC_VALIDATION', name);
    assert.equal(response.body.error.field, field, name);
  }
  const plan = await api.call('POST', '/tenants', {
    body: sampleTenantBody('plan', { rateLimits: { zendeskPlanRpm: 'enterprise', zendeskShare: 0.25 } }),
  });
  assert.equal(plan.status, 201);
  assert.deepEqual(plan.body.rateLimits, {
    ionRpm: 300,
    zendeskPlanRpm: 700,
    zendeskShare: 0.25,
    zendeskConnectorRpm: 175,
  });
  const patched = await api.call('PATCH', '/tenants/plan', { body: { schedule: { cron: 'every day' } } });
  assert.equal(patched.status, 400);
  assert.equal(patched.body.error.field, 'schedule.cron');
});

test('a CSI tenant with a legacy API token, then updated, paused, resumed and deleted', async (t) => {
  const api = await startAdminApi(t);
  const body = sampleTenantBody('csi-co', {
    product: 'csi',
    m3: undefined,
    csi: { mongooseConfig: 'CSI_DALS' },
    zendesk: { subdomain: 'csi-co', apiToken: { email: 'agent@csi.example', token: 'legacy-api-token-0123456789' } },
    schedule: null,
  });
  const created = await api.call('POST', '/tenants', { body });
  assert.equal(created.status, 201, created.text);
  assert.deepEqual(created.body.csi, { mongooseConfig: 'CSI_DALS' });
  assert.deepEqual(created.body.zendesk.credentials.authKind, 'api_token');
  assert.equal(created.body.schedule, null);
  assertNoSecret(created.text, secretsOf(body));

  const patched = await api.call('PATCH', '/tenants/csi-co', {
    body: {
      schedule: { cron: '30 6 * * 1-5', timeZone: 'America/Chicago' },
      rateLimits: { zendeskShare: 0.8 },
      zendesk: { baseUrl: 'http://127.0.0.1:9/zd' },
    },
  });
  assert.equal(patched.status, 200, patched.text);
  assert.equal(patched.body.schedule.timeZone, 'America/Chicago');
  assert.equal(patched.body.rateLimits.zendeskShare, 0.8);
  assert.equal(patched.body.zendesk.baseUrl, 'http://127.0.0.1:9/zd');
  assert.equal(patched.body.zendesk.credentials.authKind, 'api_token', 'credentials kept');

  const paused = await api.call('POST', '/tenants/csi-co/pause');
  assert.equal(paused.body.status, 'paused');
  assert.deepEqual(
    (await api.call('GET', '/tenants?status=paused')).body.tenants.map((tenant: { id: string }) => tenant.id),
    ['csi-co'],
  );
  assert.equal((await api.call('POST', '/tenants/csi-co/runs')).status, 409, 'a paused tenant takes no run request');
  assert.equal((await api.call('POST', '/tenants/csi-co/resume')).body.status, 'active');
  assert.equal((await api.call('DELETE', '/tenants/csi-co')).status, 204);
  assert.equal((await api.call('GET', '/tenants/csi-co')).status, 404);
  assert.equal((await api.call('DELETE', '/tenants/csi-co')).status, 404);
});

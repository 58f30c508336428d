import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { sampleTenantBody, startAdminApi } from './admin-api-harness.ts';

test('the OpenAPI document is served, well-formed and covers every route', async (t) => {
  const api = await startAdminApi(t);
  const document = await api.call('GET', '/openapi.json', { token: null });
  assert.equal(document.status, 200);
  assert.match(document.body.openapi, /^3\.0\./);
  assert.equal(document.body.components.securitySchemes.bearerAuth.scheme, 'bearer');
  const expected = [
    'POST /tokens',
    'GET /tokens',
    'DELETE /tokens/{id}',
    'POST /tenants',
    'GET /tenants',
    'GET /tenants/{id}',
    'PATCH /tenants/{id}',
    'DELETE /tenants/{id}',
    'POST /tenants/{id}/pause',
    'POST /tenants/{id}/resume',
    'POST /tenants/{id}/test',
    'POST /tenants/{id}/zendesk/provision',
    'GET /vault',
    'POST /vault/rotate',
    'GET /tenants/{id}/runs',
    'POST /tenants/{id}/runs',
    'GET /runs/{id}',
    'GET /run-requests/{id}',
    'GET /tenants/{id}/audit',
    'GET /tenants/{id}/audit/{entity}/{naturalKey}',
    'POST /tenants/{id}/replay',
    'GET /tenants/{id}/dlq',
    'POST /tenants/{id}/dlq/retry',
    'GET /admin-audit',
    'GET /healthz',
    'GET /readyz',
    'GET /metrics',
  ];
  const documented = Object.entries(
    document.body.paths as Record<string, Record<string, { responses?: unknown }>>,
  ).flatMap(([path, operations]) =>
    Object.entries(operations).map(([method, operation]) => {
      assert.ok(operation.responses !== undefined, `${method} ${path} has responses`);
      return `${method.toUpperCase()} ${path}`;
    }),
  );
  assert.deepEqual([...documented].sort(), [...expected].sort());
  const create = document.body.paths['/tenants'].post;
  assert.ok(
    create.requestBody.content['application/json'].schema.properties.ionapi,
    'the create body schema is documented',
  );
  assert.equal((await api.call('GET', '/docs', { token: null })).status < 400, true, 'the docs UI is served');
});

test('errors share one shape: unknown route 404, wrong content type 415, oversized body 413, bad JSON 400', async (t) => {
  const api = await startAdminApi(t);
  const unknown = await api.call('GET', '/nowhere');
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.error.code, 'MLC_NOT_FOUND');
  const unknownWithoutToken = await api.call('GET', '/nowhere', { token: null });
  assert.equal(unknownWithoutToken.status, 404);
  const text = await api.call('POST', '/tenants', { payload: 'id=x', headers: { 'content-type': 'text/plain' } });
  assert.equal(text.status, 415);
  assert.equal(text.body.error.code, 'MLC_UNSUPPORTED_MEDIA_TYPE');
  const form = await api.call('POST', '/tenants', {
    payload: 'id=x',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  assert.equal(form.status, 415);
  const huge = await api.call('POST', '/tenants', {
    payload: JSON.stringify({ name: 'x'.repeat(300 * 1024) }),
    headers: { 'content-type': 'application/json' },
  });
  assert.equal(huge.status, 413);
  assert.equal(huge.body.error.code, 'MLC_PAYLOAD_TOO_LARGE');
  const broken = await api.call('POST', '/tenants', {
    payload: '{"ionapi": {"cs": "broken-secret-value-1"',
    headers: { 'content-type': 'application/json' },
  });
  assert.equal(broken.status, 400);
  assert.ok(!broken.text.includes('broken-secret-value-1'), 'a JSON syntax error does not quote the body');
  assert.doesNotMatch(broken.text, /at .*\.ts:\d+/, 'no stack trace');
  const ready = await api.call('GET', '/readyz', { token: null });
  assert.equal(ready.status, 200);
  assert.equal(ready.body.checks.postgres.ok, true);
  const metrics = await api.call('GET', '/metrics', { token: null });
  assert.match(metrics.text, /mlc_admin_api_requests_total\{method="POST",route="\/tenants",status="415"\} 2/);
  assert.equal((await api.call('GET', '/healthz', { token: null })).body.status, 'ok');
});

test('property: arbitrary bodies, queries and ids on every route never produce a 5xx', async (t) => {
  const api = await startAdminApi(t);
  await api.call('POST', '/tenants', { body: sampleTenantBody('fuzz') });
  const runs = Number(process.env.FUZZ_RUNS ?? 1000);
  const json = fc.oneof(
    fc.jsonValue({ maxDepth: 4 }),
    fc.record(
      {
        id: fc.oneof(fc.constant('fuzz'), fc.string()),
        name: fc.string(),
        product: fc.constantFrom('m3', 'csi', 'ln', ''),
        m3: fc.record({ company: fc.string(), division: fc.string() }, { requiredKeys: [] }),
        ionapi: fc.oneof(
          fc.string(),
          fc.dictionary(
            fc.constantFrom('ti', 'ci', 'cs', 'iu', 'pu', 'ot', 'saak', 'sask', 'sc'),
            fc.jsonValue({ maxDepth: 1 }),
          ),
        ),
        zendesk: fc.record(
          {
            subdomain: fc.string(),
            baseUrl: fc.oneof(fc.webUrl(), fc.string()),
            oauth: fc.record({ clientId: fc.string(), clientSecret: fc.string() }),
          },
          { requiredKeys: [] },
        ),
        rateLimits: fc.record(
          {
            ionRpm: fc.oneof(fc.integer(), fc.double()),
            zendeskPlanRpm: fc.oneof(fc.integer(), fc.string()),
            zendeskShare: fc.double(),
          },
          { requiredKeys: [] },
        ),
        schedule: fc.oneof(
          fc.constant(null),
          fc.record({ cron: fc.string(), timeZone: fc.string() }, { requiredKeys: [] }),
        ),
        mapping: fc.jsonValue({ maxDepth: 3 }),
        from: fc.oneof(
          fc.constant('earliest'),
          fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
          fc.string(),
        ),
        entity: fc.constantFrom('supplier', 'invoice', 'x'),
        ids: fc.array(fc.oneof(fc.string(), fc.integer(), fc.bigInt().map(String))),
        all: fc.jsonValue({ maxDepth: 0 }),
        role: fc.constantFrom('admin', 'operator', 'root'),
        tenantIds: fc.array(fc.string()),
        entities: fc.array(fc.string()),
        force: fc.jsonValue({ maxDepth: 0 }),
      },
      { requiredKeys: [] },
    ),
  );
  const target = fc.oneof(fc.constant('fuzz'), fc.string({ maxLength: 70 }).map(encodeURIComponent));
  const route = fc.constantFrom(
    ['POST', '/tenants'],
    ['PATCH', '/tenants/:t'],
    ['POST', '/tenants/:t/runs'],
    ['POST', '/tenants/:t/replay'],
    ['POST', '/tenants/:t/dlq/retry'],
    ['POST', '/tokens'],
    ['GET', '/tenants/:t/audit?:q'],
    ['GET', '/tenants/:t/dlq?:q'],
    ['GET', '/tenants/:t/runs?:q'],
    ['GET', '/runs/:t'],
    ['GET', '/admin-audit?:q'],
    ['GET', '/tenants/:t/audit/:t/:t'],
    ['DELETE', '/tokens/:t'],
  );
  const query = fc.dictionary(
    fc.constantFrom('limit', 'cursor', 'status', 'since', 'entity', 'naturalKey', 'before', 'x'),
    fc.string({ maxLength: 30 }),
  );
  await fc.assert(
    fc.asyncProperty(route, target, json, query, async ([method, path], id, body, params) => {
      const url = path.replaceAll(':t', id).replace(':q', new URLSearchParams(params).toString());
      const response = await api.call(
        method,
        url,
        method === 'GET' || method === 'DELETE' ? {} : { body: body as object },
      );
      assert.ok(response.status < 500, `${method} ${url} → ${response.status} ${response.text.slice(0, 300)}`);
      assert.ok(
        response.status === 204 || response.body?.error !== undefined || response.status < 300,
        `${method} ${url} error shape`,
      );
    }),
    { numRuns: runs },
  );
});

/**
 * Property-based fuzzing of every admin API route, the route list read from the served OpenAPI document
 * (so a new route is fuzzed without touching this file): arbitrary ids, queries, bodies and content
 * types, as the admin, as an operator of another tenant and with no token. Never a 5xx; every error in
 * the one error shape. FUZZ_RUNS sets the number of cases (CI default 1,000; `npm run soak` 10,000).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { sampleTenantBody, startAdminApi } from '../admin-api/admin-api-harness.ts';

test('fuzzed calls to every route of the OpenAPI document never answer 5xx', { timeout: 110_000 }, async (t) => {
  const api = await startAdminApi(t, { controlPublisher: null });
  await api.call('POST', '/tenants', { body: sampleTenantBody('fuzz') });
  const operator = await api.call('POST', '/tokens', { body: { name: 'op', role: 'operator', tenantIds: ['other'] } });
  const operatorToken = String(operator.body?.token ?? 'none');
  const openapi = await api.call('GET', '/openapi.json');
  const routes: [string, string][] = [];
  for (const [path, methods] of Object.entries(openapi.body.paths as Record<string, Record<string, unknown>>))
    for (const method of Object.keys(methods)) routes.push([method.toUpperCase(), path]);
  assert.ok(routes.length >= 15, `routes in the OpenAPI document: ${routes.length}`);

  const runs = Number(process.env.FUZZ_RUNS ?? 1000);
  const seen = new Map<string, number>();
  const id = fc.oneof(
    fc.constant('fuzz'),
    fc.uuid(),
    fc.string({ maxLength: 80 }),
    fc.constantFrom('..', '%00', 'a'.repeat(300), '__proto__', 'constructor'),
  );
  const body = fc.oneof(
    fc.jsonValue({ maxDepth: 4 }),
    fc.constant(sampleTenantBody('fuzz')),
    fc.record(
      { ...Object.fromEntries(Object.keys(sampleTenantBody('x')).map((key) => [key, fc.jsonValue({ maxDepth: 2 })])) },
      { requiredKeys: [] },
    ),
  );
  const query = fc.dictionary(
    fc.constantFrom('limit', 'cursor', 'status', 'since', 'entity', 'naturalKey', 'from', 'force', 'dryRun', 'x'),
    fc.oneof(fc.string({ maxLength: 30 }), fc.integer().map(String)),
  );
  const as = fc.constantFrom<'admin' | 'operator' | 'anonymous'>('admin', 'admin', 'operator', 'anonymous');
  const payloadKind = fc.constantFrom('json', 'json', 'json', 'text', 'broken-json');

  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...routes),
      id,
      body,
      query,
      as,
      payloadKind,
      async ([method, path], target, json, params, who, kind) => {
        const url =
          path.replace(/\{[^}]+\}/g, () => encodeURIComponent(target)) +
          (Object.keys(params).length > 0 ? `?${new URLSearchParams(params)}` : '');
        const token = who === 'admin' ? undefined : who === 'operator' ? operatorToken : null;
        const withBody = method !== 'GET' && method !== 'DELETE';
        const response = await api.call(method, url, {
          token,
          ...(!withBody
            ? {}
            : kind === 'json'
              ? { body: json }
              : kind === 'text'
                ? { payload: JSON.stringify(json) ?? 'null', headers: { 'content-type': 'text/plain' } }
                : { payload: '{"id": "fuzz", ', headers: { 'content-type': 'application/json' } }),
        });
        seen.set(`${response.status}`, (seen.get(`${response.status}`) ?? 0) + 1);
        assert.ok(
          response.status < 500,
          `${method} ${url} as ${who} → ${response.status} ${response.text.slice(0, 300)}`,
        );
        if (response.status >= 400) {
          assert.equal(
            typeof response.body?.error?.code,
            'string',
            `${method} ${url} → ${response.status} outside the one error shape: ${response.text.slice(0, 120)}`,
          );
        }
      },
    ),
    { numRuns: runs },
  );
  process.stderr.write(
    `admin route fuzz: ${runs} cases over ${routes.length} routes, statuses ${JSON.stringify(Object.fromEntries(seen))}\n`,
  );
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildCloudSuiteSimulator } from '../../packages/simulators/src/cloudsuite/cloudsuite-simulator.ts';
import { passwordGrantBody, startCloudSuite } from './cloudsuite-test-session.ts';

const admin = (base: string, path: string, method: string, body?: unknown) =>
  fetch(`${base}/__sim${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });

test('a burst above the tenant rpm gets 429 with Retry-After', async (t) => {
  const s = await startCloudSuite({ rpm: 5 });
  t.after(() => s.close());
  const statuses: number[] = [];
  let retryAfter: string | null = null;
  for (let i = 0; i < 8; i += 1) {
    const res = await s.mi('CRS620MI/LstSuppliers', { maxrecs: '1' });
    statuses.push(res.status);
    if (res.status === 429) retryAfter = res.headers.get('retry-after');
    await res.arrayBuffer();
  }
  assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429, 429, 429]);
  assert.ok(Number(retryAfter) >= 1 && Number(retryAfter) <= 60);
  const log = s.sim.requestLog.entries({ tenant: 'ACME_TST' }).filter((e) => e.status === 429);
  assert.equal(log.length, 3);
  assert.ok(log.every((e) => e.injected === 'rate-limit'));
});

test('a tenant configured without Retry-After answers 429 without the header', async (t) => {
  const s = await startCloudSuite({ rpm: 1, sendRetryAfter: false });
  t.after(() => s.close());
  await (await s.mi('CRS620MI/LstSuppliers', { maxrecs: '1' })).arrayBuffer();
  const res = await s.mi('CRS620MI/LstSuppliers', { maxrecs: '1' });
  assert.equal(res.status, 429);
  assert.equal(res.headers.get('retry-after'), null);
});

test('a client that waits Retry-After seconds is not refused again', async (t) => {
  let nowMs = Date.UTC(2026, 0, 1);
  const sim = buildCloudSuiteSimulator({ records: 100, now: () => nowMs });
  sim.addTenant({ tenantId: 'ACME_TST', rpm: 3 });
  await sim.app.listen({ port: 0, host: '127.0.0.1' });
  t.after(() => sim.close());
  const ionapi = sim.ionapiFileFor('ACME_TST');
  const token = (await (
    await fetch(ionapi.pu + ionapi.ot, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: passwordGrantBody(ionapi),
    })
  ).json()) as { access_token: string };
  const call = () =>
    fetch(`${ionapi.iu}/${ionapi.ti}/M3/m3api-rest/v2/execute/CRS620MI/LstSuppliers?maxrecs=1`, {
      headers: { authorization: `Bearer ${token.access_token}` },
    });
  let refused = 0;
  for (let i = 0; i < 20; i += 1) {
    const res = await call();
    await res.arrayBuffer();
    if (res.status === 429) {
      refused += 1;
      nowMs += Number(res.headers.get('retry-after')) * 1000;
      const retry = await call();
      await retry.arrayBuffer();
      assert.equal(retry.status, 200, 'the retry after Retry-After must succeed');
    } else {
      nowMs += 1000;
    }
  }
  assert.ok(refused > 0);
});

test('fault rules inject 503s at a rate, a 504 after a delay, slow answers and malformed bodies', async (t) => {
  const s = await startCloudSuite();
  t.after(() => s.close());
  const base = s.ionapi.iu;
  await s.token();
  const rule = await admin(base, '/faults', 'POST', { kind: 'status', status: 503, rate: 0.5 });
  assert.equal(rule.status, 201);
  const counts = { 200: 0, 503: 0 } as Record<number, number>;
  for (let i = 0; i < 60; i += 1) {
    const res = await s.mi('CRS620MI/LstSuppliers', { maxrecs: '1' });
    await res.arrayBuffer();
    counts[res.status] = (counts[res.status] ?? 0) + 1;
  }
  assert.ok(counts[503]! > 10 && counts[200]! > 10, JSON.stringify(counts));
  assert.equal((await admin(base, '/faults', 'DELETE')).status, 204);

  await admin(base, '/faults', 'POST', { kind: 'timeout', delayMs: 150, times: 1 });
  const started = performance.now();
  const timedOut = await s.mi('CRS620MI/LstSuppliers', { maxrecs: '1' });
  assert.equal(timedOut.status, 504);
  assert.ok(performance.now() - started >= 140);
  assert.equal((await s.mi('CRS620MI/LstSuppliers', { maxrecs: '1' })).status, 200);

  await admin(base, '/faults', 'POST', { kind: 'slow', delayMs: 120, times: 1, program: 'CRS620MI' });
  const slowStart = performance.now();
  assert.equal((await s.mi('CRS620MI/LstSuppliers', { maxrecs: '1' })).status, 200);
  assert.ok(performance.now() - slowStart >= 110);

  await admin(base, '/faults', 'POST', { kind: 'malformed', body: 'truncated-json', times: 1 });
  const truncated = await s.mi('CRS620MI/LstSuppliers', { maxrecs: '1' });
  assert.equal(truncated.status, 200);
  await assert.rejects(truncated.json());
  await admin(base, '/faults', 'POST', { kind: 'malformed', body: 'html', times: 1 });
  const html = await s.mi('CRS620MI/LstSuppliers', { maxrecs: '1' });
  assert.match(html.headers.get('content-type') ?? '', /text\/html/);

  const invalid = await admin(base, '/faults', 'POST', { kind: 'explode' });
  assert.equal(invalid.status, 400);
});

test('malformed faults made from the real answer: wrong types, missing keys, a 10 MB value, an endless body', async (t) => {
  const s = await startCloudSuite();
  t.after(() => s.close());
  const base = s.ionapi.iu;
  const good = (await (await s.mi('CRS620MI/LstSuppliers', { maxrecs: '2' })).json()) as {
    results: { records: Record<string, string>[] }[];
  };
  const suno = good.results[0]!.records[0]!.SUNO!;

  await admin(base, '/faults', 'POST', { kind: 'malformed', body: 'wrong-types', times: 1, program: 'CRS620MI' });
  const wrong = (await (await s.mi('CRS620MI/LstSuppliers', { maxrecs: '2' })).json()) as {
    results: { records: Record<string, unknown>[] }[];
    nrOfFailedTransactions: unknown;
  };
  assert.deepEqual(wrong.results[0]!.records[0]!.SUNO, /^\d+$/.test(suno) ? Number(suno) : { '#text': suno });
  assert.equal(wrong.nrOfFailedTransactions, '0');

  await admin(base, '/faults', 'POST', { kind: 'malformed', body: 'missing-keys', times: 1 });
  const missing = (await (await s.mi('CRS620MI/LstSuppliers', { maxrecs: '2' })).json()) as Record<string, unknown>;
  assert.equal(missing.results, undefined);
  assert.equal(missing.nrOfSuccessfullTransactions, 1);

  await admin(base, '/faults', 'POST', { kind: 'malformed', body: 'huge', times: 1 });
  const huge = await s.mi('CRS620MI/LstSuppliers', { maxrecs: '2' });
  const hugeText = await huge.text();
  assert.ok(hugeText.length > 10 * 1024 * 1024, `${hugeText.length} characters`);
  assert.equal(JSON.parse(hugeText).results[0].records.length, 2);

  await admin(base, '/faults', 'POST', { kind: 'malformed', body: 'endless', times: 1 });
  const endless = await s.mi('CRS620MI/LstSuppliers', { maxrecs: '2' });
  assert.equal(endless.status, 200);
  const reader = endless.body!.getReader();
  let received = 0;
  while (received < 5 * 1024 * 1024) received += (await reader.read()).value?.length ?? 0;
  await reader.cancel();
  assert.equal((await s.mi('CRS620MI/LstSuppliers', { maxrecs: '1' })).status, 200, 'the simulator still answers');

  await admin(base, '/faults', 'POST', { kind: 'malformed', body: 'html', status: 502, times: 1 });
  const page = await s.mi('CRS620MI/LstSuppliers', { maxrecs: '1' });
  assert.equal(page.status, 502);
  assert.match(await page.text(), /<html>/);
  assert.equal((await admin(base, '/faults', 'POST', { kind: 'malformed', body: 'gibberish' })).status, 400);
});

test('a token-revocation fault ends the presented token', async (t) => {
  const s = await startCloudSuite();
  t.after(() => s.close());
  const token = await s.token();
  s.sim.faults.add({ kind: 'revoke-token', times: 1 });
  assert.equal((await s.mi('CRS620MI/LstSuppliers', { maxrecs: '1' })).status, 401);
  assert.equal((await s.get('/M3/m3api-rest/v2/execute/CRS620MI/LstSuppliers', { token })).status, 401);
});

test('the request log names tenant, program and status and holds no secret', async (t) => {
  const s = await startCloudSuite();
  t.after(() => s.close());
  await (await s.mi('CRS620MI/GetBasicData', { SUNO: 'S0000001' })).arrayBuffer();
  const res = await admin(s.ionapi.iu, '/requests?tenant=ACME_TST', 'GET');
  const { requests } = (await res.json()) as { requests: Record<string, unknown>[] };
  const mi = requests.find((r) => r.program === 'CRS620MI');
  assert.ok(mi);
  assert.equal(mi.transaction, 'GetBasicData');
  assert.equal(mi.status, 200);
  assert.equal(mi.method, 'GET');
  const text = JSON.stringify(requests);
  for (const secret of [s.ionapi.cs, s.ionapi.sask, s.ionapi.saak, await s.token()]) assert.ok(!text.includes(secret));
  assert.ok(!text.includes('S0000001'));
});

test('deletions are listed by SES120MI/LstDeleted and vanish from lists', async (t) => {
  const s = await startCloudSuite();
  t.after(() => s.close());
  const res = await admin(s.ionapi.iu, '/tenants/ACME_TST/entities/supplier/mutations', 'POST', {
    deleteKeys: ['S0000003'],
  });
  assert.deepEqual(((await res.json()) as { deleted: string[] }).deleted, ['S0000003']);
  const body = (await (await s.mi('SES120MI/LstDeleted', { FILE: 'CIDMAS', LMTS: '0' })).json()) as {
    results: { records: Record<string, string>[] }[];
  };
  assert.deepEqual(
    body.results[0]!.records.map((r) => r.PK01),
    ['S0000003'],
  );
  const get = (await (await s.mi('CRS620MI/GetBasicData', { SUNO: 'S0000003' })).json()) as {
    nrOfFailedTransactions: number;
  };
  assert.equal(get.nrOfFailedTransactions, 1);
});

test('tenants created over the admin endpoint get their own .ionapi and data', async (t) => {
  const s = await startCloudSuite();
  t.after(() => s.close());
  const created = await admin(s.ionapi.iu, '/tenants', 'POST', { tenantId: 'BETA_PRD', product: 'csi', records: 500 });
  assert.equal(created.status, 201);
  const body = (await created.json()) as { ionapi: { ti: string; saak: string }; counts: Record<string, number> };
  assert.equal(body.ionapi.ti, 'BETA_PRD');
  assert.ok(body.ionapi.saak.startsWith('BETA_PRD#'));
  assert.equal(
    Object.values(body.counts).reduce((a, b) => a + b, 0),
    500,
  );
  assert.equal((await admin(s.ionapi.iu, '/tenants', 'POST', { tenantId: 'bad id' })).status, 400);
  assert.equal((await admin(s.ionapi.iu, '/tenants', 'POST', { tenantId: 'BETA_PRD' })).status, 409);
});

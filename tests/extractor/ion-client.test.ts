import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createHttpClient } from '@mlc/common/http-client';
import { parseIonApiFile } from '@mlc/common/ionapi-file';
import { RateBudget } from '@mlc/common/rate-budget';
import { TokenCache } from '@mlc/common/token-cache';
import { emptyIonCallCounters } from '@mlc/extractor/ion/ion-call-counters';
import { createIonClient } from '@mlc/extractor/ion/ion-client';
import { createIonTokenSource } from '@mlc/extractor/ion/ion-token-source';
import { createM3MiClient } from '@mlc/extractor/m3/m3-mi-client';
import { buildCloudSuiteSimulator, type CloudSuiteSimulator } from '@mlc/simulators/cloudsuite/cloudsuite-simulator';

let simulator: CloudSuiteSimulator;
const http = createHttpClient();

before(async () => {
  simulator = buildCloudSuiteSimulator({ records: 50 });
  await simulator.app.listen({ port: 0, host: '127.0.0.1' });
});

after(async () => {
  await simulator.close();
  await http.close();
});

function clientFor(tenantId: string, rpm = 500) {
  const file = parseIonApiFile(simulator.ionapiFileFor(tenantId));
  const counters = emptyIonCallCounters();
  const grants: string[] = [];
  const tokens = new TokenCache({
    fetchToken: createIonTokenSource({ file, http, onTokenCall: (grant) => grants.push(grant) }),
  });
  const ion = createIonClient({
    file,
    http,
    tokens,
    budget: new RateBudget({ requestsPerMinute: rpm }),
    counters: () => counters,
  });
  return { mi: createM3MiClient(ion), counters, grants, tokens };
}

test('with a 5 s token lifetime, calls over 7 s never see a 401 and refreshes happen one at a time', async () => {
  simulator.addTenant({ tenantId: 'SHORT_TOKEN', tokenExpiresInSec: 5 });
  const { mi, counters, grants } = clientFor('SHORT_TOKEN');
  const since = simulator.requestLog.lastSeq;
  const started = Date.now();
  while (Date.now() - started < 7000) {
    // Concurrent callers share one in-flight refresh.
    const pages = await Promise.all([1, 2, 3].map(() => mi.execute('CRS620MI', 'LstSuppliers', {}, { maxrecs: 5 })));
    for (const page of pages) assert.equal(page.length, 5);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const log = simulator.requestLog.entries({ tenant: 'SHORT_TOKEN', sinceSeq: since });
  assert.equal(log.filter((e) => e.status === 401).length, 0);
  assert.ok(grants.length >= 2 && grants.length <= 4, `token fetches: ${grants.length}`);
  assert.ok(
    grants.every((g) => g === 'password'),
    'no refresh token issued → password grant',
  );
  assert.equal(counters.retries, 0);
});

test('a revoked token gets one refresh and one retry, and the caller never sees the 401', async () => {
  simulator.addTenant({ tenantId: 'REVOKED', issuesRefreshTokens: true });
  const { mi, counters, grants } = clientFor('REVOKED');
  await mi.execute('CRS620MI', 'LstSuppliers', {}, { maxrecs: 1 });
  simulator.tokens.revokeAll('REVOKED');
  const since = simulator.requestLog.lastSeq;
  const records = await mi.execute('CRS620MI', 'LstSuppliers', {}, { maxrecs: 2 });
  assert.equal(records.length, 2);
  const log = simulator.requestLog.entries({ tenant: 'REVOKED', sinceSeq: since }).filter((e) => e.program !== null);
  assert.deepEqual(
    log.map((e) => e.status),
    [401, 200],
  );
  // The refresh token was revoked with the access token: the refresh grant is refused, the password grant used.
  assert.deepEqual(grants, ['password', 'refresh_token', 'password']);
  assert.equal(counters.calls, 3);
});

test('the token endpoint gets saak unchanged and wrong credentials fail clearly without secrets', async () => {
  simulator.addTenant({ tenantId: 'WRONG_SECRET' });
  const file = parseIonApiFile({ ...simulator.ionapiFileFor('WRONG_SECRET'), sask: 'not-the-secret-value' });
  const fetchToken = createIonTokenSource({ file, http });
  await assert.rejects(
    fetchToken({ reason: 'initial', previous: undefined, refreshToken: undefined }),
    (error: Error) => {
      assert.match(error.message, /refused the service account credentials/);
      assert.equal(error.message.includes('not-the-secret-value'), false);
      return true;
    },
  );
});

test('the per-tenant budget holds the request rate: 12 calls at 60 rpm take the burst plus a second per call', async () => {
  simulator.addTenant({ tenantId: 'BUDGETED' });
  const { mi, counters } = clientFor('BUDGETED', 60);
  const started = Date.now();
  for (let i = 0; i < 12; i++) await mi.execute('CRS620MI', 'LstSuppliers', {}, { maxrecs: 1 });
  const elapsed = Date.now() - started;
  assert.equal(counters.calls, 12);
  // Burst of 2 s worth (2 requests), then one per second.
  assert.ok(elapsed >= 9000, `elapsed ${elapsed} ms`);
  const log = simulator.requestLog.entries({ tenant: 'BUDGETED' }).filter((e) => e.program !== null);
  assert.equal(log.filter((e) => e.status === 429).length, 0);
});

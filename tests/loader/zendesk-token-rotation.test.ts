import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RunningLoader } from '@mlc/loader/loader-service';
import { buildZendeskSimulator, type ZendeskSimulator } from '@mlc/simulators/zendesk/zendesk-simulator';
import {
  addTenant,
  createLoaderStack,
  customerEvent,
  glAccountEvent,
  type LoaderStack,
  postingCount,
  produceChanges,
  startInProcess,
  waitFor,
} from './loader-kafka-harness.ts';

const TENANT = 'rotating';
const TOKEN_LIFETIME_SEC = 5;
const TICKS = 20;
const PER_TICK = 100;
const TICK_MS = 800;

let simulator: ZendeskSimulator;
let stack: LoaderStack;
let loader: RunningLoader;
/** grant_type of every token request the account received, in order, with its time. */
const grants: { grantType: string; at: number }[] = [];
let loadSeconds = 0;

before(async () => {
  simulator = buildZendeskSimulator({});
  // Test-side instrumentation: the request log keeps no bodies, so the grant type is read off the request here.
  simulator.app.addHook('preHandler', async (request) => {
    if (request.url.endsWith('/oauth/tokens') && request.method === 'POST') {
      const grantType = (request.body as { grant_type?: unknown } | undefined)?.grant_type;
      grants.push({ grantType: String(grantType), at: Date.now() });
    }
  });
  await simulator.listen();
  stack = await createLoaderStack('loader_rotation');
  await addTenant(stack, simulator, TENANT, { account: { tokenExpiresInSec: TOKEN_LIFETIME_SEC } });
  grants.length = 0;
  loader = await startInProcess(stack);
  const started = performance.now();
  // ~2,000 events spread over 16 s, so the load outlives three token lifetimes.
  for (let tick = 0; tick < TICKS; tick++) {
    const events = [];
    for (let n = 0; n < PER_TICK / 2; n++) {
      events.push(customerEvent(TENANT, tick * 1000 + n), glAccountEvent(TENANT, tick * 1000 + n));
    }
    await produceChanges(stack, events);
    await sleep(TICK_MS);
  }
  await waitFor('the load', async () => (await postingCount(stack, TENANT)) >= TICKS * PER_TICK, 60_000);
  loadSeconds = (performance.now() - started) / 1000;
});

after(async () => {
  await loader?.stop();
  await stack?.close();
  await simulator?.close();
});

test('with 5 s access tokens and refresh-token rotation, a 16 s load of 2,000 events loses no write to auth', async () => {
  const log = simulator.requestLog.entries({ account: TENANT });
  const apiRequests = log.filter((entry) => entry.path.startsWith('/api/v2/'));
  const unauthorized = apiRequests.filter((entry) => entry.status === 401);
  const refreshes = grants.filter((grant) => grant.grantType === 'refresh_token');
  const tokenRequests = log.filter((entry) => entry.path === '/oauth/tokens');
  console.log(
    JSON.stringify({
      loadSeconds: Number(loadSeconds.toFixed(1)),
      apiRequests: apiRequests.length,
      tokenRequests: tokenRequests.length,
      refreshGrants: refreshes.length,
      clientCredentialGrants: grants.filter((grant) => grant.grantType === 'client_credentials').length,
      unauthorized: unauthorized.length,
    }),
  );
  assert.ok(loadSeconds >= 15, `the load took only ${loadSeconds} s`);
  assert.equal(await postingCount(stack, TENANT, 'failed'), 0);
  assert.equal(await postingCount(stack, TENANT, 'dead-lettered'), 0);
  assert.equal(await postingCount(stack, TENANT, 'applied'), TICKS * PER_TICK);

  // Tokens were rotated through the refresh grant, about once per lifetime, never one per call.
  const expectedRotations = Math.floor(loadSeconds / TOKEN_LIFETIME_SEC) - 1;
  assert.ok(refreshes.length >= expectedRotations, `${refreshes.length} refreshes in ${loadSeconds} s`);
  assert.ok(tokenRequests.length <= loadSeconds / (TOKEN_LIFETIME_SEC * 0.5) + 2, 'a token per call?');
  assert.ok(tokenRequests.every((entry) => entry.status === 200 || entry.status === 201));
  // Every refresh redeemed the newest refresh token: a refused one would have fallen back to client_credentials.
  assert.equal(grants.filter((grant) => grant.grantType === 'client_credentials').length, 1);

  // Proactive refresh: an expired token should not reach Zendesk; if one ever does, the write it carried must
  // have been retried with a fresh token and landed (0 failed postings above), not more than a handful.
  assert.ok(unauthorized.length <= 2, `${unauthorized.length} requests answered 401`);
  const view = simulator.inspect(TENANT)!;
  assert.equal(view.duplicateCount, 0);
  assert.equal(view.customObjectRecords.mlc_gl_account?.length, (TICKS * PER_TICK) / 2);
  assert.equal(view.users.filter((user) => user.external_id !== null).length, (TICKS * PER_TICK) / 2);
});

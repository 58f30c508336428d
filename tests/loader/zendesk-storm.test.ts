import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { defaultBurst } from '@mlc/common/rate-budget';
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
import { requestWindowPeak } from './request-window-peak.ts';

const TENANT = 'stormy';
const PLAN_RPM = 400;
const SHARE = 0.45;
const BUDGET = Math.floor(PLAN_RPM * SHARE);
const CUSTOMERS = 800;
const GL_ACCOUNTS = 800;

let simulator: ZendeskSimulator;
let stack: LoaderStack;
let loader: RunningLoader;
let loadSeconds = 0;

before(async () => {
  simulator = buildZendeskSimulator({ seed: 0x570a });
  await simulator.listen();
  stack = await createLoaderStack('loader_storm');
  await addTenant(stack, simulator, TENANT, { zendeskRpm: PLAN_RPM, zendeskShare: SHARE });
  // 20 % of the API calls (writes, job-status polls, lookups) answer 429, another 10 % a 5xx.
  simulator.faults.setRules([
    { account: TENANT, path: '^/api/v2/', rate: 0.2, action: { kind: 'status', status: 429, retryAfterSec: 1 } },
    { account: TENANT, path: '^/api/v2/', rate: 0.125, action: { kind: 'status', status: 503 } },
  ]);
  // Batches of 40 rather than 100: enough requests (job polls are shared) for the storm's odds to show.
  loader = await startInProcess(stack, { LOADER_MAX_ATTEMPTS: '20', LOADER_BATCH_SIZE: '40' });
  const events = [];
  for (let n = 0; n < CUSTOMERS; n++) events.push(customerEvent(TENANT, n));
  for (let n = 0; n < GL_ACCOUNTS; n++) events.push(glAccountEvent(TENANT, n));
  const started = performance.now();
  await produceChanges(stack, events);
  await waitFor('the load', async () => (await postingCount(stack, TENANT)) >= events.length, 75_000);
  loadSeconds = (performance.now() - started) / 1000;
});

after(async () => {
  await loader?.stop();
  await stack?.close();
  await simulator?.close();
});

test('under 20 % 429 and 10 % 5xx everything lands once and the tenant never exceeds its budget', async () => {
  const log = simulator.requestLog.entries({ account: TENANT });
  const api = log.filter((entry) => entry.path.startsWith('/api/v2/'));
  const tooMany = api.filter((entry) => entry.status === 429).length;
  const serverErrors = api.filter((entry) => entry.status >= 500).length;
  const times = log.map((entry) => Date.parse(entry.time)).sort((a, b) => a - b);
  const figures = {
    loadSeconds: Number(loadSeconds.toFixed(1)),
    requests: log.length,
    tooMany,
    serverErrors,
    peak60s: requestWindowPeak(times, 60_000),
    peak10s: requestWindowPeak(times, 10_000),
    peak1s: requestWindowPeak(times, 1000),
    budget: BUDGET,
  };
  console.log(JSON.stringify(figures));
  // The storm really happened: about a fifth and a tenth of the calls (bounds loose enough for the odds).
  assert.ok(tooMany >= api.length * 0.05 && serverErrors >= api.length * 0.02, JSON.stringify(figures));

  assert.equal(await postingCount(stack, TENANT, 'applied'), CUSTOMERS + GL_ACCOUNTS);
  assert.equal(await postingCount(stack, TENANT, 'failed'), 0);
  assert.equal(await postingCount(stack, TENANT, 'dead-lettered'), 0);
  const view = simulator.inspect(TENANT)!;
  assert.equal(view.duplicateCount, 0);
  assert.equal(view.users.filter((user) => user.external_id !== null).length, CUSTOMERS);
  assert.equal(view.customObjectRecords.mlc_gl_account?.length, GL_ACCOUNTS);

  // Refused calls count against the budget too: every request the simulator saw is in the windows.
  assert.ok(figures.peak60s <= BUDGET, `${figures.peak60s} requests in a 60 s window, budget ${BUDGET}`);
  // The run is shorter than a minute, so the budget's spreading (2 s burst, then plan × share per minute)
  // is checked on shorter windows as well; one request of slack for client/simulator clock skew.
  const burst = defaultBurst(BUDGET);
  for (const windowMs of [1000, 5000, 10_000]) {
    const allowed = Math.floor(burst + (BUDGET / 60_000) * windowMs) + 1;
    const seen = requestWindowPeak(times, windowMs);
    assert.ok(seen <= allowed, `${seen} requests in a ${windowMs} ms window, the budget allows ${allowed}`);
  }
});

/**
 * Storms on both APIs at once: 20 % of calls answered 429, 10 % 5xx and a few tokens revoked mid-run, on
 * the ION gateway and on Zendesk. Every record still lands once, neither tenant budget is exceeded in any
 * 60-second window (from the simulators' own request logs), and the retries show in the services' metrics.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { adminApi } from '../../packages/cli/src/admin-api-operations.ts';
import { isRunFinished } from '../../packages/cli/src/run-progress.ts';
import { waitForRunOfRequest } from '../../packages/cli/src/run-request-tracking.ts';
import { cloudSuiteSim, zendeskSim } from '../../scripts/start/simulator-control.ts';
import { loadedCountsOf } from '../../scripts/start/zendesk-loaded-counts.ts';
import {
  ENTITIES,
  type KillablePipeline,
  type PipelineTenant,
  startKillablePipeline,
} from './support/killable-pipeline.ts';

const RECORDS = 300;
const ION_RPM = 500;
const ZENDESK_RPM = 200;
const SYNCS = 4;

let pipeline: KillablePipeline;
let tenant: PipelineTenant;

async function call(method: string, url: string, body?: unknown): Promise<unknown> {
  const response = await fetch(url, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await response.text();
  assert.ok(response.ok, `${method} ${url} answered ${response.status}: ${text.slice(0, 200)}`);
  return text === '' ? undefined : JSON.parse(text);
}

/** The most requests inside any 60-second window, from request timestamps. */
function busiestMinute(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end += 1) {
    while ((sorted[end] ?? 0) - (sorted[start] ?? 0) >= 60_000) start += 1;
    most = Math.max(most, end - start + 1);
  }
  return most;
}

/** Sum of a Prometheus counter over all its label sets. */
async function counterTotal(metricsUrl: string, name: string): Promise<number> {
  const text = await (await fetch(`${metricsUrl}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

before(async () => {
  pipeline = await startKillablePipeline({ records: RECORDS });
  tenant = await pipeline.registerTenant({
    zendeskPlan: 'team',
    zendeskPlanRpm: ZENDESK_RPM,
    zendeskShare: 1,
    ionRpm: ION_RPM,
  });
  await call('PUT', `${pipeline.zendeskUrl}/__sim/faults`, {
    rules: [
      {
        account: tenant.subdomain,
        path: '^/api/v2/',
        rate: 0.2,
        action: { kind: 'status', status: 429, retryAfterSec: 1 },
      },
      { account: tenant.subdomain, path: '^/api/v2/', rate: 0.1, action: { kind: 'status', status: 503 } },
      { account: tenant.subdomain, path: '^/api/v2/', rate: 0.03, action: { kind: 'revoke-token' } },
    ],
  });
  for (const rule of [
    { kind: 'status', status: 429, rate: 0.2 },
    { kind: 'status', status: 503, rate: 0.1 },
    { kind: 'revoke-token', rate: 0.03 },
  ])
    await call('POST', `${pipeline.cloudSuiteUrl}/__sim/faults`, { ...rule, tenant: tenant.ionTenant });
});

after(async () => {
  await pipeline?.stop();
});

test('under 429, 5xx and revoked-token storms on both APIs every record lands once within budget', {
  timeout: 115_000,
}, async () => {
  const expected = Object.values(tenant.counts).reduce((sum, count) => sum + count, 0);
  // Several runs, records changing in between: the storm lasts, and every run's ION calls go through it.
  const runStatuses: string[] = [];
  for (let run = 0; run < SYNCS; run += 1) {
    if (run > 0)
      for (const entity of ENTITIES)
        await cloudSuiteSim.mutate(pipeline.cloudSuiteUrl, tenant.ionTenant, entity, { change: 3 });
    const request = await adminApi.requestRun(pipeline.api, tenant.tenantId);
    const runId = await waitForRunOfRequest(pipeline.api, request, { timeoutMs: 30_000 });
    assert.ok(runId, 'the extractor took the run request');
    const runDeadline = Date.now() + 30_000;
    let shown = await adminApi.showRun(pipeline.api, runId);
    while (!isRunFinished(shown) && Date.now() < runDeadline) {
      await sleep(500);
      shown = await adminApi.showRun(pipeline.api, runId);
    }
    runStatuses.push(String(shown.status));
  }
  const deadline = Date.now() + 45_000;
  let loaded = 0;
  let stableSince = Date.now();
  while (Date.now() < deadline) {
    const state = await zendeskSim.state(pipeline.zendeskUrl, tenant.subdomain);
    const counts = loadedCountsOf(state, tenant.tenantId, ENTITIES);
    const now = Object.values(counts.perEntity).reduce((sum, count) => sum + count, 0);
    if (now !== loaded) stableSince = Date.now();
    loaded = now;
    if (loaded >= expected && Date.now() - stableSince > 2000) break;
    await sleep(1000);
  }
  const state = await zendeskSim.state(pipeline.zendeskUrl, tenant.subdomain);
  const zendeskLog = (await call('GET', `${pipeline.zendeskUrl}/__sim/requests?account=${tenant.subdomain}`)) as {
    requests: { time: string; status: number; fault: string | null }[];
  };
  const ionLog = (await call('GET', `${pipeline.cloudSuiteUrl}/__sim/requests?tenant=${tenant.ionTenant}`)) as {
    requests: { timestamp: string; status: number; injected: string | null }[];
  };
  const zendeskBusiest = busiestMinute(zendeskLog.requests.map((entry) => Date.parse(entry.time)));
  const ionBusiest = busiestMinute(ionLog.requests.map((entry) => Date.parse(entry.timestamp)));
  const zendeskFaults = zendeskLog.requests.filter((entry) => entry.status === 429 || entry.status >= 500).length;
  const ionFaults = ionLog.requests.filter((entry) => entry.status === 429 || entry.status >= 500).length;
  const loaderRetries = await counterTotal(pipeline.services.loader.metricsUrl, 'mlc_http_retries_total');
  const extractorRetries = await counterTotal(pipeline.services.extractor.metricsUrl, 'mlc_http_retries_total');
  process.stderr.write(
    `storm figures: ${JSON.stringify({
      expected,
      loaded,
      runStatuses,
      duplicates: state.duplicateCount,
      zendesk: { requests: zendeskLog.requests.length, faulted: zendeskFaults, busiestMinute: zendeskBusiest },
      ion: { requests: ionLog.requests.length, faulted: ionFaults, busiestMinute: ionBusiest },
      retries: { loader: loaderRetries, extractor: extractorRetries },
    })}\n`,
  );
  assert.equal(loaded, expected, 'every record landed in Zendesk');
  assert.equal(runStatuses.length, SYNCS, 'every run finished');
  assert.equal(state.duplicateCount, 0);
  assert.ok(zendeskFaults > 0 && ionFaults > 0, 'the storms hit both APIs');
  assert.ok(zendeskBusiest <= ZENDESK_RPM, `Zendesk: ${zendeskBusiest} requests in one minute > ${ZENDESK_RPM}`);
  assert.ok(ionBusiest <= ION_RPM, `ION: ${ionBusiest} requests in one minute > ${ION_RPM}`);
  assert.ok(loaderRetries > 0, 'the loader counted its retries');
  assert.ok(extractorRetries > 0, 'the extractor counted its retries');
});

/**
 * End to end over separate processes: CloudSuite simulator → extractor → Kafka → loader → Zendesk simulator,
 * driven through the admin API the way an operator would.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { adminApi } from '../../packages/cli/src/admin-api-operations.ts';
import { cloudSuiteSim, zendeskSim } from '../../scripts/start/simulator-control.ts';
import { loadedCountsOf, totalWrites } from '../../scripts/start/zendesk-loaded-counts.ts';
import {
  type ConnectorPipeline,
  type E2eTenant,
  ENTITIES,
  startConnectorPipeline,
} from './support/connector-pipeline.ts';

const RECORDS = 300;
const MUTATED = 7;

let pipeline: ConnectorPipeline;
let tenant: E2eTenant;
let failed = false;

before(async () => {
  pipeline = await startConnectorPipeline({ records: RECORDS });
  tenant = await pipeline.registerTenant();
});

after(async () => {
  if (failed && pipeline) process.stderr.write(`\nprocess logs (${pipeline.logDir}):\n${pipeline.logTails()}\n`);
  await pipeline?.stop();
});

async function guarded(body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    failed = true;
    throw error;
  }
}

const invoiceFields = async () => {
  const state = await zendeskSim.state(pipeline.zendeskUrl, tenant.subdomain);
  return new Map(
    (state.customObjectRecords.mlc_invoice ?? []).map((record) => [
      record.external_id,
      JSON.stringify(record.custom_object_fields),
    ]),
  );
};

test('a full run lands every entity in Zendesk, each record once', { timeout: 120_000 }, () =>
  guarded(async () => {
    const outcome = await pipeline.sync(tenant);
    assert.equal(outcome.timedOut, false, 'the sync did not settle in time');
    assert.equal(outcome.run.status, 'succeeded');
    for (const entity of ENTITIES) {
      const row = outcome.rows.find((r) => r.entity === entity);
      assert.ok((tenant.counts[entity] ?? 0) > 0, `the dataset has ${entity} records`);
      assert.equal(row?.published, row?.extracted, `${entity}: every extracted record is published on a first run`);
      assert.ok((row?.extracted ?? 0) > 0, `${entity}: extracted some`);
      assert.equal(outcome.loaded.perEntity[entity], row?.published, `${entity}: every published record is in Zendesk`);
    }
    const state = await zendeskSim.state(pipeline.zendeskUrl, tenant.subdomain);
    assert.equal(state.duplicateCount, 0);
    assert.equal(loadedCountsOf(state, tenant.tenantId, ENTITIES).duplicates, 0);
  }),
);

test(`a second run after changing ${MUTATED} invoices updates exactly those`, { timeout: 120_000 }, () =>
  guarded(async () => {
    const before = await invoiceFields();
    await cloudSuiteSim.mutate(pipeline.cloudSuiteUrl, tenant.ionTenant, 'invoice', { change: MUTATED });
    const outcome = await pipeline.sync(tenant);
    assert.equal(outcome.run.status, 'succeeded');
    const invoice = outcome.rows.find((row) => row.entity === 'invoice');
    assert.equal(invoice?.published, MUTATED);
    for (const row of outcome.rows)
      if (row.entity !== 'invoice') assert.equal(row.published, 0, `${row.entity}: nothing published`);
    const afterRun = await invoiceFields();
    assert.equal(afterRun.size, before.size, 'no invoice record was added');
    const changed = [...afterRun].filter(([externalId, fields]) => before.get(externalId) !== fields);
    assert.equal(changed.length, MUTATED);
  }),
);

test('a replay of unchanged data makes no Zendesk write', { timeout: 120_000 }, () =>
  guarded(async () => {
    const writesBefore = totalWrites(await zendeskSim.state(pipeline.zendeskUrl, tenant.subdomain));
    const replayAt = new Date();
    await adminApi.replay(pipeline.api, tenant.tenantId, { from: 'earliest' });
    const expected = Object.values(tenant.counts).reduce((sum, count) => sum + count, 0);
    const db = new pg.Client({ connectionString: pipeline.schema.connectionString });
    await db.connect();
    let unchanged = 0;
    try {
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline && unchanged < expected) {
        const { rows } = await db.query<{ n: string }>(
          `SELECT count(*) AS n FROM posting_history WHERE tenant_id = $1 AND status = 'unchanged' AND created_at >= $2`,
          [tenant.tenantId, replayAt],
        );
        unchanged = Number(rows[0]?.n ?? 0);
        await sleep(500);
      }
    } finally {
      await db.end();
    }
    assert.ok(unchanged > 0, 'the loader re-read the change events (postings recorded as unchanged)');
    const writesAfter = totalWrites(await zendeskSim.state(pipeline.zendeskUrl, tenant.subdomain));
    assert.equal(writesAfter - writesBefore, 0);
  }),
);

test('a paused tenant is not extracted, on schedule or on request', { timeout: 120_000 }, () =>
  guarded(async () => {
    const paused = await pipeline.registerTenant({ paused: true, scheduleCron: '*/2 * * * * *' });
    await assert.rejects(adminApi.requestRun(pipeline.api, paused.tenantId), { code: 'MLC_CONFLICT' });
    await sleep(6000);
    const calls = await cloudSuiteSim.requests(pipeline.cloudSuiteUrl, paused.ionTenant);
    assert.equal(calls.requests.length, 0, 'no CloudSuite call for a paused tenant');
    assert.deepEqual(await adminApi.listRuns(pipeline.api, paused.tenantId), []);
    // The same tenant resumed is extracted on that schedule: the quiet above was the pause, not a dead scheduler.
    await adminApi.resumeTenant(pipeline.api, paused.tenantId);
    const deadline = Date.now() + 30_000;
    let runs: Record<string, unknown>[] = [];
    while (Date.now() < deadline && runs.length === 0) {
      await sleep(1000);
      runs = await adminApi.listRuns(pipeline.api, paused.tenantId);
    }
    assert.ok(runs.length > 0, 'a resumed tenant runs on its schedule');
  }),
);

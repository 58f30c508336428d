import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ChangeEvent } from '@mlc/common/entities';
import { AUDIT_TOPIC } from '@mlc/common/topics';
import type { RunningLoader } from '@mlc/loader/loader-service';
import { buildZendeskSimulator, type ZendeskSimulator } from '@mlc/simulators/zendesk/zendesk-simulator';
import {
  addTenant,
  createLoaderStack,
  customerEvent,
  glAccountEvent,
  invoiceEvent,
  type LoaderStack,
  postingCount,
  produceChanges,
  readTopic,
  sendReplay,
  startInProcess,
  supplierEvent,
  waitFor,
  waitForCommitted,
} from './loader-kafka-harness.ts';

const TENANT = 'bulkco';
let simulator: ZendeskSimulator;
let stack: LoaderStack;
let loader: RunningLoader;
let events: ChangeEvent[];
/** Postings one full pass over the events makes: suppliers have one contact each. */
let postingsPerPass: number;
let loadStats: { events: number; postings: number; seconds: number; zendeskRequests: number };

function writes(): number {
  return simulator.requestLog.entries({ account: TENANT }).filter((entry) => entry.method !== 'GET').length;
}

before(async () => {
  simulator = buildZendeskSimulator({});
  await simulator.listen();
  stack = await createLoaderStack('loader_load');
  await addTenant(stack, simulator, TENANT);
  loader = await startInProcess(stack);
  events = [];
  for (let n = 0; n < 2000; n++) events.push(supplierEvent(TENANT, n));
  for (let n = 0; n < 2000; n++) events.push(customerEvent(TENANT, n));
  for (let n = 0; n < 3000; n++) events.push(invoiceEvent(TENANT, n, n % 2000));
  for (let n = 0; n < 3000; n++) events.push(glAccountEvent(TENANT, n));
  postingsPerPass = events.length + 2000;
  const started = performance.now();
  await produceChanges(stack, events);
  await waitFor('the full load', async () => (await postingCount(stack, TENANT)) >= postingsPerPass, 120_000);
  // posting_history is written a moment before the audit topic: the commit follows both.
  await waitForCommitted(stack);
  loadStats = {
    events: events.length,
    postings: postingsPerPass,
    seconds: (performance.now() - started) / 1000,
    zendeskRequests: simulator.requestLog.entries({ account: TENANT }).length,
  };
});

after(async () => {
  await loader?.stop();
  await stack?.close();
  await simulator?.close();
});

test('10,000 change events from Kafka land exactly once, in bulk', async () => {
  const view = simulator.inspect(TENANT)!;
  assert.equal(view.duplicateCount, 0);
  assert.equal(view.organizations.length, 2000);
  assert.equal(view.users.filter((user) => user.external_id !== null).length, 4000);
  assert.equal(view.customObjectRecords.mlc_invoice?.length, 3000);
  assert.equal(view.customObjectRecords.mlc_gl_account?.length, 3000);
  const invoice = view.customObjectRecords.mlc_invoice?.find(
    (record) => record.external_id === `mlc:${TENANT}:invoice:S7:INV7:2026`,
  );
  const organization = view.organizations.find((org) => org.external_id === `mlc:${TENANT}:supplier:S7`);
  assert.equal(String(invoice?.custom_object_fields.organization), String(organization?.id));
  assert.equal(await postingCount(stack, TENANT, 'applied'), postingsPerPass);
  const requestsPerRecord = loadStats.zendeskRequests / loadStats.postings;
  console.log(
    JSON.stringify({
      ...loadStats,
      recordsPerSecond: Math.round(loadStats.postings / loadStats.seconds),
      requestsPerRecord: Number(requestsPerRecord.toFixed(4)),
    }),
  );
  // Organizations need a lookup before create/update, so the mix costs a little over the 0.02 of pure bulk.
  assert.ok(requestsPerRecord <= 0.03, `requests per record ${requestsPerRecord}`);
  let metrics = '';
  // Counted once the batch's audit records are produced too, a moment after posting_history has them.
  await waitFor(
    'the metrics',
    async () => {
      metrics = await fetch(`http://127.0.0.1:${loader.metricsPort}/metrics`).then((response) => response.text());
      return /mlc_records_total\{service="loader",entity="invoice",outcome="applied"\} 3000\n/.test(metrics);
    },
    10_000,
  );
  assert.ok(/mlc_loader_zendesk_requests_total\{endpoint="custom_objects\/jobs",status="201"\} \d+/.test(metrics));
  const ready = await fetch(`http://127.0.0.1:${loader.metricsPort}/readyz`);
  assert.equal(ready.status, 200);
});

test('the audit topic holds the latest posting state of every record and target', async () => {
  const audit = await readTopic(stack, AUDIT_TOPIC);
  const latest = new Map<string, { status: string; zendeskId: string | null }>();
  for (const message of audit) latest.set(message.key, message.value as { status: string; zendeskId: string | null });
  assert.equal(latest.size, postingsPerPass);
  const statuses = new Set([...latest.values()].map((record) => record.status));
  assert.ok(
    [...statuses].every((status) => status === 'applied' || status === 'unchanged'),
    [...statuses].join(),
  );
  assert.ok([...latest.values()].every((record) => record.zendeskId !== null && record.zendeskId !== ''));
});

test('a replay from earliest through the control topic makes no Zendesk write; with force it rewrites without duplicates', async () => {
  const writesBefore = writes();
  const unchangedBefore = await postingCount(stack, TENANT, 'unchanged');
  await sendReplay(stack, { tenantId: TENANT });
  await waitFor(
    'the replay',
    async () => (await postingCount(stack, TENANT, 'unchanged')) >= unchangedBefore + postingsPerPass,
    60_000,
  );
  assert.equal(writes() - writesBefore, 0);

  const appliedBefore = await postingCount(stack, TENANT, 'applied');
  await sendReplay(stack, { tenantId: TENANT, entity: 'gl-account', force: true });
  await waitFor(
    'the forced replay',
    async () => (await postingCount(stack, TENANT, 'applied')) >= appliedBefore + 3000,
    60_000,
  );
  const forcedWrites = simulator.requestLog
    .entries({ account: TENANT })
    .slice(-200)
    .filter((entry) => entry.path.includes('mlc_gl_account/jobs')).length;
  assert.ok(forcedWrites >= 30, `forced bulk jobs ${forcedWrites}`);
  assert.equal(await postingCount(stack, TENANT, 'applied'), appliedBefore + 3000);
  const view = simulator.inspect(TENANT)!;
  assert.equal(view.duplicateCount, 0);
  assert.equal(view.customObjectRecords.mlc_gl_account?.length, 3000);
});

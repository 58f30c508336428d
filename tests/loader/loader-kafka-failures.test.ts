import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { DeadLetter } from '@mlc/common/dead-letter';
import { AUDIT_TOPIC, changeEventKey, changeTopic, DLQ_TOPIC } from '@mlc/common/topics';
import type { RunningLoader } from '@mlc/loader/loader-service';
import { buildZendeskSimulator, type ZendeskSimulator } from '@mlc/simulators/zendesk/zendesk-simulator';
import {
  addTenant,
  createLoaderStack,
  glAccountEvent,
  invoiceEvent,
  type LoaderStack,
  postingCount,
  produceChanges,
  readTopic,
  startInProcess,
  supplierEvent,
  waitFor,
} from './loader-kafka-harness.ts';

let simulator: ZendeskSimulator;
let stack: LoaderStack;
let loader: RunningLoader;

before(async () => {
  simulator = buildZendeskSimulator({});
  await simulator.listen();
  stack = await createLoaderStack('loader_fail');
  await addTenant(stack, simulator, 'poison');
  // The account allows 4 requests per second; the tenant's stored plan claims far more (as when other
  // clients use the same account): the loader learns the real limit from 429s and Retry-After.
  await addTenant(stack, simulator, 'throttled', {
    account: { rpm: 4, rateLimitWindowMs: 1000 },
    zendeskRpm: 600,
    zendeskShare: 1,
  });
  await addTenant(stack, simulator, 'budget', { zendeskRpm: 200, zendeskShare: 0.3 });
  loader = await startInProcess(stack, { LOADER_DEPENDENCY_WAIT_MS: '200', LOADER_MAX_ATTEMPTS: '10' });
});

after(async () => {
  await loader?.stop();
  await stack?.close();
  await simulator?.close();
});

test('an invoice Zendesk refuses (422) goes to the DLQ and is audited failed while the rest of the batch lands', async () => {
  const events = [
    ...Array.from({ length: 5 }, (_, n) => supplierEvent('poison', n, false)),
    ...Array.from({ length: 20 }, (_, n) => invoiceEvent('poison', n, n % 5)),
    // Its supplier does not exist: the organization lookup cannot resolve.
    invoiceEvent('poison', 999, 12345),
  ];
  await produceChanges(stack, events.slice(0, 5));
  await waitFor('the suppliers', async () => (await postingCount(stack, 'poison', 'applied')) >= 5);
  await produceChanges(stack, events.slice(5));
  await waitFor('the invoices', async () => (await postingCount(stack, 'poison')) >= events.length);
  assert.equal(await postingCount(stack, 'poison', 'applied'), 25);
  assert.equal(simulator.inspect('poison')!.customObjectRecords.mlc_invoice?.length, 20);

  const dlq = (await readTopic(stack, DLQ_TOPIC)).filter((message) => message.key.startsWith('poison|'));
  assert.equal(dlq.length, 1);
  const deadLetter = dlq[0]!.value as DeadLetter;
  assert.equal(deadLetter.naturalKey, 'S12345:INV999:2026');
  assert.equal(deadLetter.errorCode, 'MLC_ZENDESK_ITEM_FAILED');
  assert.match(deadLetter.reason, /does not reference an existing record/);
  // The dead letter carries the change event as it was consumed, and where it was.
  const poisonEvent = events.at(-1)!;
  assert.equal(deadLetter.originalKey, changeEventKey('poison', 'invoice', 'S12345:INV999:2026'));
  assert.deepEqual(await stack.codec.decodeChangeEvent(deadLetter.originalValue!), poisonEvent);
  assert.equal(deadLetter.sourceTopic, changeTopic('invoice'));
  assert.ok(deadLetter.sourcePartition >= 0 && BigInt(deadLetter.sourceOffset) >= 0n);

  const audit = (await readTopic(stack, AUDIT_TOPIC)).filter((message) =>
    message.key.startsWith('poison|invoice|S12345'),
  );
  const latest = audit.at(-1)?.value as { status: string; lastError: string | null };
  assert.equal(latest.status, 'failed');
  assert.match(latest.lastError ?? '', /organization/);

  // Once the supplier exists, re-producing the dead letter's original record to its topic posts it.
  await produceChanges(stack, [supplierEvent('poison', 12345, false)]);
  await waitFor('the missing supplier', async () => (await postingCount(stack, 'poison', 'applied')) >= 26);
  await stack.producer.send({
    topic: `${stack.prefix}${deadLetter.sourceTopic}`,
    acks: -1,
    messages: [{ key: deadLetter.originalKey, value: deadLetter.originalValue }],
  });
  await waitFor('the retried invoice', async () => (await postingCount(stack, 'poison', 'applied')) >= 27);
  assert.equal(simulator.inspect('poison')!.customObjectRecords.mlc_invoice?.length, 21);
});

test('429 answers are honoured: after each one the tenant sends nothing until Retry-After has passed, and everything lands', async () => {
  // The loader pauses as soon as X-Rate-Limit-Remaining reaches 0, so the account answers 429 only to a
  // request sent while the answer that spent the window was still on its way. With quick answers that
  // overlap depends on the machine's speed; answers slower (300 ms) than the budget's pace (one request
  // per 100 ms) make it certain: some request is always in flight when the fourth of a window is answered.
  simulator.faults.setRules([{ account: 'throttled', path: '^/api/v2/', action: { kind: 'delay', ms: 300 } }]);
  // Enough records that the writes alone (job polls are shared, one per round) outrun 4 requests a second.
  const events = Array.from({ length: 1500 }, (_, n) => glAccountEvent('throttled', n));
  try {
    await produceChanges(stack, events);
    await waitFor(
      'the throttled load',
      async () => (await postingCount(stack, 'throttled', 'applied')) >= 1500,
      90_000,
    );
  } finally {
    simulator.faults.setRules([]);
  }
  const log = simulator.requestLog.entries({ account: 'throttled' });
  const throttled = log.filter((entry) => entry.status === 429);
  assert.ok(throttled.length > 0, 'the account limit was never reached: the test proves nothing');
  for (const refusal of throttled) {
    const answeredAt = Date.parse(refusal.time) + refusal.durationMs;
    // The simulator's Retry-After is at least 1 s. Requests granted before the 429 was read are not recalled,
    // and client and simulator share one event loop, so a request can reach the simulator late: 200 ms grace.
    const early = log.filter((entry) => {
      const startedAt = Date.parse(entry.time);
      return startedAt > answeredAt + 200 && startedAt < answeredAt + 950;
    });
    assert.deepEqual(early, [], `requests within Retry-After of the 429 at ${refusal.time}`);
  }
  const view = simulator.inspect('throttled')!;
  assert.equal(view.duplicateCount, 0);
  assert.equal(view.customObjectRecords.mlc_gl_account?.length, 1500);
});

test("a tenant's requests stay within its budget (plan rpm × share) in every 60 s window", async () => {
  const budget = Math.floor(200 * 0.3);
  const events = Array.from({ length: 600 }, (_, n) => glAccountEvent('budget', n));
  await produceChanges(stack, events);
  await waitFor('the budgeted load', async () => (await postingCount(stack, 'budget', 'applied')) >= 600, 60_000);
  const times = simulator.requestLog
    .entries({ account: 'budget' })
    .map((entry) => Date.parse(entry.time))
    .sort((a, b) => a - b);
  for (let i = 0; i < times.length; i++) {
    const inWindow = times.filter((time) => time >= times[i]! && time < times[i]! + 60_000).length;
    assert.ok(inWindow <= budget, `${inWindow} requests in the 60 s from ${new Date(times[i]!).toISOString()}`);
  }
  // Bucket of 2 s' worth: the first second may burst to it, later seconds get the steady rate.
  const firstSecond = times.filter((time) => time < times[0]! + 1000).length;
  assert.ok(firstSecond <= Math.ceil((budget / 60) * 2) + 1, `${firstSecond} requests in the first second`);
});

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { changeTopic } from '@mlc/common/topics';
import type { RunningLoader } from '@mlc/loader/loader-service';
import { buildZendeskSimulator, type ZendeskSimulator } from '@mlc/simulators/zendesk/zendesk-simulator';
import {
  addTenant,
  createLoaderStack,
  glAccountEvent,
  type LoaderStack,
  postingCount,
  produceChanges,
  startInProcess,
  waitFor,
} from './loader-kafka-harness.ts';

const TENANT = 'drainco';
let simulator: ZendeskSimulator;
let stack: LoaderStack;
let loader: RunningLoader | undefined;

before(async () => {
  simulator = buildZendeskSimulator({});
  await simulator.listen();
  stack = await createLoaderStack('loader_drain');
  await addTenant(stack, simulator, TENANT);
});

after(async () => {
  await loader?.stop();
  await stack?.close();
  await simulator?.close();
});

/** The group's committed offset and the log end of every partition of a change topic that holds records. */
async function commitStanding(topic: string): Promise<{ partition: number; committed: string; high: string }[]> {
  const admin = stack.kafka.admin();
  await admin.connect();
  try {
    const [committed] = await admin.fetchOffsets({ groupId: stack.groupId, topics: [topic] });
    const ends = await admin.fetchTopicOffsets(topic);
    return ends
      .filter((end) => end.high !== end.low)
      .map((end) => ({
        partition: end.partition,
        high: end.high,
        committed: committed?.partitions.find((p) => p.partition === end.partition)?.offset ?? '-1',
      }));
  } finally {
    await admin.disconnect();
  }
}

test('stopping the loader while a batch is in flight drains it and commits its offsets before leaving', async () => {
  // Jobs answered slowly keep the batch in flight when stop() is called.
  simulator.faults.setRules([{ account: TENANT, path: '/jobs', action: { kind: 'delay', ms: 2000 } }]);
  loader = await startInProcess(stack);
  await waitFor('the consumer to join', () => loader!.ready(), 30_000);
  await produceChanges(
    stack,
    Array.from({ length: 200 }, (_, n) => glAccountEvent(TENANT, n)),
  );
  // The token is fetched at the tenant's first write: from then on the batch waits on the slow jobs.
  await waitFor(
    'the first Zendesk call',
    () => simulator.requestLog.entries({ account: TENANT }).some((entry) => entry.path.includes('oauth')),
    30_000,
  );
  await sleep(200);
  assert.equal(await postingCount(stack, TENANT), 0, 'the batch finished before stop(): the test proves nothing');

  const running = loader;
  loader = undefined;
  await running.stop();

  assert.equal(await postingCount(stack, TENANT, 'applied'), 200);
  const standing = await commitStanding(`${stack.prefix}${changeTopic('gl-account')}`);
  assert.equal(standing.length, 1);
  for (const { partition, committed, high } of standing) {
    assert.equal(committed, high, `partition ${partition}: committed ${committed}, log end ${high}`);
  }
});

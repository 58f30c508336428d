import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { buildZendeskSimulator, type ZendeskSimulator } from '@mlc/simulators/zendesk/zendesk-simulator';
import {
  addTenant,
  createLoaderStack,
  glAccountEvent,
  type LoaderStack,
  postingCount,
  produceChanges,
  supplierEvent,
  waitFor,
} from './loader-kafka-harness.ts';

const MAIN = fileURLToPath(new URL('../../services/loader/src/main.ts', import.meta.url));
const TENANT = 'crashco';
let simulator: ZendeskSimulator;
let stack: LoaderStack;
const children: ChildProcess[] = [];

/** The loader as it runs in production: its own process, configured by environment only. */
function startLoaderProcess(): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', '--disable-warning=TimeoutNegativeWarning', MAIN], {
    env: { ...process.env, ...stack.env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(child);
  return child;
}

before(async () => {
  simulator = buildZendeskSimulator({});
  await simulator.listen();
  stack = await createLoaderStack('loader_crash');
  await addTenant(stack, simulator, TENANT);
});

after(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await stack?.close();
  await simulator?.close();
});

test('a loader killed (SIGKILL) mid-load and restarted leaves the exact final state without duplicates', async () => {
  // Slow jobs keep batches in flight long enough to be killed in the middle of one.
  simulator.faults.setRules([{ account: TENANT, path: '/jobs|_many', action: { kind: 'delay', ms: 150 } }]);
  const events = [
    ...Array.from({ length: 1500 }, (_, n) => supplierEvent(TENANT, n)),
    ...Array.from({ length: 1500 }, (_, n) => glAccountEvent(TENANT, n)),
  ];
  const expected = 1500 * 3;
  await produceChanges(stack, events);
  const first = startLoaderProcess();
  await waitFor('the first postings', async () => (await postingCount(stack, TENANT)) >= 300, 60_000);
  first.kill('SIGKILL');
  await once(first, 'exit');
  const beforeRestart = await postingCount(stack, TENANT, 'applied');
  assert.ok(beforeRestart < expected, 'the load finished before the kill: the test proves nothing');

  simulator.faults.setRules([]);
  const second = startLoaderProcess();
  await waitFor(
    'every record applied',
    async () => {
      const { rows } = await stack.pool.query<{ n: string }>(
        `SELECT count(DISTINCT (entity, natural_key, zendesk_target)) AS n FROM posting_history
          WHERE tenant_id = $1 AND status = 'applied'`,
        [TENANT],
      );
      return Number(rows[0]?.n) >= expected;
    },
    90_000,
  );
  const view = simulator.inspect(TENANT)!;
  assert.equal(view.duplicateCount, 0);
  assert.equal(view.organizations.length, 1500);
  assert.equal(view.users.filter((user) => user.external_id !== null).length, 1500);
  assert.equal(view.customObjectRecords.mlc_gl_account?.length, 1500);
  const { rows } = await stack.pool.query<{ status: string; n: string }>(
    'SELECT status, count(*) AS n FROM posting_history WHERE tenant_id = $1 GROUP BY status',
    [TENANT],
  );
  console.log(
    JSON.stringify({
      appliedBeforeKill: beforeRestart,
      postings: Object.fromEntries(rows.map((r) => [r.status, Number(r.n)])),
    }),
  );
  assert.ok(rows.every((row) => row.status === 'applied' || row.status === 'unchanged'));

  // SIGTERM drains and commits: the process exits 0 and a new one has nothing left to write.
  second.kill('SIGTERM');
  const [code] = await once(second, 'exit');
  assert.equal(code, 0);
  const writesBefore = simulator.requestLog
    .entries({ account: TENANT })
    .filter((entry) => entry.method !== 'GET').length;
  const third = startLoaderProcess();
  await new Promise((resolve) => setTimeout(resolve, 8000));
  third.kill('SIGTERM');
  await once(third, 'exit');
  const writesAfter = simulator.requestLog
    .entries({ account: TENANT })
    .filter((entry) => entry.method !== 'GET').length;
  assert.equal(writesAfter - writesBefore, 0);
  assert.equal(await postingCount(stack, TENANT), Number(rows.reduce((sum, row) => sum + Number(row.n), 0)));
});

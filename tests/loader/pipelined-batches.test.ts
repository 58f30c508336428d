import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ChangeEvent } from '@mlc/common/entities';
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
  waitForCommitted,
} from './loader-kafka-harness.ts';

const TENANT = 'pipelined';
const ACCOUNTS = 300;
const VERSIONS = 10;
let simulator: ZendeskSimulator;
let stack: LoaderStack;
let loader: RunningLoader;

/** Version `version` of GL account `n`: the description names the version Zendesk must end with. */
function version(n: number, version: number): ChangeEvent {
  return {
    ...glAccountEvent(TENANT, n),
    payload: {
      accountNumber: `GL${n}`,
      description: `Account ${n} v${version}`,
      accountType: null,
      division: null,
      status: null,
    },
    contentHash: `gl-${n}-v${version}`,
  };
}

before(async () => {
  simulator = buildZendeskSimulator({});
  await simulator.listen();
  stack = await createLoaderStack('loader_pipelined');
  await addTenant(stack, simulator, TENANT, { account: { jobQueuedMs: 20, jobWorkingMs: 20 } });
  // Half the bulk writes reach Zendesk late, so a later batch's job can overtake an earlier batch's.
  simulator.faults.setRules([
    { account: TENANT, path: '^/api/v2/custom_objects/[^/]+/jobs', rate: 0.5, action: { kind: 'delay', ms: 300 } },
  ]);
  loader = await startInProcess(stack, {
    LOADER_BATCHES_IN_FLIGHT: '8',
    LOADER_MAX_RECORDS_IN_FLIGHT: '5000',
    LOADER_LINGER_MS: '5',
    LOADER_CONCURRENCY: '2',
  });
});

after(async () => {
  await loader?.stop();
  await stack?.close();
  await simulator?.close();
});

test('versions of the same records in consecutive batches in flight reach Zendesk in order: the last one wins', async () => {
  for (let v = 1; v <= VERSIONS; v++) {
    // One send per version, apart enough to be fetched as batches of their own while the earlier ones run.
    await produceChanges(
      stack,
      Array.from({ length: ACCOUNTS }, (_, n) => version(n, v)),
    );
    await sleep(40);
  }
  await waitForCommitted(stack, 120_000);
  await waitFor('every version posted', async () => (await postingCount(stack, TENANT)) >= ACCOUNTS, 60_000);
  const records = simulator.inspect(TENANT)!.customObjectRecords.mlc_gl_account ?? [];
  assert.equal(records.length, ACCOUNTS);
  const stale = records.filter((record) => !JSON.stringify(record.custom_object_fields).includes(` v${VERSIONS}"`));
  assert.deepEqual(
    stale.map((record) => record.external_id),
    [],
  );
  assert.equal(simulator.inspect(TENANT)!.duplicateCount, 0);
  // Each record's last posting is its last version, applied.
  const { rows } = await stack.pool.query<{ applied_hash: string }>(
    'SELECT applied_hash FROM posting_state WHERE tenant_id = $1',
    [TENANT],
  );
  assert.equal(rows.length, ACCOUNTS);
  assert.deepEqual(
    rows.filter((row) => !row.applied_hash.endsWith(`-v${VERSIONS}`)),
    [],
  );
});

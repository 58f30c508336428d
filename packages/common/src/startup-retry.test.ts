import assert from 'node:assert/strict';
import { test } from 'node:test';
import { retryUntilDeadline } from './startup-retry.ts';

test('a dependency that answers on the third try is waited for', async () => {
  let calls = 0;
  const failure = await retryUntilDeadline(
    async () => {
      calls += 1;
      if (calls < 3) throw new Error('refused');
    },
    { timeoutMs: 10_000, what: 'test' },
  );
  assert.equal(failure, undefined);
  assert.equal(calls, 3);
});

test('a dependency that never answers is given up on after the timeout, with the last error', async () => {
  const started = Date.now();
  const failure = await retryUntilDeadline(
    async () => {
      throw new Error('still refused');
    },
    { timeoutMs: 1_000, what: 'test' },
  );
  assert.ok(Date.now() - started < 3_000, 'bounded by the timeout');
  assert.ok(failure !== undefined, 'gave up');
  assert.ok(failure.attempts >= 2);
  assert.equal((failure.lastError as Error).message, 'still refused');
});

test('an error that waiting cannot cure ends the retries at once', async () => {
  let calls = 0;
  const failure = await retryUntilDeadline(
    async () => {
      calls += 1;
      throw new Error(calls === 1 ? 'refused' : 'bad credentials');
    },
    { timeoutMs: 60_000, what: 'test', isPermanent: (error) => (error as Error).message === 'bad credentials' },
  );
  assert.equal(calls, 2);
  assert.ok(failure !== undefined, 'gave up');
  assert.equal(failure.attempts, 2);
  assert.equal((failure.lastError as Error).message, 'bad credentials');
});

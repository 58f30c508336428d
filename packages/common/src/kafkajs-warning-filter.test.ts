import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import {
  dropKafkajsNegativeTimeoutWarning,
  isKafkajsNegativeTimeoutWarning,
  KAFKAJS_NEGATIVE_TIMEOUT_WARNING,
  type WarningEmitter,
  warningName,
} from './kafkajs-warning-filter.ts';

const KAFKAJS_STACK = `Error
    at new Timeout (node:internal/timers:233:17)
    at setTimeout (node:timers:125:19)
    at RequestQueue.scheduleCheckPendingRequests (/app/node_modules/kafkajs/src/network/requestQueue/index.js:317:37)`;
const OWN_STACK = `Error
    at new Timeout (node:internal/timers:233:17)
    at setTimeout (node:timers:125:19)
    at pollLater (/app/services/loader/src/poller.ts:12:3)`;

test('the predicate matches the negative-timeout warning only when kafkajs scheduled the timer', () => {
  assert.equal(
    isKafkajsNegativeTimeoutWarning(KAFKAJS_NEGATIVE_TIMEOUT_WARNING, () => KAFKAJS_STACK),
    true,
  );
  assert.equal(
    isKafkajsNegativeTimeoutWarning(KAFKAJS_NEGATIVE_TIMEOUT_WARNING, () => OWN_STACK),
    false,
  );
  assert.equal(
    isKafkajsNegativeTimeoutWarning('TimeoutOverflowWarning', () => KAFKAJS_STACK),
    false,
  );
  assert.equal(
    isKafkajsNegativeTimeoutWarning('DeprecationWarning', () => KAFKAJS_STACK),
    false,
  );
  let stackTaken = false;
  isKafkajsNegativeTimeoutWarning('ExperimentalWarning', () => {
    stackTaken = true;
    return KAFKAJS_STACK;
  });
  assert.equal(stackTaken, false, 'other warnings never pay for a stack trace');
});

test('the warning name is read from every emitWarning call form', () => {
  const error = new Error('x');
  error.name = 'CustomWarning';
  assert.equal(warningName(error, undefined), 'CustomWarning');
  assert.equal(warningName('x', 'TimeoutNegativeWarning'), 'TimeoutNegativeWarning');
  assert.equal(warningName('x', { type: 'DeprecationWarning', code: 'DEP0001' }), 'DeprecationWarning');
  assert.equal(warningName('x', undefined), 'Warning');
  assert.equal(warningName('x', null), 'Warning');
});

test('with the filter installed, other warnings and our own negative-timeout warnings pass through unchanged', () => {
  const passed: unknown[][] = [];
  const emitter: WarningEmitter = {
    emitWarning: ((...args: unknown[]) => {
      passed.push(args);
    }) as WarningEmitter['emitWarning'],
  };
  dropKafkajsNegativeTimeoutWarning(emitter);
  dropKafkajsNegativeTimeoutWarning(emitter);
  const custom = new Error('as an Error');
  custom.name = 'FilterTestWarning';
  const calls: unknown[][] = [
    ['ours', KAFKAJS_NEGATIVE_TIMEOUT_WARNING],
    ['other', 'FilterTestWarning'],
    ['with options', { type: 'FilterTestWarning', code: 'MLC_TEST' }],
    [custom],
  ];
  for (const args of calls) (emitter.emitWarning as (...args: unknown[]) => void)(...args);
  assert.deepEqual(passed, calls, 'each warning passed once, arguments untouched (installing twice wraps once)');
});

/**
 * Runs kafkajs's real request queue in a fresh process (Node warns about a negative timeout once per
 * process, so this cannot share one with other tests) and returns what Node printed to stderr.
 */
async function stderrOfKafkajsQueueCheck(withFilter: boolean): Promise<string> {
  const filterModule = new URL('./kafkajs-warning-filter.ts', import.meta.url).href;
  const script = `
    import { createRequire } from 'node:module';
    const { dropKafkajsNegativeTimeoutWarning } = await import(${JSON.stringify(filterModule)});
    if (${withFilter}) dropKafkajsNegativeTimeoutWarning();
    const RequestQueue = createRequire(${JSON.stringify(filterModule)})('kafkajs/src/network/requestQueue/index.js');
    const logger = { debug() {}, info() {}, warn() {}, error() {} };
    const queue = new RequestQueue({ maxInFlightRequests: null, requestTimeout: 30000, enforceRequestTimeout: true,
      clientId: 'warning-filter-test', broker: '127.0.0.1:1', logger });
    // What kafkajs runs after every broker response.
    queue.checkPendingRequests();
    queue.destroy();
    process.emitWarning('still printed', 'FilterTestWarning');
  `;
  const { NODE_OPTIONS: _ignored, ...env } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '--eval', script], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const [code] = await once(child, 'close');
  assert.equal(code, 0, stderr);
  return stderr;
}

test("kafkajs's own negative timeout warns without the filter and is silent with it; other warnings still print", async () => {
  const without = await stderrOfKafkajsQueueCheck(false);
  assert.match(
    without,
    /TimeoutNegativeWarning: -\d+ is a negative number/,
    'kafkajs no longer warns: drop the filter',
  );
  const filtered = await stderrOfKafkajsQueueCheck(true);
  assert.doesNotMatch(filtered, /TimeoutNegativeWarning/);
  assert.match(filtered, /FilterTestWarning: still printed/);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  backoffDelayMs,
  DEFAULT_RETRY_POLICY,
  parseRetryAfter,
  retryPolicy,
  retryReasonForError,
  retryReasonForStatus,
} from './retry-policy.ts';

const NOW = Date.parse('2025-03-01T12:00:00Z');

test('Retry-After in delta-seconds becomes milliseconds', () => {
  assert.equal(parseRetryAfter('30', NOW), 30_000);
  assert.equal(parseRetryAfter(' 0 ', NOW), 0);
  assert.equal(parseRetryAfter('1.5', NOW), 1500);
  assert.equal(parseRetryAfter(['7', '9'], NOW), 7000);
});

test('Retry-After as an HTTP-date is the time left until it, never negative', () => {
  assert.equal(parseRetryAfter(new Date(NOW + 45_000).toUTCString(), NOW), 45_000);
  assert.equal(parseRetryAfter('Sat, 01 Mar 2025 11:59:00 GMT', NOW), 0);
});

test('an absent or unparseable Retry-After is undefined, so backoff applies', () => {
  for (const value of [undefined, '', '  ', '-5', 'soon', '12abc', 'Tomorrow']) {
    assert.equal(parseRetryAfter(value, NOW), undefined, String(value));
  }
});

test('backoff uses full jitter under an exponentially growing, capped ceiling', () => {
  const policy = retryPolicy({ baseDelayMs: 100, maxDelayMs: 1000 });
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6].map((retry) => backoffDelayMs(retry, policy, () => 0.999999)),
    [99, 199, 399, 799, 999, 999],
  );
  assert.equal(
    backoffDelayMs(3, policy, () => 0),
    0,
  );
  for (let i = 0; i < 1000; i++) {
    const delay = backoffDelayMs(4, policy);
    assert.ok(delay >= 0 && delay < 800);
  }
});

test('429 and 502/503/504 are retryable; other statuses are not', () => {
  const policy = DEFAULT_RETRY_POLICY;
  assert.equal(retryReasonForStatus(429, policy), 'rate_limited');
  for (const status of [502, 503, 504]) assert.equal(retryReasonForStatus(status, policy), 'server_error');
  for (const status of [200, 400, 401, 403, 404, 409, 422, 500, 501]) {
    assert.equal(retryReasonForStatus(status, policy), undefined, String(status));
  }
  assert.equal(retryReasonForStatus(500, retryPolicy({ retryStatuses: [500] })), 'server_error');
});

test('timeouts and connection failures are retryable, also when wrapped as a cause; others are not', () => {
  const coded = (code: string) => Object.assign(new Error(code), { code });
  assert.equal(retryReasonForError(coded('UND_ERR_HEADERS_TIMEOUT')), 'timeout');
  assert.equal(retryReasonForError(Object.assign(new Error('x'), { name: 'TimeoutError' })), 'timeout');
  assert.equal(retryReasonForError(coded('ECONNRESET')), 'connection');
  assert.equal(retryReasonForError(new TypeError('fetch failed', { cause: coded('ECONNREFUSED') })), 'connection');
  assert.equal(retryReasonForError(coded('ENOTFOUND')), undefined);
  assert.equal(retryReasonForError(coded('ERR_TLS_CERT_ALTNAME_INVALID')), undefined);
  assert.equal(retryReasonForError('not an error'), undefined);
});

test('retryPolicy rejects nonsensical settings', () => {
  assert.throws(() => retryPolicy({ maxAttempts: 0 }), RangeError);
  assert.throws(() => retryPolicy({ baseDelayMs: -1 }), RangeError);
  assert.equal(retryPolicy({ maxAttempts: 1 }).maxAttempts, 1);
});

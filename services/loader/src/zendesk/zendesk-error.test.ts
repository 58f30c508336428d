import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isPermanentStatus, parseZendeskError, ZendeskRequestError } from './zendesk-error.ts';

test('a 422 RecordInvalid keeps its field details verbatim', () => {
  const details = { email: [{ description: 'Email is invalid', error: 'InvalidFormat' }] };
  const info = parseZendeskError(422, { error: 'RecordInvalid', description: 'Record validation errors', details });
  assert.deepEqual(info, { status: 422, error: 'RecordInvalid', description: 'Record validation errors', details });
});

test('the newer errors list shape is read from its first entry and kept whole', () => {
  const errors = [{ code: 'NotFound', title: 'Not Found', detail: 'Custom object not found' }];
  const info = parseZendeskError(404, { errors });
  assert.equal(info.error, 'NotFound');
  assert.equal(info.description, 'Custom object not found');
  assert.deepEqual(info.details, errors);
});

test('4xx are permanent except 429, 409 and 408; 5xx never are', () => {
  assert.deepEqual([400, 403, 404, 422, 409, 429, 408, 500, 503].map(isPermanentStatus), [
    true,
    true,
    true,
    true,
    false,
    false,
    false,
    false,
    false,
  ]);
});

test('errors carry a stable code per kind of refusal', () => {
  assert.equal(
    new ZendeskRequestError('x', parseZendeskError(401, { error: 'invalid_token' })).code,
    'MLC_ZENDESK_AUTH_FAILED',
  );
  assert.equal(
    new ZendeskRequestError('x', parseZendeskError(403, { error: 'Forbidden' })).code,
    'MLC_ZENDESK_BULK_REJECTED',
  );
  assert.equal(new ZendeskRequestError('x', parseZendeskError(500, 'oops')).code, 'MLC_HTTP_UPSTREAM');
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deadLetterOf } from './audit-publisher.ts';
import type { Posting } from './posting.ts';

function posting(status: Posting['status'], error: Posting['error']): Posting {
  return {
    tenantId: 'acme',
    entity: 'gl-account',
    naturalKey: '1000',
    zendeskTarget: 'custom_object_record:mlc_gl_account',
    objectType: 'custom_object_record',
    externalId: 'mlc:acme:gl-account:1000',
    zendeskId: null,
    status,
    contentHash: 'h',
    attempts: 4,
    error,
    eventId: 'e',
    runId: 'r',
    source: { topic: 'cloudsuite.gl-account.v1', partition: 0, offset: '7' },
    diff: null,
    body: null,
    postedAt: '2026-01-01T00:00:00.000Z',
  };
}

test('a dead letter names our own error code when the posting carries one, else the kind of failure', () => {
  const malformed = {
    status: 200,
    error: 'MLC_ZENDESK_MALFORMED_RESPONSE',
    description: 'the answer was an HTML page, not JSON',
    details: null,
  };
  const letter = deadLetterOf(posting('dead_lettered', malformed));
  assert.equal(letter.errorCode, 'MLC_ZENDESK_MALFORMED_RESPONSE');
  assert.deepEqual(JSON.parse(letter.reason), malformed);
  const refused = { status: 422, error: 'RecordInvalid', description: 'invalid', details: null };
  assert.equal(deadLetterOf(posting('failed', refused)).errorCode, 'MLC_ZENDESK_ITEM_FAILED');
  const exhausted = { status: 503, error: 'HTTP 503', description: '', details: null };
  assert.equal(deadLetterOf(posting('dead_lettered', exhausted)).errorCode, 'MLC_HTTP_RETRIES_EXHAUSTED');
  // Only the catalog's own codes count, not a property every object inherits.
  const lookalike = { status: 422, error: 'toString', description: '', details: null };
  assert.equal(deadLetterOf(posting('failed', lookalike)).errorCode, 'MLC_ZENDESK_ITEM_FAILED');
});

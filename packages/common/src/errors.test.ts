import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ERROR_CATALOG, isMlcError, MlcError } from './errors.ts';

test('an MlcError carries its code, the catalog status, the field and the cause', () => {
  const cause = new Error('socket hang up');
  const error = new MlcError('MLC_IONAPI_MISSING_KEY', 'The .ionapi file has no "pu" key', { field: 'pu', cause });
  assert.ok(error instanceof Error);
  assert.equal(error.name, 'MlcError');
  assert.equal(error.code, 'MLC_IONAPI_MISSING_KEY');
  assert.equal(error.statusCode, 400);
  assert.equal(error.field, 'pu');
  assert.equal(error.cause, cause);
  assert.ok(isMlcError(error, 'MLC_IONAPI_MISSING_KEY'));
  assert.ok(!isMlcError(error, 'MLC_NOT_FOUND'));
  assert.ok(!isMlcError(new Error('plain')));
});

test('a caller may override the status code, e.g. for an upstream answer passed through', () => {
  assert.equal(new MlcError('MLC_HTTP_UPSTREAM', 'Zendesk answered 503', { statusCode: 503 }).statusCode, 503);
});

test('every catalog code is MLC_-prefixed and maps to an HTTP status', () => {
  for (const [code, entry] of Object.entries(ERROR_CATALOG)) {
    assert.match(code, /^MLC_[A-Z_]+$/);
    assert.ok(entry.statusCode >= 400 && entry.statusCode < 600, code);
    assert.ok(entry.description.length > 0, code);
  }
});

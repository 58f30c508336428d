import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isMlcError } from '@mlc/common/errors';
import { miRecords } from './mi-response.ts';

test('records of a successful MI response are returned', () => {
  const body = {
    results: [{ transaction: 'LstSuppliers', records: [{ SUNO: 'S1' }, { SUNO: 'S2' }] }],
    wasTerminated: 'false',
    nrOfSuccessfullTransactions: 1,
    nrOfFailedTransactions: 0,
  };
  assert.deepEqual(miRecords(body, 'CRS620MI/LstSuppliers'), [{ SUNO: 'S1' }, { SUNO: 'S2' }]);
});

test('an MI error inside an HTTP 200 body becomes MLC_MI_ERROR with M3 message and field', () => {
  const body = {
    results: [
      {
        transaction: 'LstSuppliers',
        errorMessage: 'Supplier   XYZ does not exist  ',
        errorType: 'ServerReturnedNOK',
        errorCode: 'WSU0103',
        errorField: 'SUNO',
      },
    ],
    wasTerminated: false,
    nrOfSuccessfullTransactions: 0,
    nrOfFailedTransactions: 1,
  };
  assert.throws(
    () => miRecords(body, 'CRS620MI/LstSuppliers'),
    (e: unknown) =>
      isMlcError(e, 'MLC_MI_ERROR') && e.message.includes('Supplier   XYZ does not exist') && e.field === 'SUNO',
  );
});

test('failed transactions counted as a string are detected', () => {
  assert.throws(
    () => miRecords({ results: [], nrOfFailedTransactions: '1' }, 'X/Y'),
    (e: unknown) => isMlcError(e, 'MLC_MI_ERROR'),
  );
});

test('wasTerminated "true" as a string is a failure and "false" is not', () => {
  assert.throws(
    () => miRecords({ results: [], wasTerminated: 'true', terminationReason: 'timeout' }, 'X/Y'),
    /terminated: timeout/,
  );
  assert.deepEqual(miRecords({ results: [{ records: [] }], wasTerminated: 'false' }, 'X/Y'), []);
});

test('a body that is not an MI response is a malformed answer, not a crash', () => {
  assert.throws(
    () => miRecords('<html>', 'X/Y'),
    (e: unknown) =>
      isMlcError(e, 'MLC_ION_MALFORMED_RESPONSE') && e.message === 'X/Y: the MI response is not a JSON object',
  );
  assert.throws(
    () => miRecords({ foo: 1 }, 'X/Y'),
    (e: unknown) => isMlcError(e, 'MLC_ION_MALFORMED_RESPONSE') && e.message === 'X/Y: the MI response has no results',
  );
});

test('values re-typed on the way (numbers, booleans, null) are read as text or as absent', () => {
  const body = { results: [{ records: [{ SUNO: 4711, STAT: true, SUNM: null, CSCD: 'DE' }] }] };
  assert.deepEqual(miRecords(body, 'CRS620MI/LstSuppliers'), [{ SUNO: '4711', STAT: 'true', CSCD: 'DE' }]);
});

test('a record that is not text fields fails the call as malformed naming the field, never skipped', () => {
  const nested = { results: [{ records: [{ SUNO: 'S1' }, { SUNO: 'S2', SUNM: { '#text': 'Acme' } }] }] };
  assert.throws(
    () => miRecords(nested, 'CRS620MI/LstSuppliers'),
    (e: unknown) =>
      isMlcError(e, 'MLC_ION_MALFORMED_RESPONSE') &&
      e.field === 'SUNM' &&
      e.message === 'CRS620MI/LstSuppliers: results[0].records[1]: SUNM is an object, not text',
  );
  for (const records of [['S1'], [null], 'S1', { SUNO: 'S1' }]) {
    assert.throws(
      () => miRecords({ results: [{ records }] }, 'X/Y'),
      (e: unknown) => isMlcError(e, 'MLC_ION_MALFORMED_RESPONSE'),
      JSON.stringify(records),
    );
  }
});

test('error fields of the wrong type still give an MLC_MI_ERROR, not a TypeError', () => {
  assert.throws(
    () => miRecords({ results: [null, { errorMessage: 42, errorField: ['SUNO'] }], nrOfFailedTransactions: 1 }, 'X/Y'),
    (e: unknown) => isMlcError(e, 'MLC_MI_ERROR') && e.message === 'X/Y: the transaction failed without a message',
  );
});

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

test('a body that is not an MI response is an MI error, not a crash', () => {
  assert.throws(
    () => miRecords('<html>', 'X/Y'),
    (e: unknown) => isMlcError(e, 'MLC_MI_ERROR'),
  );
  assert.throws(
    () => miRecords({ foo: 1 }, 'X/Y'),
    (e: unknown) => isMlcError(e, 'MLC_MI_ERROR'),
  );
});

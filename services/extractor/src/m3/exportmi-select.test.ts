import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exportMiQuery, queryLiteral, splitRepl } from './exportmi-select.ts';

test('REPL rows are split by the separator into the requested columns, trimmed', () => {
  const { rows, malformed } = splitRepl([{ REPL: 'S1 | INV-1|100.50' }], ['EPSUNO', 'EPSINO', 'EPCUAM']);
  assert.deepEqual(rows, [{ EPSUNO: 'S1', EPSINO: 'INV-1', EPCUAM: '100.50' }]);
  assert.deepEqual(malformed, []);
});

test('a REPL with a separator inside a value is reported as malformed, not misaligned', () => {
  const { rows, malformed } = splitRepl([{ REPL: 'S1|IN|V|1' }, { OTHER: 'x' }], ['EPSUNO', 'EPSINO', 'EPCUAM']);
  assert.equal(rows.length, 0);
  assert.equal(malformed.length, 2);
  assert.match(malformed[0]?.reason ?? '', /4 values for 3 columns/);
});

test('a key cursor literal is quoted with embedded quotes doubled', () => {
  assert.equal(queryLiteral("A'B"), "'A''B'");
});

test('the QERY lists columns, table and conditions', () => {
  assert.equal(
    exportMiQuery({ table: 'FPLEDG', columns: ['EPSUNO', 'EPSINO'], conditions: ['EPTRCD = 40', 'EPLMTS > 5'] }),
    'EPSUNO, EPSINO from FPLEDG where EPTRCD = 40 and EPLMTS > 5',
  );
});

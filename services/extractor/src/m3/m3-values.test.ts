import assert from 'node:assert/strict';
import { test } from 'node:test';
import { miDate, miDecimal, miRequiredText, miText, RecordRejection, sumDecimals } from './m3-values.ts';

test('MI text is trimmed and empty becomes null', () => {
  assert.equal(miText('  ACME Corp   ', 'SUNM'), 'ACME Corp');
  assert.equal(miText('   ', 'SUNM'), null);
  assert.equal(miText(undefined, 'SUNM'), null);
});

test('a missing required value is a rejection naming the field', () => {
  assert.throws(
    () => miRequiredText(' ', 'SUNO'),
    (e: unknown) => e instanceof RecordRejection && e.field === 'SUNO',
  );
});

test('a 10 KB string is rejected instead of carried into events', () => {
  assert.throws(() => miText('x'.repeat(10_240), 'SUNM'), RecordRejection);
});

test('MI dates yyyyMMdd become ISO dates and 0 means no date', () => {
  assert.equal(miDate('20240229', 'IVDT'), '2024-02-29');
  assert.equal(miDate('0', 'IVDT'), null);
  assert.equal(miDate('00000000', 'IVDT'), null);
  assert.equal(miDate('', 'IVDT'), null);
  assert.throws(() => miDate('20230229', 'IVDT'), RecordRejection);
  assert.throws(() => miDate('2024-01-01', 'IVDT'), RecordRejection);
});

test('amounts become canonical decimal strings without float rounding', () => {
  assert.equal(miDecimal('0001234.5000', 'CUAM'), '1234.5');
  assert.equal(miDecimal('12345678901234567.89', 'CUAM'), '12345678901234567.89');
  assert.equal(miDecimal('-0.10', 'CUAM'), '-0.1');
  assert.equal(miDecimal('15.00-', 'CUAM'), '-15');
  assert.equal(miDecimal('-0', 'CUAM'), '0');
  assert.equal(miDecimal('', 'CUAM'), '0');
  assert.equal(miDecimal('.5', 'CUAM'), '0.5');
  for (const bad of ['abc', '1.2.3', '-', '.', '1e5', '--1']) {
    assert.throws(() => miDecimal(bad, 'CUAM'), RecordRejection, bad);
  }
});

test('decimal sums are exact', () => {
  assert.equal(sumDecimals(['0.1', '0.2']), '0.3');
  assert.equal(sumDecimals(['100', '-100.00']), '0');
  assert.equal(sumDecimals(['1.05', '-2']), '-0.95');
  assert.equal(sumDecimals(['9007199254740993', '1']), '9007199254740994');
});

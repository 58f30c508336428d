import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cellText, renderJson, renderRecord, renderTable, valueAt } from './output-format.ts';

test('a table aligns columns under upper-case headers and reads nested paths', () => {
  const text = renderTable(
    [
      { id: 'acme', counts: { published: 1200 } },
      { id: 'b', counts: { published: 7 } },
    ],
    [{ key: 'id' }, { key: 'counts.published', header: 'published' }],
  );
  assert.equal(text, 'ID    PUBLISHED\nacme  1200\nb     7\n');
});

test('an empty list prints (none) rather than a bare header', () => {
  assert.equal(renderTable([], [{ key: 'id' }]), '(none)\n');
});

test('missing values print as a dash and objects as compact JSON', () => {
  assert.equal(cellText(undefined), '-');
  assert.equal(cellText(null), '-');
  assert.equal(cellText({ a: 1 }), '{"a":1}');
  assert.equal(valueAt({ a: { b: 2 } }, 'a.c'), undefined);
});

test('a record prints one aligned key: value line per field', () => {
  assert.equal(renderRecord({ id: 'acme', status: 'paused' }), 'id:     acme\nstatus: paused\n');
});

test('--json output is the value itself, pretty-printed', () => {
  assert.deepEqual(JSON.parse(renderJson({ a: [1, 2] })), { a: [1, 2] });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { entityProgressOf, isRunFinished, renderEntityProgress } from './run-progress.ts';

test('entity counts are read from an object keyed by entity with camelCase counters', () => {
  const rows = entityProgressOf({
    entities: { supplier: { status: 'succeeded', recordsRead: 40, published: 38, unchanged: 2, failed: 0 } },
  });
  assert.deepEqual(rows, [
    {
      entity: 'supplier',
      status: 'succeeded',
      extracted: 40,
      published: 38,
      unchanged: 2,
      failed: 0,
      loaded: undefined,
    },
  ]);
});

test('entity counts are read from a list with snake_case counters and string numbers', () => {
  const [row] = entityProgressOf({ entities: [{ entity: 'invoice', records_read: '9', published: 9, loaded: 9 }] });
  assert.equal(row?.extracted, 9);
  assert.equal(row?.loaded, 9);
});

test('a run is finished only in a terminal status', () => {
  assert.equal(isRunFinished({ status: 'running' }), false);
  assert.equal(isRunFinished({ status: 'partial' }), true);
  assert.equal(isRunFinished({}), false);
});

test('the progress table shows a dash where loaded is unknown', () => {
  const text = renderEntityProgress([
    { entity: 'gl-account', status: 'running', extracted: 3, published: 3, unchanged: 0, failed: 0, loaded: undefined },
  ]);
  assert.match(text, /^ENTITY\s+STATUS\s+EXTRACTED\s+PUBLISHED\s+LOADED\s+UNCHANGED\s+FAILED\n/);
  assert.match(text, /gl-account\s+running\s+3\s+3\s+-\s+0\s+0/);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IndexedRecordMap } from './indexed-record-map.ts';

interface Item {
  id: number;
  external_id: string | null;
}

const itemMap = () => new IndexedRecordMap({ external_id: (item: Item) => item.external_id });

test('lookups match external ids case-insensitively and follow set, delete and clear', () => {
  const items = itemMap();
  items.set(1, { id: 1, external_id: 'ABC-1' });
  items.set(2, { id: 2, external_id: null });
  assert.equal(items.first('external_id', 'abc-1')?.id, 1);

  items.set(1, { id: 1, external_id: 'XYZ' });
  assert.equal(items.first('external_id', 'ABC-1'), null);
  assert.equal(items.first('external_id', 'xyz')?.id, 1);

  assert.ok(items.delete(1));
  assert.equal(items.first('external_id', 'xyz'), null);

  items.set(3, { id: 3, external_id: 'q' });
  items.clear();
  assert.equal(items.first('external_id', 'Q'), null);
  assert.equal(items.size, 0);
});

test('matches come back in insertion order, as a filter over values() would return them', () => {
  const items = itemMap();
  for (const [id, externalId] of [
    [5, 'dup'],
    [3, 'other'],
    [9, 'DUP'],
    [1, 'Dup'],
  ] as const) {
    items.set(id, { id, external_id: externalId });
  }
  // Re-setting an existing key keeps its place, as Map does; deleting and re-adding moves it last.
  items.set(5, { id: 5, external_id: 'dUp' });
  items.delete(9);
  items.set(9, { id: 9, external_id: 'dup' });
  const expected = [...items.values()].filter((item) => item.external_id?.toLowerCase() === 'dup').map((i) => i.id);
  assert.deepEqual(
    items.matching('external_id', ['DUP', 'dup']).map((item) => item.id),
    expected,
  );
  assert.deepEqual(
    items.inOrder([9, 3, 42, 5, 3]).map((item) => item.id),
    [5, 3, 9],
  );
});

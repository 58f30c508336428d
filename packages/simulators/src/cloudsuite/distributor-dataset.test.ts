import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DistributorDataset } from './distributor-dataset.ts';
import { DATASET_ENTITIES } from './distributor-records.ts';

test('the same seed gives the same records and another seed different ones', () => {
  const a = new DistributorDataset({ records: 10_000, seed: 1 });
  const b = new DistributorDataset({ records: 10_000, seed: 1 });
  const c = new DistributorDataset({ records: 10_000, seed: 2 });
  assert.deepEqual(a.record('invoice', 1234), b.record('invoice', 1234));
  assert.notDeepEqual(a.record('supplier', 5), c.record('supplier', 5));
});

test('a 10,000-record dataset has every entity, valid references and counts adding up', () => {
  const d = new DistributorDataset({ records: 10_000, seed: 3 });
  const counts = d.counts();
  assert.equal(
    Object.values(counts).reduce((x, y) => x + y, 0),
    10_000,
  );
  let n = 0;
  for (const e of DATASET_ENTITIES) for (const _ of d.scan(e)) n += 1;
  assert.equal(n, 10_000);
  for (let i = 0; i < counts.invoice; i += 97) {
    const inv = d.record('invoice', i);
    assert.ok(d.find('supplier', inv.supplierKey));
    if (inv.poNumber) assert.equal(d.find('purchase-order', inv.poNumber)?.supplierKey, inv.supplierKey);
    assert.ok(inv.dueDate >= inv.invoiceDate);
  }
});

test('scan after a change time returns exactly the records changed later, in key order', () => {
  let now = Date.UTC(2026, 0, 1);
  const d = new DistributorDataset({ records: 2_000, seed: 4, now: () => now });
  const before = d.maxChangedMs('customer');
  now += 1000;
  const { changed, added } = d.mutate('customer', { change: 25, add: 3 });
  const { deleted } = d.mutate('customer', { delete: 2 });
  const keys = [...d.scan('customer', { changedAfterMs: before })].map((i) => d.keyOf('customer', i));
  const expected = [...changed, ...added].filter((k) => !deleted.includes(k)).sort();
  assert.deepEqual(keys, expected);
  assert.equal(d.deletedSince(before, 'customer').length, 2);
});

test('dataset sizes outside 10..1,000,000 are refused', () => {
  assert.throws(() => new DistributorDataset({ records: 9, seed: 1 }), RangeError);
  assert.throws(() => new DistributorDataset({ records: 1_000_001, seed: 1 }), RangeError);
});

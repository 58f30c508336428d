import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Partitioners, type PartitionMetadata } from 'kafkajs';
import { partitionForTenant, TenantPartitioner, tenantIdOfKey } from './tenant-partitioner.ts';
import { changeEventKey } from './topics.ts';

const PARTITIONS = 6;
const partitionMetadata: PartitionMetadata[] = Array.from({ length: PARTITIONS }, (_, partitionId) => ({
  partitionErrorCode: 0,
  partitionId,
  leader: 0,
  replicas: [0],
  isr: [0],
}));

test("all of a tenant's keys land on the tenant's partition, whatever the entity or natural key", () => {
  const partition = TenantPartitioner();
  for (const tenantId of ['acme', 'globex', 'initech', 'umbrella', 't-42']) {
    const expected = partitionForTenant(tenantId, PARTITIONS);
    for (const [entity, naturalKey] of [
      ['supplier', 'S100'],
      ['invoice', 'S100:INV-9:2025'],
      ['purchase-order', '4711'],
      ['gl-account', '1000'],
    ] as const) {
      const key = changeEventKey(tenantId, entity, naturalKey);
      assert.equal(partition({ topic: 't', partitionMetadata, message: { key, value: null } }), expected);
      assert.equal(
        partition({ topic: 't', partitionMetadata, message: { key: Buffer.from(key), value: null } }),
        expected,
      );
    }
  }
});

test('the tenant partition is the Java-compatible murmur2 partition of the tenant id, so it is stable', () => {
  const byKey = Partitioners.DefaultPartitioner();
  for (const tenantId of ['acme', 'globex', 'a-much-longer-tenant-identifier']) {
    assert.equal(
      partitionForTenant(tenantId, PARTITIONS),
      byKey({ topic: 'x', partitionMetadata, message: { key: tenantId, value: null } }),
    );
  }
});

test('tenants spread over the partitions rather than piling onto one', () => {
  const used = new Set(Array.from({ length: 60 }, (_, i) => partitionForTenant(`tenant-${i}`, PARTITIONS)));
  assert.ok(used.size >= PARTITIONS - 1, `only partitions ${[...used].join(',')} were used`);
});

test('an explicit partition wins and the tenant id is the text before the first bar', () => {
  const partition = TenantPartitioner();
  assert.equal(
    partition({ topic: 't', partitionMetadata, message: { key: 'acme|supplier|1', value: null, partition: 5 } }),
    5,
  );
  assert.equal(tenantIdOfKey('acme|invoice|S1:I1:2025|custom_object'), 'acme');
  assert.equal(tenantIdOfKey('no-bar'), 'no-bar');
});

test('a tenant follows the partition count when partitions are added (the remembered partition is per count)', () => {
  const partition = TenantPartitioner();
  const wider = Array.from({ length: 13 }, (_, partitionId) => ({ ...partitionMetadata[0]!, partitionId }));
  const tenants = Array.from({ length: 20 }, (_, i) => `tenant-${i}`);
  for (const tenantId of tenants) {
    const key = changeEventKey(tenantId, 'supplier', 'S1');
    assert.equal(
      partition({ topic: 't', partitionMetadata, message: { key, value: null } }),
      partitionForTenant(tenantId, PARTITIONS),
    );
    assert.equal(
      partition({ topic: 't', partitionMetadata: wider, message: { key, value: null } }),
      partitionForTenant(tenantId, 13),
    );
  }
  assert.equal(
    partition({ topic: 't', partitionMetadata, message: { key: 'acme|x|y', value: null, partition: 4 } }),
    4,
  );
});

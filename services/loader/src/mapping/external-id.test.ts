import assert from 'node:assert/strict';
import { test } from 'node:test';
import { contactExternalIdFor, externalIdFor, lookupByExternalId } from './external-id.ts';

test('an external id is derived from tenant, entity and natural key and reads as such', () => {
  assert.equal(externalIdFor('acme', 'supplier', 'S-100'), 'mlc:acme:supplier:S-100');
  assert.equal(externalIdFor('acme', 'invoice', 'S-100:INV-7:2026'), 'mlc:acme:invoice:S-100:INV-7:2026');
});

test('the same inputs always give the same external id and different tenants never collide', () => {
  assert.equal(externalIdFor('t1', 'customer', 'C1'), externalIdFor('t1', 'customer', 'C1'));
  assert.notEqual(externalIdFor('t1', 'customer', 'C1'), externalIdFor('t2', 'customer', 'C1'));
  assert.notEqual(externalIdFor('t1', 'customer', 'C1'), externalIdFor('t1', 'supplier', 'C1'));
});

test('a contact external id hangs off its supplier and ignores email case', () => {
  const a = contactExternalIdFor('acme', 'S1', { name: 'Ann', email: 'Ann@Example.com' });
  assert.equal(a, 'mlc:acme:supplier:S1:contact:ann@example.com');
  assert.equal(
    contactExternalIdFor('acme', 'S1', { name: 'Bob Stone', email: null }),
    'mlc:acme:supplier:S1:contact:bob stone',
  );
});

test('a lookup value references an object by external id', () => {
  assert.equal(lookupByExternalId('mlc:acme:supplier:S1'), 'external_id:mlc:acme:supplier:S1');
});

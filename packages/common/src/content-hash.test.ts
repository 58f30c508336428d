import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { canonicalJson, contentHash } from './content-hash.ts';

test('key order does not change the hash, at any depth', () => {
  const a = { name: 'Acme', contacts: [{ email: 'a@x', name: 'Ann' }], currency: 'EUR' };
  const b = { currency: 'EUR', contacts: [{ name: 'Ann', email: 'a@x' }], name: 'Acme' };
  assert.equal(contentHash(a), contentHash(b));
});

test('any changed value, array order or null-vs-missing changes the hash', () => {
  const base = { amount: '10.00', lines: ['1', '2'], dueDate: null as string | null };
  const hash = contentHash(base);
  assert.notEqual(contentHash({ ...base, amount: '10.01' }), hash);
  assert.notEqual(contentHash({ ...base, lines: ['2', '1'] }), hash);
  assert.notEqual(contentHash({ amount: '10.00', lines: ['1', '2'] }), hash);
});

test('the hash is sha256 hex of the sorted-key JSON, stable across releases', () => {
  const payload = { b: [1, { d: true, c: 'x' }], a: null };
  assert.equal(canonicalJson(payload), '{"a":null,"b":[1,{"c":"x","d":true}]}');
  assert.equal(
    contentHash(payload),
    createHash('sha256').update('{"a":null,"b":[1,{"c":"x","d":true}]}').digest('hex'),
  );
  assert.match(contentHash(payload), /^[0-9a-f]{64}$/);
});

test('undefined members are left out, undefined array slots are null, keys sort by code unit as before', () => {
  assert.equal(canonicalJson({ b: undefined, a: 1 }), '{"a":1}');
  assert.equal(canonicalJson({ only: undefined }), '{}');
  assert.equal(canonicalJson([1, undefined, 'x']), '[1,null,"x"]');
  assert.equal(canonicalJson({ é: 1, e: 2, E: 3, 'a"b': [] }), '{"E":3,"a\\"b":[],"e":2,"é":1}');
  assert.equal(canonicalJson([]), '[]');
  assert.equal(canonicalJson('q"\\'), '"q\\"\\\\"');
});

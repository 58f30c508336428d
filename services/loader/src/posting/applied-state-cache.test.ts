import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppliedStateCache } from './applied-state-cache.ts';
import type { AppliedState } from './posting.ts';

function state(contentHash: string): AppliedState {
  return { contentHash, zendeskId: null, body: null };
}

test('the cache never holds more states than its bound however many records pass', () => {
  const cache = new AppliedStateCache(100);
  for (let index = 0; index < 10_000; index++) cache.set(`t|product|${index}|product`, state(String(index)));
  assert.equal(cache.size, 100);
  assert.equal(cache.get('t|product|9999|product')?.contentHash, '9999');
  assert.equal(cache.get('t|product|0|product'), undefined);
});

test('a state read recently outlives states written after it', () => {
  const cache = new AppliedStateCache(2);
  cache.set('a', state('a'));
  cache.set('b', state('b'));
  cache.get('a');
  cache.set('c', state('c'));
  assert.equal(cache.has('a'), true);
  assert.equal(cache.has('b'), false);
  assert.equal(cache.has('c'), true);
});

test('a newer state of the same key replaces the older one without evicting others', () => {
  const cache = new AppliedStateCache(2);
  cache.set('a', state('1'));
  cache.set('b', state('b'));
  cache.set('a', state('2'));
  assert.equal(cache.size, 2);
  assert.equal(cache.get('a')?.contentHash, '2');
  assert.equal(cache.has('b'), true);
});

test('a zero bound keeps nothing', () => {
  const cache = new AppliedStateCache(0);
  cache.set('a', state('a'));
  assert.equal(cache.size, 0);
});

test('odd and tiny bounds are never exceeded', () => {
  for (const bound of [1, 3, 7]) {
    const cache = new AppliedStateCache(bound);
    for (let index = 0; index < 50; index++) {
      cache.set(String(index), state(String(index)));
      assert.ok(cache.size <= bound, `bound ${bound}: ${cache.size} states`);
    }
    assert.equal(cache.get('49')?.contentHash, '49');
  }
});

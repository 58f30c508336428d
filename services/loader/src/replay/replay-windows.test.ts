import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ReplayWindow, ReplayWindows } from './replay-windows.ts';

const TOPIC = 'cloudsuite.invoice.v1';

function window(overrides: Partial<ReplayWindow> = {}): ReplayWindow {
  return { requestId: 'r1', tenantId: 'acme', keys: null, force: false, skipBelow: 50n, endOffset: 100n, ...overrides };
}

test("a forced replay forces the tenant's records up to the end offset it was asked at, then closes", () => {
  const windows = new ReplayWindows();
  windows.open(TOPIC, 0, window({ force: true }));
  assert.equal(windows.decide(TOPIC, 0, '10', 'acme|invoice|S1:I1:2026'), 'force');
  assert.equal(windows.decide(TOPIC, 0, '99', 'acme|invoice|S1:I1:2026'), 'force');
  assert.equal(windows.active(TOPIC, 0), false);
  assert.equal(windows.decide(TOPIC, 0, '100', 'acme|invoice|S1:I1:2026'), 'process');
});

test('other tenants are skipped only below where the consumer stood, so nothing unprocessed is lost', () => {
  const windows = new ReplayWindows();
  windows.open(TOPIC, 0, window());
  assert.equal(windows.decide(TOPIC, 0, '10', 'other|invoice|S1:I1:2026'), 'skip');
  assert.equal(windows.decide(TOPIC, 0, '49', 'other|invoice|S1:I1:2026'), 'skip');
  assert.equal(windows.decide(TOPIC, 0, '50', 'other|invoice|S1:I1:2026'), 'process');
  assert.equal(windows.decide(TOPIC, 0, '20', 'acme|invoice|S1:I1:2026'), 'process');
});

test('a replay of some natural keys skips the tenant’s other records and forces the named ones', () => {
  const windows = new ReplayWindows();
  windows.open(TOPIC, 2, window({ keys: new Set(['invoice|S1:I1:2026']), force: true }));
  assert.equal(windows.decide(TOPIC, 2, '5', 'acme|invoice|S1:I1:2026'), 'force');
  assert.equal(windows.decide(TOPIC, 2, '6', 'acme|invoice|S1:I2:2026'), 'skip');
  assert.equal(windows.decide(TOPIC, 1, '6', 'acme|invoice|S1:I2:2026'), 'process');
});

test('a rebalance clears every window', () => {
  const windows = new ReplayWindows();
  windows.open(TOPIC, 0, window());
  windows.clear();
  assert.equal(windows.active(TOPIC, 0), false);
});

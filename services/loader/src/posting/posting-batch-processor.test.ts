import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChangeEvent } from '@mlc/common/entities';
import { DEFAULT_MAPPING } from '../mapping/default-mapping.ts';
import type { TargetRecord } from '../mapping/target-record.ts';
import type { ZendeskTarget } from '../targets/zendesk-target.ts';
import type { ItemOutcome } from '../zendesk/job-status.ts';
import type { AppliedState, Posting } from './posting.ts';
import { type InboundEvent, PostingBatchProcessor } from './posting-batch-processor.ts';

function glEvent(key: string, hash: string, offset: number): InboundEvent {
  const event: ChangeEvent<'gl-account'> = {
    eventId: `e${offset}`,
    tenantId: 'acme',
    entity: 'gl-account',
    naturalKey: key,
    op: 'upsert',
    sourceModifiedAt: null,
    extractedAt: '2026-01-01T00:00:00Z',
    runId: 'r1',
    contentHash: hash,
    payload: {
      accountNumber: key,
      description: key === 'BAD' ? 'rejected' : 'ok',
      accountType: null,
      division: null,
      status: null,
    },
  };
  return { event, source: { topic: 'cloudsuite.gl-account.v1', partition: 0, offset: String(offset) }, force: false };
}

class FakeTarget implements ZendeskTarget {
  readonly name = 'custom_object_record:mlc_gl_account';
  calls: number[] = [];
  transientFailuresLeft: number;
  constructor(transientFailures = 0) {
    this.transientFailuresLeft = transientFailures;
  }
  async upsertBatch(records: readonly TargetRecord[]): Promise<ItemOutcome[]> {
    this.calls.push(records.length);
    return records.map((record): ItemOutcome => {
      if (record.naturalKey === 'BAD') {
        return {
          ok: false,
          permanent: true,
          error: { status: 422, error: 'RecordInvalid', description: 'x', details: { f: 1 } },
        };
      }
      if (record.naturalKey === 'FLAKY' && this.transientFailuresLeft-- > 0) {
        return { ok: false, permanent: false, error: { status: 0, error: 'NoResult', description: '', details: null } };
      }
      return { ok: true, zendeskId: `z-${record.naturalKey}`, action: 'create' };
    });
  }
}

function processorWith(target: FakeTarget, stored = new Map<string, AppliedState>(), maxAttempts = 3) {
  const recorded: Posting[] = [];
  const processor = new PostingBatchProcessor({
    tenants: { get: async (tenantId) => ({ tenantId, mapping: DEFAULT_MAPPING, target: () => target }) },
    state: { load: async (keys) => new Map(keys.flatMap((key) => (stored.has(key) ? [[key, stored.get(key)!]] : []))) },
    sink: { record: async (postings) => void recorded.push(...postings) },
    batchSize: 100,
    maxAttempts,
    retryBaseMs: 1,
  });
  return { processor, recorded };
}

test('250 records of one target go out as bulk requests of at most 100', async () => {
  const target = new FakeTarget();
  const { processor } = processorWith(target);
  const postings = await processor.process(Array.from({ length: 250 }, (_, i) => glEvent(`A${i}`, 'h', i)));
  assert.deepEqual(
    target.calls.toSorted((a, b) => b - a),
    [100, 100, 50],
  );
  assert.equal(postings.filter((posting) => posting.status === 'applied').length, 250);
});

test('a record whose content hash was applied before makes no Zendesk call, unless forced', async () => {
  const stored = new Map([
    ['acme|gl-account|A1|custom_object_record:mlc_gl_account', { contentHash: 'h', zendeskId: 'z', body: null }],
  ]);
  const target = new FakeTarget();
  const { processor } = processorWith(target, stored);
  const [unchanged] = await processor.process([glEvent('A1', 'h', 1)]);
  assert.equal(unchanged?.status, 'unchanged');
  assert.equal(target.calls.length, 0);
  const forced = { ...glEvent('A1', 'h', 2), force: true };
  const [applied] = await processor.process([forced]);
  assert.equal(applied?.status, 'applied');
  assert.equal(target.calls.length, 1);
});

test('a second delivery of an applied event is unchanged without touching the state store', async () => {
  const target = new FakeTarget();
  const { processor } = processorWith(target);
  await processor.process([glEvent('A1', 'h1', 1)]);
  const [again] = await processor.process([glEvent('A1', 'h1', 1)]);
  assert.equal(again?.status, 'unchanged');
  assert.equal(target.calls.length, 1);
});

test('a rejected item fails with its details while the rest of the batch is applied', async () => {
  const { processor, recorded } = processorWith(new FakeTarget());
  await processor.process([glEvent('A1', 'h', 1), glEvent('BAD', 'h', 2), glEvent('A2', 'h', 3)]);
  const bad = recorded.find((posting) => posting.naturalKey === 'BAD');
  assert.equal(bad?.status, 'failed');
  assert.deepEqual(bad?.error?.details, { f: 1 });
  assert.equal(recorded.filter((posting) => posting.status === 'applied').length, 2);
});

test('transient item failures are retried only for the failed items, and dead-lettered when retries run out', async () => {
  const target = new FakeTarget(1);
  const { processor } = processorWith(target);
  const postings = await processor.process([glEvent('A1', 'h', 1), glEvent('FLAKY', 'h', 2)]);
  assert.deepEqual(target.calls, [2, 1]);
  assert.equal(postings.find((posting) => posting.naturalKey === 'FLAKY')?.attempts, 2);
  const stubborn = new FakeTarget(10);
  const { processor: bounded } = processorWith(stubborn, new Map(), 3);
  const [dead] = await bounded.process([glEvent('FLAKY', 'h', 1)]);
  assert.equal(dead?.status, 'dead_lettered');
  assert.equal(stubborn.calls.length, 3);
});

test('two versions of one record in a batch post only the latest', async () => {
  const target = new FakeTarget();
  const { processor } = processorWith(target);
  const postings = await processor.process([glEvent('A1', 'old', 1), glEvent('A1', 'new', 2)]);
  assert.equal(postings.length, 1);
  assert.equal(postings[0]?.contentHash, 'new');
  assert.equal(postings[0]?.source.offset, '2');
});

function invoiceEvent(invoice: string, supplier: string, offset: number): InboundEvent {
  const event: ChangeEvent<'invoice'> = {
    eventId: `i${offset}`,
    tenantId: 'acme',
    entity: 'invoice',
    naturalKey: `${supplier}:${invoice}:2026`,
    op: 'upsert',
    sourceModifiedAt: null,
    extractedAt: '2026-01-01T00:00:00Z',
    runId: 'r1',
    contentHash: `h-${invoice}`,
    payload: {
      invoiceNumber: invoice,
      supplierNumber: supplier,
      division: null,
      invoiceYear: '2026',
      invoiceDate: '2026-01-02',
      dueDate: '2026-02-01',
      currency: 'EUR',
      amount: '1.00',
      openAmount: '0',
      paymentStatus: 'paid',
      lastPaymentDate: null,
      poNumber: null,
    },
  };
  return { event, source: { topic: 'cloudsuite.invoice.v1', partition: 0, offset: String(offset) }, force: false };
}

/** A processor whose state store knows the organizations of `refused` only as refused (never applied). */
function dependencyProcessor(
  refused: ReadonlySet<string>,
  dependencyWaitMs: number,
  status: 'failed' | 'dead_lettered' = 'failed',
) {
  const target = new FakeTarget();
  const lookups: number[] = [];
  const processor = new PostingBatchProcessor({
    tenants: { get: async (tenantId) => ({ tenantId, mapping: DEFAULT_MAPPING, target: () => target }) },
    state: {
      load: async (keys) => {
        lookups.push(keys.length);
        return new Map();
      },
      refused: async (keys) =>
        new Map(
          keys
            .filter((key) => refused.has(key.split('|')[2]!))
            .map((key) => [key, { status, errorCode: status === 'failed' ? 'RecordInvalid' : 'TypeError' }]),
        ),
    },
    sink: { record: async () => {} },
    batchSize: 100,
    maxAttempts: 3,
    retryBaseMs: 1,
    dependencyWaitMs,
  });
  return { processor, target, lookups };
}

test('invoices of a supplier whose organization Zendesk refused are dead-lettered at once, not after the dependency wait', async () => {
  const { processor, target, lookups } = dependencyProcessor(new Set(['S1']), 30_000);
  const started = Date.now();
  const postings = await processor.process(Array.from({ length: 50 }, (_, n) => invoiceEvent(`INV${n}`, 'S1', n)));
  assert.ok(Date.now() - started < 1000, `settled after ${Date.now() - started} ms`);
  assert.equal(postings.length, 50);
  for (const posting of postings) {
    assert.equal(posting.status, 'dead_lettered');
    assert.equal(posting.error?.error, 'MLC_DEPENDENCY_FAILED');
    assert.match(posting.error?.description ?? '', /acme:supplier:S1.*failed \(RecordInvalid\)/);
  }
  assert.equal(target.calls.length, 0, 'nothing is sent for a refused dependency');
  // One lookup of the invoices' applied states, then one of the one organization they all link to.
  assert.deepEqual(lookups, [50, 1]);
});

test('invoices of a supplier whose organization was dead-lettered after transient failures go to Zendesk at once', async () => {
  const { processor, target } = dependencyProcessor(new Set(['S1']), 30_000, 'dead_lettered');
  const started = Date.now();
  const postings = await processor.process([invoiceEvent('INV1', 'S1', 1), invoiceEvent('INV2', 'S1', 2)]);
  assert.ok(Date.now() - started < 1000, `settled after ${Date.now() - started} ms`);
  assert.deepEqual(target.calls, [2], 'Zendesk judges the lookup: it may have written the organization');
  assert.ok(postings.every((posting) => posting.status === 'applied'));
});

test('invoices of a supplier whose organization is merely not there yet wait for it (bounded), then go to Zendesk', async () => {
  const { processor, target } = dependencyProcessor(new Set(), 300);
  const started = Date.now();
  const postings = await processor.process([invoiceEvent('INV1', 'S2', 1), invoiceEvent('INV2', 'S3', 2)]);
  assert.ok(Date.now() - started >= 300, 'the dependency wait was skipped');
  assert.deepEqual(target.calls, [2]);
  assert.ok(postings.every((posting) => posting.status === 'applied'));
});

test('a record evicted from the bounded in-memory state is still skipped as unchanged, from the store', async () => {
  const stored = new Map<string, AppliedState>();
  const target = new FakeTarget();
  const loaded: string[] = [];
  const processor = new PostingBatchProcessor({
    tenants: { get: async (tenantId) => ({ tenantId, mapping: DEFAULT_MAPPING, target: () => target }) },
    state: {
      load: async (keys) => {
        loaded.push(...keys);
        return new Map(keys.flatMap((key) => (stored.has(key) ? [[key, stored.get(key)!]] : [])));
      },
    },
    sink: {
      record: async (postings) => {
        for (const posting of postings.filter((candidate) => candidate.status === 'applied')) {
          const key = `${posting.tenantId}|${posting.entity}|${posting.naturalKey}|${posting.zendeskTarget}`;
          stored.set(key, { contentHash: posting.contentHash, zendeskId: posting.zendeskId, body: posting.body });
        }
      },
    },
    batchSize: 100,
    maxAttempts: 1,
    appliedCacheSize: 1,
  });
  await processor.process([glEvent('A1', 'h1', 1)]);
  await processor.process([glEvent('A2', 'h2', 2)]);
  loaded.length = 0;
  const [again] = await processor.process([glEvent('A1', 'h1', 3)]);
  assert.equal(again?.status, 'unchanged');
  assert.equal(target.calls.length, 2);
  assert.deepEqual(loaded, ['acme|gl-account|A1|custom_object_record:mlc_gl_account']);
});

function customerEvent(number: string, email: string, offset: number): InboundEvent {
  const event: ChangeEvent<'customer'> = {
    eventId: `c${offset}`,
    tenantId: 'acme',
    entity: 'customer',
    naturalKey: number,
    op: 'upsert',
    sourceModifiedAt: null,
    extractedAt: '2026-01-01T00:00:00Z',
    runId: 'r1',
    contentHash: `${number}-h`,
    payload: {
      customerNumber: number,
      name: `Customer ${number}`,
      status: '20',
      currency: 'EUR',
      paymentTerms: '30D',
      country: 'SE',
      division: null,
      email,
      phone: null,
    },
  };
  return { event, source: { topic: 'cloudsuite.customer.v1', partition: 0, offset: String(offset) }, force: false };
}

test('customers sharing an email: the one whose user holds it keeps it, the others are written without it', async () => {
  const sent: TargetRecord[] = [];
  const recorded: Posting[] = [];
  const users: ZendeskTarget = {
    name: 'user',
    upsertBatch: async (records) => {
      sent.push(...records);
      return records.map((record) => ({ ok: true, zendeskId: `z-${record.naturalKey}`, action: 'create' }));
    },
  };
  const processor = new PostingBatchProcessor({
    tenants: { get: async (tenantId) => ({ tenantId, mapping: DEFAULT_MAPPING, target: () => users }) },
    state: {
      load: async () => new Map(),
      // C3's user already holds the shared mailbox from an earlier batch.
      emailOwners: async (_tenant, emails) =>
        new Map(emails.includes('ap@shared.example') ? [['ap@shared.example', 'acme|customer|C3|user']] : []),
    },
    sink: { record: async (postings) => void recorded.push(...postings) },
    batchSize: 100,
    maxAttempts: 1,
  });
  await processor.process([
    customerEvent('C1', 'Orders@One.example', 1),
    customerEvent('C2', 'orders@one.example', 2),
    customerEvent('C4', 'AP@shared.example', 3),
  ]);
  const emailOf = (key: string) => sent.find((record) => record.naturalKey === key)?.body.email;
  assert.equal(emailOf('C1'), 'Orders@One.example');
  assert.equal(emailOf('C2'), undefined);
  assert.equal(emailOf('C4'), undefined);
  const c2 = recorded.find((posting) => posting.naturalKey === 'C2')!;
  assert.equal(c2.status, 'applied');
  assert.equal(c2.error?.error, 'MLC_SHARED_EMAIL');
  assert.match(c2.error?.description ?? '', /customer C1/);
  assert.match(recorded.find((posting) => posting.naturalKey === 'C4')?.error?.description ?? '', /customer C3/);
  assert.equal(recorded.find((posting) => posting.naturalKey === 'C1')?.error, null);
});

test('batches processed at the same time see each other’s email claims: one record keeps a shared email', async () => {
  const sent: TargetRecord[] = [];
  const users: ZendeskTarget = {
    name: 'user',
    upsertBatch: async (records) => {
      sent.push(...records);
      await new Promise((resolve) => setTimeout(resolve, 20));
      return records.map((record) => ({ ok: true, zendeskId: `z-${record.naturalKey}`, action: 'create' }));
    },
  };
  const processor = new PostingBatchProcessor({
    tenants: { get: async (tenantId) => ({ tenantId, mapping: DEFAULT_MAPPING, target: () => users }) },
    state: { load: async () => new Map(), emailOwners: async () => new Map() },
    sink: { record: async () => undefined },
    batchSize: 100,
    maxAttempts: 1,
  });
  await Promise.all([
    processor.process([customerEvent('C1', 'ap@shared.example', 1)]),
    processor.process([customerEvent('C1001', 'ap@shared.example', 2)]),
  ]);
  assert.equal(sent.filter((record) => record.body.email !== undefined).length, 1);
  // Once both landed the claim is gone: the store answers from then on.
  await processor.process([customerEvent('C2002', 'ap@shared.example', 3)]);
  assert.equal(sent.at(-1)?.body.email, 'ap@shared.example');
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EntityName } from '@mlc/common/entities';
import { createLogger } from '@mlc/common/logger';
import type { ChangePublisher } from './change-publisher.ts';
import type { EntityRunStats, PublishedRecordStore, RunRecorder, WatermarkStore } from './extraction-stores.ts';
import { emptyIonCallCounters } from './ion/ion-call-counters.ts';
import type { ChangePage, SourceAdapter } from './source-adapter.ts';
import { runTenantExtraction } from './tenant-extraction.ts';

const supplier = (n: string, version: string) => ({
  naturalKey: n,
  sourceModifiedAt: null,
  sourceVersion: version,
  payload: {
    supplierNumber: n,
    name: `S ${n}`,
    status: null,
    currency: null,
    paymentTerms: null,
    country: null,
    division: null,
    email: null,
    phone: null,
    taxId: null,
    contacts: [],
  },
});

/** The fake publisher refuses a record whose name is longer than this, as the real one does an oversized event. */
const MAX_NAME = 1000;

function fixture(pages: ChangePage[], publishFails: (page: number) => boolean = () => false) {
  const watermarks = new Map<string, string>();
  const hashes = new Map<string, { contentHash: string; sourceVersion: string | null }>();
  const published: string[] = [];
  const deadLettered: string[] = [];
  const entityStats: EntityRunStats[] = [];
  let sends = 0;
  const adapter: SourceAdapter = {
    entities: ['supplier'],
    listChanges: async (_entity, _watermark, cursor) =>
      pages[cursor === undefined ? 0 : Number(cursor)] as ChangePage<never>,
  };
  const store: WatermarkStore = {
    get: async (t, e) => watermarks.get(`${t}|${e}`) ?? null,
    commit: async (t, e, v) => void watermarks.set(`${t}|${e}`, v),
    reset: async () => watermarks.clear(),
  };
  const publishedStore: PublishedRecordStore = {
    hashes: async (_t, _e, keys) => new Map(keys.flatMap((k) => (hashes.has(k) ? [[k, hashes.get(k)!] as const] : []))),
    remember: async (_t, _e, records) => {
      for (const r of records) hashes.set(r.naturalKey, r);
    },
    forget: async () => hashes.clear(),
    remove: async (_t, _e, keys) => {
      for (const k of keys) hashes.delete(k);
    },
  };
  const publisher = {
    publish: async (_c: unknown, records: { naturalKey: string; payload: { name: string } }[]) => {
      sends += 1;
      if (publishFails(sends)) throw new Error('broker unavailable');
      const fits = records.filter((r) => r.payload.name.length <= MAX_NAME);
      published.push(...fits.map((r) => r.naturalKey));
      return records
        .filter((r) => r.payload.name.length > MAX_NAME)
        .map((r) => ({ naturalKey: r.naturalKey, reason: 'over the message limit', raw: r.payload }));
    },
    deadLetter: async (_c: unknown, rejected: { reason: string }[]) =>
      void deadLettered.push(...rejected.map((r) => r.reason)),
  } as unknown as ChangePublisher;
  const runs: RunRecorder = {
    start: async () => {},
    entity: async (_r, _e, s) => void entityStats.push(s),
    finish: async () => {},
  };
  const deps = {
    adapter,
    publisher,
    watermarks: store,
    published: publishedStore,
    runs,
    logger: createLogger({ name: 'test', level: 'silent' }),
    counters: { current: emptyIonCallCounters() },
    sourceName: (e: EntityName) => e,
  };
  return { deps, watermarks, published, deadLettered, entityStats, hashes };
}

const twoPages: ChangePage[] = [
  {
    records: [supplier('S1', '20240101000000005'), supplier('S2', '20240101000000009')],
    rejected: [],
    nextCursor: '1',
    newWatermark: '20240101000000009',
  },
  {
    records: [supplier('S3', '20240101000000002')],
    rejected: [{ naturalKey: 'S4', reason: 'SUNM: required value is missing or empty', raw: { SUNO: 'S4' } }],
    newWatermark: '20240101000000009',
  },
];

test('the watermark is committed only after every page was acknowledged, and rejects go to the DLQ', async () => {
  const f = fixture(twoPages);
  const summary = await runTenantExtraction(f.deps, { tenantId: 't', runId: 'r1', trigger: 'manual' });
  assert.equal(summary.status, 'partial', 'a dead-lettered record makes the run partial');
  assert.equal(f.entityStats[0]?.status, 'partial');
  assert.deepEqual(f.published, ['S1', 'S2', 'S3']);
  assert.deepEqual(f.deadLettered, ['SUNM: required value is missing or empty']);
  assert.equal(f.watermarks.get('t|supplier'), '20240101000000009');
  assert.equal(f.entityStats[0]?.failed, 1);
});

test('a publish failure on a later page leaves the watermark where it was', async () => {
  const f = fixture(twoPages, (send) => send === 2);
  const summary = await runTenantExtraction(f.deps, { tenantId: 't', runId: 'r1', trigger: 'manual' });
  assert.equal(summary.status, 'failed');
  assert.equal(f.watermarks.has('t|supplier'), false);
  assert.match(f.entityStats[0]?.error ?? '', /broker unavailable/);
});

test('records whose content hash was already published are counted unchanged, not sent again', async () => {
  const f = fixture(twoPages);
  await runTenantExtraction(f.deps, { tenantId: 't', runId: 'r1', trigger: 'manual' });
  f.published.length = 0;
  await runTenantExtraction(f.deps, { tenantId: 't', runId: 'r2', trigger: 'manual' });
  assert.deepEqual(f.published, []);
  assert.equal(f.entityStats[1]?.unchanged, 3);
});

test('a run where every record was published ends succeeded', async () => {
  const f = fixture([{ records: [supplier('S1', '1'), supplier('S2', '2')], rejected: [], newWatermark: '2' }]);
  const summary = await runTenantExtraction(f.deps, { tenantId: 't', runId: 'r1', trigger: 'manual' });
  assert.equal(summary.status, 'succeeded');
  assert.equal(f.entityStats[0]?.failed, 0);
});

test('a record too large to publish is dead-lettered, not remembered, and the run ends partial with it counted', async () => {
  const huge = supplier('S2', '2');
  huge.payload.name = 'x'.repeat(10 * 1024 * 1024);
  const f = fixture([{ records: [supplier('S1', '1'), huge], rejected: [], newWatermark: '2' }]);
  const summary = await runTenantExtraction(f.deps, { tenantId: 't', runId: 'r1', trigger: 'manual' });
  assert.equal(summary.status, 'partial');
  assert.deepEqual(f.published, ['S1']);
  assert.deepEqual(f.deadLettered, ['over the message limit']);
  assert.equal(f.entityStats[0]?.status, 'partial');
  assert.equal(f.entityStats[0]?.published, 1);
  assert.equal(f.entityStats[0]?.failed, 1);
  assert.equal(f.entityStats[0]?.error, '1 record(s) dead-lettered, first S2: over the message limit');
  assert.equal(f.hashes.has('S2'), false, 'the next run tries the record again');
  assert.equal(f.watermarks.get('t|supplier'), '2', 'the listing completed, so the watermark moves');
});

test('the next page is asked for before the current one is published; a failed publish leaves it unused', async () => {
  const events: string[] = [];
  const threePages: ChangePage[] = [
    { ...twoPages[0]!, nextCursor: '1' },
    { records: [supplier('S3', '3')], rejected: [], nextCursor: '2', newWatermark: '3' },
    { records: [supplier('S4', '4')], rejected: [], newWatermark: '4' },
  ];
  const f = fixture(threePages, (send) => send === 1);
  const listChanges = f.deps.adapter.listChanges;
  f.deps.adapter.listChanges = async (entity, watermark, cursor) => {
    events.push(`list ${cursor ?? 0}`);
    if (cursor === '1') throw new Error('ION went away');
    return listChanges(entity, watermark, cursor);
  };
  const publish = f.deps.publisher.publish.bind(f.deps.publisher);
  f.deps.publisher.publish = async (context, records) => {
    events.push('publish');
    return publish(context, records);
  };
  const summary = await runTenantExtraction(f.deps, { tenantId: 't', runId: 'r1', trigger: 'manual' });
  // The second page's request failed while the first page was published, and its publish failed too: the
  // entity fails on the publish, the listing stops, and the rejected prefetch raises no unhandled rejection.
  assert.deepEqual(events, ['list 0', 'list 1', 'publish']);
  assert.equal(summary.status, 'failed');
  assert.match(f.entityStats[0]?.error ?? '', /broker unavailable/);
  assert.equal(f.watermarks.has('t|supplier'), false);
});

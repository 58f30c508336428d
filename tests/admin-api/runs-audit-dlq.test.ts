import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import type { EntityName } from '@mlc/common/entities';
import type { PostingStatus } from '@mlc/loader/posting/posting';
import { PostingHistoryStore } from '@mlc/loader/posting/posting-history-store';
import { type AdminApiHarness, sampleTenantBody, startAdminApi } from './admin-api-harness.ts';

type SeedPosting = {
  entity: EntityName;
  naturalKey: string;
  status: PostingStatus;
  hash: string;
  error?: { status: number; error: string; description: string; details?: unknown };
  offset: number;
  target?: string;
};

async function writePostings(api: AdminApiHarness, tenantId: string, postings: SeedPosting[]): Promise<void> {
  // Through the loader's own store, which keeps posting_state (what the latest-state views read) with the history.
  const store = new PostingHistoryStore(api.db, api.schema);
  for (const [index, posting] of postings.entries()) {
    await store.record([
      {
        tenantId,
        entity: posting.entity,
        naturalKey: posting.naturalKey,
        zendeskTarget: posting.target ?? 'organization',
        objectType: 'organization',
        externalId: `mlc:${tenantId}:${posting.entity}:${posting.naturalKey}`,
        zendeskId: posting.status === 'applied' ? '9001' : null,
        status: posting.status,
        contentHash: posting.hash,
        attempts: 1,
        error: posting.error === undefined ? null : { details: null, ...posting.error },
        eventId: randomUUID(),
        runId: randomUUID(),
        source: { topic: `cloudsuite.${posting.entity}.v1`, partition: 0, offset: String(posting.offset) },
        diff: null,
        body: null,
        postedAt: new Date(Date.now() - (postings.length - index) * 1000).toISOString(),
      },
    ]);
  }
}

test('runs: a requested run lands in run_requests, runs list and detail show per-entity counts', async (t) => {
  const api = await startAdminApi(t);
  await api.call('POST', '/tenants', { body: sampleTenantBody('runner') });
  const requested = await api.call('POST', '/tenants/runner/runs', {
    body: { entities: ['supplier', 'invoice'], fullResync: true },
  });
  assert.equal(requested.status, 202);
  const { rows } = await api.db.query(
    'SELECT tenant_id, entities, full_resync, requested_by, claimed_at FROM run_requests WHERE id = $1',
    [requested.body.requestId],
  );
  assert.deepEqual(rows[0], {
    tenant_id: 'runner',
    entities: ['supplier', 'invoice'],
    full_resync: true,
    requested_by: 'bootstrap',
    claimed_at: null,
  });
  assert.equal(
    (await api.call('POST', '/tenants/runner/runs', { body: { entities: ['ledger'] } })).body.error.field,
    'entities.0',
  );

  const runId = randomUUID();
  await api.db.query(
    `INSERT INTO runs (id, tenant_id, trigger, status, started_at, finished_at) VALUES ($1, 'runner', 'manual', 'succeeded', now() - interval '5 seconds', now())`,
    [runId],
  );
  await api.db.query(
    `INSERT INTO run_entities (run_id, entity, status, pages, read, published, unchanged, failed, api_calls, retries, duration_ms)
     VALUES ($1, 'supplier', 'succeeded', 3, 250, 40, 210, 0, 4, 1, 1200)`,
    [runId],
  );
  const list = await api.call('GET', '/tenants/runner/runs');
  assert.equal(list.body.runs[0].id, runId);
  assert.equal(list.body.pendingRequests.length, 1);
  const detail = await api.call('GET', `/runs/${runId}`);
  assert.equal(detail.status, 200);
  assert.deepEqual(
    { ...detail.body.entities[0], durationMs: undefined },
    {
      entity: 'supplier',
      status: 'succeeded',
      pages: 3,
      recordsRead: 250,
      published: 40,
      unchanged: 210,
      failed: 0,
      apiCalls: 4,
      retries: 1,
      throttled: 0,
      tokenCalls: 0,
      durationMs: undefined,
      error: null,
    },
  );
  assert.ok(detail.body.durationMs >= 4000);
  assert.equal((await api.call('GET', `/runs/${randomUUID()}`)).status, 404);
  const operator = (
    await api.call('POST', '/tokens', { body: { name: 'other', role: 'operator', tenantIds: ['elsewhere'] } })
  ).body.token;
  assert.equal((await api.call('GET', `/runs/${runId}`, { token: operator })).status, 403);
});

test('a run request shows pending, claimed, its run id once started, and skipped with the reason', async (t) => {
  const api = await startAdminApi(t);
  await api.call('POST', '/tenants', { body: sampleTenantBody('follower') });
  const { requestId } = (await api.call('POST', '/tenants/follower/runs')).body;
  const view = async () => (await api.call('GET', `/run-requests/${requestId}`)).body;
  assert.deepEqual([(await view()).status, (await view()).runId], ['pending', null]);
  await api.db.query('UPDATE run_requests SET claimed_at = now() WHERE id = $1', [requestId]);
  assert.equal((await view()).status, 'claimed');
  const runId = randomUUID();
  await api.db.query('UPDATE run_requests SET run_id = $2 WHERE id = $1', [requestId, runId]);
  assert.deepEqual([(await view()).status, (await view()).runId], ['starting', runId]);
  await api.db.query(`INSERT INTO runs (id, tenant_id, trigger, status) VALUES ($1, 'follower', 'manual', 'running')`, [
    runId,
  ]);
  assert.deepEqual([(await view()).status, (await view()).runId], ['running', runId]);
  await api.db.query('UPDATE run_requests SET skipped_reason = $2 WHERE id = $1', [requestId, 'paused']);
  assert.deepEqual([(await view()).status, (await view()).skippedReason], ['skipped', 'paused']);
  assert.equal((await api.call('GET', `/run-requests/${randomUUID()}`)).status, 404);
  const operator = (
    await api.call('POST', '/tokens', { body: { name: 'outsider', role: 'operator', tenantIds: ['elsewhere'] } })
  ).body.token;
  assert.equal((await api.call('GET', `/run-requests/${requestId}`, { token: operator })).status, 403);
});

test('audit: latest state per record with filters and cursor paging, and one record’s full history', async (t) => {
  const api = await startAdminApi(t);
  await api.call('POST', '/tenants', { body: sampleTenantBody('auditee') });
  await writePostings(api, 'auditee', [
    {
      entity: 'supplier',
      naturalKey: '100|S1',
      status: 'failed',
      hash: 'h1',
      error: {
        status: 422,
        error: 'RecordInvalid',
        description: 'invalid',
        details: { access_token: 'leaked-token-123' },
      },
      offset: 1,
    },
    { entity: 'supplier', naturalKey: '100|S1', status: 'applied', hash: 'h1', offset: 2 },
    { entity: 'supplier', naturalKey: '100|S1', status: 'unchanged', hash: 'h1', offset: 3 },
    { entity: 'supplier', naturalKey: '100|S1', status: 'applied', hash: 'h2', offset: 4 },
    { entity: 'supplier', naturalKey: '100|S2', status: 'applied', hash: 'x', offset: 5 },
    {
      entity: 'invoice',
      naturalKey: '100|I1',
      status: 'dead_lettered',
      hash: 'i',
      error: { status: 503, error: 'ServiceUnavailable', description: 'Zendesk 503 after 5 attempts' },
      offset: 6,
      target: 'custom_object_record:mlc_invoice',
    },
    {
      entity: 'invoice',
      naturalKey: '100|I2',
      status: 'failed',
      hash: 'j',
      error: { status: 422, error: 'RecordInvalid', description: 'invalid' },
      offset: 7,
      target: 'custom_object_record:mlc_invoice',
    },
  ]);
  const latest = await api.call('GET', '/tenants/auditee/audit');
  assert.equal(latest.status, 200);
  assert.deepEqual(
    latest.body.records.map((r: { naturalKey: string; status: string }) => `${r.naturalKey}:${r.status}`),
    ['100|I2:failed', '100|I1:dead_lettered', '100|S2:applied', '100|S1:applied'],
  );
  const failed = await api.call('GET', '/tenants/auditee/audit?status=failed');
  assert.deepEqual(
    failed.body.records.map((r: { naturalKey: string }) => r.naturalKey),
    ['100|I2'],
  );
  const supplier = await api.call('GET', '/tenants/auditee/audit?entity=supplier&naturalKey=100%7CS1');
  assert.equal(supplier.body.records.length, 1);
  assert.equal(supplier.body.records[0].contentHash, 'h2');
  const page1 = await api.call('GET', '/tenants/auditee/audit?limit=3');
  assert.equal(page1.body.records.length, 3);
  const page2 = await api.call('GET', `/tenants/auditee/audit?limit=3&cursor=${page1.body.nextCursor}`);
  assert.deepEqual(
    page2.body.records.map((r: { naturalKey: string }) => r.naturalKey),
    ['100|S1'],
  );
  assert.equal(page2.body.nextCursor, null);
  const future = await api.call(
    'GET',
    `/tenants/auditee/audit?since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`,
  );
  assert.equal(future.body.records.length, 0);
  assert.equal((await api.call('GET', '/tenants/auditee/audit?status=lost')).body.error.field, 'status');

  const history = await api.call('GET', '/tenants/auditee/audit/supplier/100%7CS1');
  assert.equal(history.status, 200);
  assert.deepEqual(
    history.body.postings.map((p: { status: string; contentChanged: boolean }) => [p.status, p.contentChanged]),
    [
      ['failed', true],
      ['applied', false],
      ['unchanged', false],
      ['applied', true],
    ],
  );
  assert.ok(!history.text.includes('leaked-token-123'), 'stored errors are redacted on the way out');
});

test('DLQ lists current dead letters and retry sends a dlq-retry control message; replay sends a replay message', async (t) => {
  const api = await startAdminApi(t);
  await api.call('POST', '/tenants', { body: sampleTenantBody('dlq') });
  await writePostings(api, 'dlq', [
    {
      entity: 'invoice',
      naturalKey: 'I1',
      status: 'dead_lettered',
      hash: 'a',
      error: { status: 503, error: 'ServiceUnavailable', description: 'Zendesk 503' },
      offset: 10,
    },
    {
      entity: 'invoice',
      naturalKey: 'I2',
      status: 'failed',
      hash: 'b',
      error: { status: 422, error: 'RecordInvalid', description: 'invalid' },
      offset: 11,
    },
    {
      entity: 'invoice',
      naturalKey: 'I3',
      status: 'failed',
      hash: 'c',
      error: { status: 422, error: 'RecordInvalid', description: 'x' },
      offset: 12,
    },
    { entity: 'invoice', naturalKey: 'I3', status: 'applied', hash: 'c', offset: 13 },
  ]);
  const dlq = await api.call('GET', '/tenants/dlq/dlq');
  assert.deepEqual(
    dlq.body.deadLetters.map((d: { naturalKey: string }) => d.naturalKey),
    ['I2', 'I1'],
  );
  assert.equal(dlq.body.deadLetters[1].error.description, 'Zendesk 503');
  const one = await api.call('POST', '/tenants/dlq/dlq/retry', { body: { ids: [dlq.body.deadLetters[0].id] } });
  assert.equal(one.status, 202);
  assert.equal(one.body.retried, 1);
  const all = await api.call('POST', '/tenants/dlq/dlq/retry', { body: { all: true } });
  assert.equal(all.body.retried, 2);
  assert.equal(api.published.length, 2);
  const message = api.published[1];
  assert.equal(message?.type, 'dlq-retry');
  assert.deepEqual(
    message?.type === 'dlq-retry'
      ? message.items.map((item) => [item.naturalKey, item.sourceTopic, item.sourceOffset])
      : [],
    [
      ['I1', 'cloudsuite.invoice.v1', '10'],
      ['I2', 'cloudsuite.invoice.v1', '11'],
    ],
  );
  const applied = (
    await api.db.query<{ id: string }>("SELECT id FROM posting_history WHERE natural_key = 'I3' AND status = 'applied'")
  ).rows[0];
  const notDead = await api.call('POST', '/tenants/dlq/dlq/retry', { body: { ids: [applied?.id] } });
  assert.equal(notDead.status, 404);
  assert.equal(notDead.body.error.field, 'ids');
  assert.equal((await api.call('POST', '/tenants/dlq/dlq/retry', { body: {} })).status, 400);

  const replay = await api.call('POST', '/tenants/dlq/replay', {
    body: { entity: 'invoice', from: '2026-01-01T00:00:00Z', naturalKeys: ['I1'], force: true },
  });
  assert.equal(replay.status, 202, replay.text);
  assert.deepEqual(
    { ...api.published[2], requestId: undefined, requestedAt: undefined },
    {
      type: 'replay',
      version: 1,
      requestId: undefined,
      tenantId: 'dlq',
      requestedBy: 'bootstrap',
      requestedAt: undefined,
      entity: 'invoice',
      from: '2026-01-01T00:00:00.000Z',
      naturalKeys: ['I1'],
      force: true,
    },
  );
  const bad = await api.call('POST', '/tenants/dlq/replay', { body: { from: 'yesterday' } });
  assert.equal(bad.body.error.field, 'from');
  assert.equal(
    (await api.call('POST', '/tenants/dlq/replay', { body: { from: 'earliest', naturalKeys: ['I1'] } })).body.error
      .field,
    'entity',
  );
});

test('replay and DLQ retry answer 503 when the admin API has no Kafka', async (t) => {
  const api = await startAdminApi(t, { controlPublisher: null });
  await api.call('POST', '/tenants', { body: sampleTenantBody('nokafka') });
  const replay = await api.call('POST', '/tenants/nokafka/replay', { body: { from: 'earliest' } });
  assert.equal(replay.status, 503);
  assert.equal(replay.body.error.code, 'MLC_CONTROL_UNAVAILABLE');
});

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createDbPool } from '@mlc/common/db-pool';
import { migrate } from '@mlc/common/migrate';
import { DEFAULT_MAPPING } from '@mlc/loader/mapping/default-mapping';
import { deadLetterOf } from '@mlc/loader/posting/audit-publisher';
import type { Posting } from '@mlc/loader/posting/posting';
import { PostingBatchProcessor } from '@mlc/loader/posting/posting-batch-processor';
import { PostingHistoryStore } from '@mlc/loader/posting/posting-history-store';
import type pg from 'pg';
import { createIsolatedDatabaseSchema, type IsolatedDatabaseSchema } from '../support/isolated-database-schema.ts';
import { databaseUrl } from '../support/test-env.ts';
import { invoiceEvent } from './loader-kafka-harness.ts';

const TENANT = 'depco';
let schema: IsolatedDatabaseSchema;
let pool: pg.Pool;
let store: PostingHistoryStore;

before(async () => {
  schema = await createIsolatedDatabaseSchema('loader_dep');
  pool = createDbPool(databaseUrl(), { schema: schema.schema });
  await migrate(pool, { schema: schema.schema });
  store = new PostingHistoryStore(pool, schema.schema);
});

after(async () => {
  await pool?.end();
  await schema?.drop();
});

function organizationPosting(supplier: string, status: Posting['status'], offset: number): Posting {
  return {
    tenantId: TENANT,
    entity: 'supplier',
    naturalKey: supplier,
    zendeskTarget: 'organization',
    objectType: 'organization',
    externalId: `mlc:${TENANT}:supplier:${supplier}`,
    zendeskId: status === 'applied' ? `z${offset}` : null,
    status,
    contentHash: `h${offset}`,
    attempts: 1,
    error:
      status === 'failed'
        ? { status: 422, error: 'RecordInvalid', description: 'Name: is too long', details: { name: [] } }
        : null,
    eventId: `e${offset}`,
    runId: '',
    source: { topic: 'cloudsuite.supplier.v1', partition: 0, offset: String(offset) },
    diff: null,
    body: status === 'applied' ? { name: supplier } : null,
    postedAt: new Date().toISOString(),
  };
}

test('an invoice whose supplier organization Zendesk refused is dead-lettered within a second, with the reason', async () => {
  await store.record([
    organizationPosting('S1', 'failed', 1),
    // Applied once, refused since: the organization exists in Zendesk, so its invoices go out.
    organizationPosting('S2', 'applied', 2),
    organizationPosting('S2', 'failed', 3),
    // Refused once, applied since.
    organizationPosting('S3', 'failed', 4),
    organizationPosting('S3', 'applied', 5),
  ]);
  const sent: string[] = [];
  const processor = new PostingBatchProcessor({
    tenants: {
      get: async (tenantId) => ({
        tenantId,
        mapping: DEFAULT_MAPPING,
        target: () => ({
          name: 'custom_object_record:mlc_invoice',
          upsertBatch: async (records) => {
            sent.push(...records.map((record) => record.naturalKey));
            return records.map(() => ({ ok: true, zendeskId: 'z', action: 'create' }));
          },
        }),
      }),
    },
    state: store,
    sink: store,
    batchSize: 100,
    maxAttempts: 3,
    dependencyWaitMs: 30_000,
  });
  const started = Date.now();
  const postings = await processor.process(
    [invoiceEvent(TENANT, 1, 1), invoiceEvent(TENANT, 2, 2), invoiceEvent(TENANT, 3, 3)].map((event, n) => ({
      event,
      source: { topic: 'cloudsuite.invoice.v1', partition: 0, offset: String(n) },
      force: false,
    })),
  );
  const elapsed = Date.now() - started;
  assert.ok(elapsed < 1000, `settled after ${elapsed} ms`);
  assert.deepEqual(sent.toSorted(), ['S2:INV2:2026', 'S3:INV3:2026']);
  const refused = postings.find((posting) => posting.naturalKey === 'S1:INV1:2026')!;
  assert.equal(refused.status, 'dead_lettered');
  assert.equal(refused.error?.error, 'MLC_DEPENDENCY_FAILED');
  assert.match(refused.error?.description ?? '', /organization mlc:depco:supplier:S1 .* failed \(RecordInvalid\)/);
  assert.equal(deadLetterOf(refused).errorCode, 'MLC_DEPENDENCY_FAILED');
  const { rows } = await pool.query<{ status: string; error_code: string }>(
    `SELECT status, error_code FROM posting_history WHERE tenant_id = $1 AND entity = 'invoice' AND natural_key = $2`,
    [TENANT, 'S1:INV1:2026'],
  );
  assert.deepEqual(rows, [{ status: 'dead_lettered', error_code: 'MLC_DEPENDENCY_FAILED' }]);
});

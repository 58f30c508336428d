import type { EntityName } from '@mlc/common/entities';
import type pg from 'pg';
import type { PublishedRecordStore, RunRecorder, WatermarkStore } from './extraction-stores.ts';

/** Watermarks, published hashes and runs in PostgreSQL (tables of packages/common/src/migrations). */
export function createPgWatermarkStore(db: pg.Pool): WatermarkStore {
  return {
    async get(tenantId, entity) {
      const { rows } = await db.query<{ value: string }>(
        'SELECT value FROM watermarks WHERE tenant_id = $1 AND entity = $2',
        [tenantId, entity],
      );
      return rows[0]?.value ?? null;
    },
    async commit(tenantId, entity, value) {
      await db.query(
        `INSERT INTO watermarks (tenant_id, entity, value) VALUES ($1, $2, $3)
         ON CONFLICT (tenant_id, entity) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
        [tenantId, entity, value],
      );
    },
    async reset(tenantId, entity) {
      await db.query('DELETE FROM watermarks WHERE tenant_id = $1 AND ($2::text IS NULL OR entity = $2)', [
        tenantId,
        entity ?? null,
      ]);
    },
  };
}

export function createPgPublishedRecordStore(db: pg.Pool): PublishedRecordStore {
  return {
    async hashes(tenantId, entity, naturalKeys) {
      const found = new Map<string, { contentHash: string; sourceVersion: string | null }>();
      if (naturalKeys.length === 0) return found;
      const { rows } = await db.query<{ natural_key: string; content_hash: string; source_version: string | null }>(
        'SELECT natural_key, content_hash, source_version FROM published_records WHERE tenant_id = $1 AND entity = $2 AND natural_key = ANY($3::text[])',
        [tenantId, entity, naturalKeys],
      );
      for (const row of rows)
        found.set(row.natural_key, { contentHash: row.content_hash, sourceVersion: row.source_version });
      return found;
    },
    async remember(tenantId, entity, records) {
      if (records.length === 0) return;
      await db.query(
        `INSERT INTO published_records (tenant_id, entity, natural_key, content_hash, source_version)
         SELECT $1, $2, k, h, v FROM unnest($3::text[], $4::text[], $5::text[]) AS t(k, h, v)
         ON CONFLICT (tenant_id, entity, natural_key)
         DO UPDATE SET content_hash = EXCLUDED.content_hash, source_version = EXCLUDED.source_version, published_at = now()`,
        [
          tenantId,
          entity,
          records.map((r) => r.naturalKey),
          records.map((r) => r.contentHash),
          records.map((r) => r.sourceVersion),
        ],
      );
    },
    async remove(tenantId, entity, naturalKeys) {
      if (naturalKeys.length === 0) return;
      await db.query(
        'DELETE FROM published_records WHERE tenant_id = $1 AND entity = $2 AND natural_key = ANY($3::text[])',
        [tenantId, entity, naturalKeys],
      );
    },
    async forget(tenantId, entity) {
      await db.query('DELETE FROM published_records WHERE tenant_id = $1 AND ($2::text IS NULL OR entity = $2)', [
        tenantId,
        entity ?? null,
      ]);
    },
  };
}

/** Keys of a PO whose published change stamp equals the one just listed (their lines are unchanged too). */
export async function publishedAtVersion(
  store: PublishedRecordStore,
  tenantId: string,
  entity: EntityName,
  candidates: readonly { naturalKey: string; version: string }[],
): Promise<Set<string>> {
  const known = await store.hashes(
    tenantId,
    entity,
    candidates.map((c) => c.naturalKey),
  );
  return new Set(
    candidates.filter((c) => known.get(c.naturalKey)?.sourceVersion === c.version).map((c) => c.naturalKey),
  );
}

export function createPgRunRecorder(db: pg.Pool): RunRecorder {
  return {
    async start({ runId, tenantId, trigger }) {
      await db.query("INSERT INTO runs (id, tenant_id, trigger, status) VALUES ($1, $2, $3, 'running')", [
        runId,
        tenantId,
        trigger,
      ]);
    },
    async entity(runId, entity, s) {
      await db.query(
        `INSERT INTO run_entities (run_id, entity, status, pages, read, published, unchanged, failed, api_calls, retries, throttled, token_calls, duration_ms, error)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
         ON CONFLICT (run_id, entity) DO UPDATE SET status = EXCLUDED.status, pages = EXCLUDED.pages, read = EXCLUDED.read,
           published = EXCLUDED.published, unchanged = EXCLUDED.unchanged, failed = EXCLUDED.failed, api_calls = EXCLUDED.api_calls,
           retries = EXCLUDED.retries, throttled = EXCLUDED.throttled, token_calls = EXCLUDED.token_calls,
           duration_ms = EXCLUDED.duration_ms, error = EXCLUDED.error`,
        [
          runId,
          entity,
          s.status,
          s.pages,
          s.recordsRead,
          s.published,
          s.unchanged,
          s.failed,
          s.apiCalls,
          s.retries,
          s.throttled,
          s.tokenCalls,
          s.durationMs,
          s.error,
        ],
      );
    },
    async finish(runId, status, error) {
      await db.query(
        `UPDATE runs SET status = $2, finished_at = now(), error = $3,
           counts = (SELECT coalesce(jsonb_build_object('read', sum(read), 'published', sum(published), 'unchanged', sum(unchanged),
             'failed', sum(failed), 'apiCalls', sum(api_calls), 'retries', sum(retries)), '{}'::jsonb) FROM run_entities WHERE run_id = $1)
         WHERE id = $1`,
        [runId, status, error],
      );
    },
  };
}

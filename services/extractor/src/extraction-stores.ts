import type { EntityName } from '@mlc/common/entities';

/** Per tenant+entity delta position; moved only after Kafka acknowledged everything read up to it. */
export interface WatermarkStore {
  get(tenantId: string, entity: EntityName): Promise<string | null>;
  commit(tenantId: string, entity: EntityName, value: string): Promise<void>;
  /** Full resync: the next run lists the entity from the beginning and republishes every record. */
  reset(tenantId: string, entity?: EntityName): Promise<void>;
}

/** The content hash and source version last published per record, for change detection. */
export interface PublishedRecordStore {
  hashes(
    tenantId: string,
    entity: EntityName,
    naturalKeys: readonly string[],
  ): Promise<Map<string, { contentHash: string; sourceVersion: string | null }>>;
  remember(
    tenantId: string,
    entity: EntityName,
    records: readonly { naturalKey: string; contentHash: string; sourceVersion: string | null }[],
  ): Promise<void>;
  forget(tenantId: string, entity?: EntityName): Promise<void>;
  /** Deleted records: a record created again later is published again. */
  remove(tenantId: string, entity: EntityName, naturalKeys: readonly string[]): Promise<void>;
}

export interface EntityRunStats {
  /** `partial`: the listing completed and the watermark moved, but `failed` records were dead-lettered. */
  status: 'running' | 'succeeded' | 'partial' | 'failed' | 'skipped';
  pages: number;
  recordsRead: number;
  published: number;
  unchanged: number;
  failed: number;
  apiCalls: number;
  retries: number;
  throttled: number;
  tokenCalls: number;
  durationMs: number;
  error: string | null;
}

export type RunTrigger = 'schedule' | 'manual';
export type RunStatus = 'running' | 'succeeded' | 'partial' | 'failed' | 'abandoned';

export interface RunRecorder {
  start(run: { runId: string; tenantId: string; trigger: RunTrigger }): Promise<void>;
  entity(runId: string, entity: EntityName, stats: EntityRunStats): Promise<void>;
  finish(runId: string, status: RunStatus, error: string | null): Promise<void>;
}

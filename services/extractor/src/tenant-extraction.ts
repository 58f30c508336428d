import type { EntityName } from '@mlc/common/entities';
import { isMlcError } from '@mlc/common/errors';
import type { Logger } from '@mlc/common/logger';
import type { ChangePublisher } from './change-publisher.ts';
import { ChangePublisher as Publisher } from './change-publisher.ts';
import type {
  EntityRunStats,
  PublishedRecordStore,
  RunRecorder,
  RunStatus,
  RunTrigger,
  WatermarkStore,
} from './extraction-stores.ts';
import { emptyIonCallCounters, type IonCallCounters } from './ion/ion-call-counters.ts';
import { type ChangePage, laterPosition, type RejectedRecord, type SourceAdapter } from './source-adapter.ts';

export interface TenantExtractionDeps {
  adapter: SourceAdapter;
  publisher: ChangePublisher;
  watermarks: WatermarkStore;
  published: PublishedRecordStore;
  runs: RunRecorder;
  logger: Logger;
  /** The ION client counts into whatever this holds; the run swaps it per entity. */
  counters: { current: IonCallCounters };
  /** Where a dead-lettered record came from, e.g. `M3 CRS620MI/LstSuppliers`. */
  sourceName: (entity: EntityName) => string;
  /** Aborted on shutdown: the run stops between pages and commits nothing it has not published. */
  signal?: AbortSignal;
  onEntityDone?: (entity: EntityName, stats: EntityRunStats) => void;
}

export interface TenantRunRequest {
  tenantId: string;
  runId: string;
  trigger: RunTrigger;
  entities?: readonly EntityName[];
}

export interface TenantRunSummary {
  runId: string;
  status: RunStatus;
  entities: Partial<Record<EntityName, EntityRunStats>>;
}

class RunAbandoned extends Error {}

function emptyStats(): EntityRunStats {
  return {
    status: 'running',
    pages: 0,
    recordsRead: 0,
    published: 0,
    unchanged: 0,
    failed: 0,
    apiCalls: 0,
    retries: 0,
    throttled: 0,
    tokenCalls: 0,
    durationMs: 0,
    error: null,
  };
}

function entityError(error: unknown): string {
  if (error instanceof RunAbandoned) return 'abandoned at shutdown';
  // The code first: what an operator (or a script) sorts failed runs by.
  if (isMlcError(error)) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

/**
 * One entity: page through the changes since the watermark, publish what changed (content hash differs
 * from the last published one), dead-letter what cannot be normalized, and commit the highest position
 * read only once every page is acknowledged by Kafka. Pages come in key order, not change order, so the
 * watermark cannot move before the listing is complete; a crash re-reads, never skips.
 */
async function extractEntity(
  deps: TenantExtractionDeps,
  tenantId: string,
  runId: string,
  entity: EntityName,
): Promise<EntityRunStats> {
  const stats = emptyStats();
  const counters = emptyIonCallCounters();
  deps.counters.current = counters;
  const started = Date.now();
  const log = deps.logger.child({ tenantId, entity, runId });
  const context = { tenantId, entity, runId };
  try {
    const watermark = await deps.watermarks.get(tenantId, entity);
    let high = watermark;
    let firstRejection: RejectedRecord | undefined;
    let next: Promise<ChangePage> | undefined = deps.adapter.listChanges(entity, watermark, undefined);
    while (next !== undefined) {
      if (deps.signal?.aborted) throw new RunAbandoned('shutdown');
      const page: ChangePage = await next;
      // The next page is asked for while this one is compared and published, so ION's latency overlaps
      // PostgreSQL's and Kafka's (the extractor sat idle half of a run). The watermark still moves only
      // after the last page, and a page fetched but never used (shutdown, a failed page) commits nothing.
      next = page.nextCursor === undefined ? undefined : deps.adapter.listChanges(entity, watermark, page.nextCursor);
      next?.catch(() => undefined);
      stats.pages += 1;
      stats.recordsRead += page.records.length + page.rejected.length;
      const latest = new Map(page.records.map((record) => [record.naturalKey, Publisher.hash(record)]));
      const known = await deps.published.hashes(tenantId, entity, [...latest.keys()]);
      const changed = [...latest.values()].filter(
        (record) => known.get(record.naturalKey)?.contentHash !== record.contentHash,
      );
      const oversized = await deps.publisher.publish(context, changed);
      const rejected = [...page.rejected, ...oversized];
      await deps.publisher.deadLetter({ ...context, source: deps.sourceName(entity) }, rejected);
      const notSent = new Set(oversized.map((r) => r.naturalKey));
      const sent = notSent.size === 0 ? changed : changed.filter((record) => !notSent.has(record.naturalKey));
      // An unsent record is not remembered: once it shrinks (or the limit grows) the next run sends it.
      await deps.published.remember(tenantId, entity, sent);
      stats.published += sent.length;
      stats.unchanged += latest.size - changed.length;
      stats.failed += rejected.length;
      firstRejection ??= rejected[0];
      high = laterPosition(high, page.newWatermark);
      log.debug(
        { page: stats.pages, read: page.records.length, published: sent.length, rejected: rejected.length },
        'page published',
      );
    }
    const deletions = deps.adapter.deletions;
    if (deletions?.covers(entity)) {
      let cursor: string | undefined;
      do {
        if (deps.signal?.aborted) throw new RunAbandoned('shutdown');
        const page = await deletions.list(entity, watermark, cursor);
        stats.pages += 1;
        stats.recordsRead += page.deleted.length;
        // Only records published before (and not deleted since) get a delete event: re-reading the
        // overlap, or a record created and deleted between runs, publishes nothing.
        const known = await deps.published.hashes(
          tenantId,
          entity,
          page.deleted.map((d) => d.naturalKey),
        );
        const gone = page.deleted.filter((d) => known.has(d.naturalKey));
        await deps.publisher.publishDeletes(context, gone);
        await deps.published.remove(
          tenantId,
          entity,
          gone.map((d) => d.naturalKey),
        );
        stats.published += gone.length;
        high = laterPosition(high, page.newWatermark);
        cursor = page.nextCursor;
      } while (cursor !== undefined);
    }
    if (high !== null && high !== watermark) await deps.watermarks.commit(tenantId, entity, high);
    // A dead-lettered record is not in Zendesk: the run must not read as a clean success.
    stats.status = stats.failed > 0 ? 'partial' : 'succeeded';
    // An operator reading the run must learn why it is partial without searching the DLQ first.
    if (firstRejection !== undefined) {
      stats.error = `${stats.failed} record(s) dead-lettered, first ${firstRejection.naturalKey ?? '(no key)'}: ${firstRejection.reason}`;
    }
  } catch (error) {
    stats.status = 'failed';
    stats.error = entityError(error);
    if (!(error instanceof RunAbandoned)) log.warn({ err: error }, 'entity extraction failed');
  }
  stats.apiCalls = counters.calls;
  stats.retries = counters.retries;
  stats.throttled = counters.throttled;
  stats.tokenCalls = counters.tokenCalls;
  stats.durationMs = Date.now() - started;
  log.info(
    {
      status: stats.status,
      pages: stats.pages,
      read: stats.recordsRead,
      published: stats.published,
      unchanged: stats.unchanged,
      failed: stats.failed,
      apiCalls: stats.apiCalls,
      retries: stats.retries,
      durationMs: stats.durationMs,
    },
    'entity extracted',
  );
  return stats;
}

/** A run of one tenant: every entity in turn; one entity's failure does not stop the others. */
export async function runTenantExtraction(
  deps: TenantExtractionDeps,
  request: TenantRunRequest,
): Promise<TenantRunSummary> {
  const { tenantId, runId } = request;
  await deps.runs.start({ runId, tenantId, trigger: request.trigger });
  const summary: TenantRunSummary = { runId, status: 'running', entities: {} };
  for (const entity of request.entities ?? deps.adapter.entities) {
    if (deps.signal?.aborted) break;
    const stats = await extractEntity(deps, tenantId, runId, entity);
    summary.entities[entity] = stats;
    await deps.runs.entity(runId, entity, stats);
    deps.onEntityDone?.(entity, stats);
  }
  const results = Object.values(summary.entities);
  const failed = results.filter((s) => s.status === 'failed').length;
  const incomplete = results.filter((s) => s.status !== 'succeeded').length;
  summary.status = deps.signal?.aborted
    ? 'abandoned'
    : incomplete === 0
      ? 'succeeded'
      : failed === results.length
        ? 'failed'
        : 'partial';
  const errors = results.flatMap((s) => (s.error === null ? [] : [s.error]));
  await deps.runs.finish(runId, summary.status, errors.length === 0 ? null : errors.join('; ').slice(0, 2000));
  return summary;
}

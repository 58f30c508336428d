/**
 * A run as a person reads it: one line per entity with what was extracted, published, loaded, unchanged
 * and failed. Shared by `mlc runs show` and `npm start`. Reads the run detail leniently (entities as an
 * object keyed by entity or as a list; snake_case or camelCase counters).
 */
import { renderTable } from './output-format.ts';

export interface EntityProgress {
  entity: string;
  status: string;
  extracted: number;
  published: number;
  unchanged: number;
  failed: number;
  /** Zendesk writes confirmed by the loader, when the run detail or the caller knows them. */
  loaded: number | undefined;
}

const TERMINAL_RUN_STATUSES = new Set(['succeeded', 'partial', 'failed', 'abandoned', 'cancelled']);

export function isRunFinished(run: Record<string, unknown>): boolean {
  return typeof run.status === 'string' && TERMINAL_RUN_STATUSES.has(run.status);
}

function numberAt(source: Record<string, unknown>, ...keys: string[]): number | undefined {
  for (const key of keys) {
    const value = source[key];
    if (typeof value === 'number' && Number.isFinite(value)) return value;
    if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  }
  return undefined;
}

export function entityProgressOf(run: Record<string, unknown>): EntityProgress[] {
  const raw = run.entities ?? run.entityStats ?? run.counts;
  const entries: [string, Record<string, unknown>][] = Array.isArray(raw)
    ? raw
        .filter((item): item is Record<string, unknown> => typeof item === 'object' && item !== null)
        .map((item) => [String(item.entity ?? '?'), item])
    : typeof raw === 'object' && raw !== null
      ? Object.entries(raw as Record<string, unknown>)
          .filter(
            (entry): entry is [string, Record<string, unknown>] => typeof entry[1] === 'object' && entry[1] !== null,
          )
          .map(([entity, stats]) => [entity, stats])
      : [];
  return entries.map(([entity, stats]) => ({
    entity,
    status: typeof stats.status === 'string' ? stats.status : '-',
    extracted: numberAt(stats, 'recordsRead', 'records_read', 'read', 'extracted') ?? 0,
    published: numberAt(stats, 'published') ?? 0,
    unchanged: numberAt(stats, 'unchanged') ?? 0,
    failed: numberAt(stats, 'failed') ?? 0,
    loaded: numberAt(stats, 'loaded', 'applied'),
  }));
}

export function renderEntityProgress(rows: readonly EntityProgress[]): string {
  return renderTable(
    rows.map((row) => ({ ...row, loaded: row.loaded ?? '-' })),
    [
      { key: 'entity' },
      { key: 'status' },
      { key: 'extracted' },
      { key: 'published' },
      { key: 'loaded' },
      { key: 'unchanged' },
      { key: 'failed' },
    ],
  );
}

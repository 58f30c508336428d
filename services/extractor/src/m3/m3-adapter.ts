import type { EntityName, EntityPayloads } from '@mlc/common/entities';
import { NATURAL_KEY } from '@mlc/common/entities';
import type { ChangePage, ExtractedRecord, RejectedRecord, SourceAdapter } from '../source-adapter.ts';
import { laterPosition } from '../source-adapter.ts';
import { EXPORTMI_SEPARATOR, exportMiQuery, queryLiteral, splitRepl } from './exportmi-select.ts';
import { type ExportMiSource, M3_ENTITY_SOURCES, type M3EntitySource, type MiListSource } from './m3-entity-sources.ts';
import { lmtsMinus } from './m3-lmts.ts';
import type { M3MiClient } from './m3-mi-client.ts';
import { miDate, RecordRejection } from './m3-values.ts';
import type { MiRecord } from './mi-response.ts';

export interface M3AdapterOptions {
  mi: M3MiClient;
  /** Records per MI call (maxrecs); never 0. */
  pageSize: number;
  /** How far each poll reaches back before the watermark (a declaration's overlapMs wins). */
  overlapMs?: number;
  /** Lines per PO head call; a PO has far fewer. */
  maxLinesPerOrder?: number;
  /**
   * Keys whose last published change stamp equals the one just listed: their detail calls (PO lines)
   * are skipped, so a poll that re-reads its overlap costs no extra ION call.
   */
  publishedAtVersion?: (
    entity: EntityName,
    candidates: { naturalKey: string; version: string }[],
  ) => Promise<Set<string>>;
  sources?: { [E in EntityName]?: M3EntitySource<E> };
}

type Normalized<E extends EntityName> = ExtractedRecord<E> & { raw: MiRecord };

function isNewer(stamp: string | undefined, after: string | undefined): boolean {
  if (after === undefined) return true;
  const value = stamp?.trim() ?? '';
  return /^\d+$/.test(value) && /^\d+$/.test(after) ? BigInt(value) > BigInt(after) : value > after;
}

function maxStamp(raws: readonly MiRecord[], field: string, start: string | null): string | null {
  let high = start;
  for (const raw of raws) {
    const value = raw[field]?.trim();
    if (value !== undefined && /^\d+$/.test(value)) high = laterPosition(high, value);
  }
  return high;
}

function normalizeAll<E extends EntityName>(
  source: M3EntitySource<E>,
  raws: readonly MiRecord[],
  keyField: string,
  stampField: string,
) {
  const records: Normalized<E>[] = [];
  const rejected: RejectedRecord[] = [];
  for (const raw of raws) {
    try {
      const payload = source.normalize(raw);
      const modified =
        source.modifiedDateField === undefined ? null : miDate(raw[source.modifiedDateField], source.modifiedDateField);
      records.push({
        naturalKey: (NATURAL_KEY[source.entity] as (p: EntityPayloads[E]) => string)(payload),
        payload,
        sourceModifiedAt: modified === null ? null : `${modified}T00:00:00.000Z`,
        sourceVersion: raw[stampField]?.trim() || null,
        raw,
      });
    } catch (error) {
      if (!(error instanceof RecordRejection)) throw error;
      rejected.push({ naturalKey: raw[keyField]?.trim() || null, reason: error.message, raw });
    }
  }
  return { records, rejected };
}

/** The M3 adapter: MI list transactions with LMTS and start keys, EXPORTMI for tables (see m3-entity-sources). */
export function createM3Adapter(options: M3AdapterOptions): SourceAdapter {
  const sources = { ...M3_ENTITY_SOURCES, ...options.sources } as { [E in EntityName]: M3EntitySource<E> };
  const pollFrom = (source: { overlapMs?: number }, watermark: string | null) =>
    watermark === null ? undefined : lmtsMinus(watermark, source.overlapMs ?? options.overlapMs ?? 0);

  async function withLines<E extends EntityName>(
    source: M3EntitySource<E>,
    heads: Normalized<E>[],
    rejected: RejectedRecord[],
  ): Promise<Normalized<E>[]> {
    const lines = source.lines;
    if (lines === undefined || heads.length === 0) return heads;
    const candidates = heads.flatMap((h) =>
      h.sourceVersion === null ? [] : [{ naturalKey: h.naturalKey, version: h.sourceVersion }],
    );
    const unchanged =
      options.publishedAtVersion === undefined
        ? new Set<string>()
        : await options.publishedAtVersion(source.entity, candidates);
    const out: Normalized<E>[] = [];
    for (const head of heads) {
      if (unchanged.has(head.naturalKey)) continue;
      const lineRecords = await options.mi.execute(lines.program, lines.transaction, lines.inputs(head.raw), {
        maxrecs: options.maxLinesPerOrder ?? 9999,
      });
      try {
        out.push({ ...head, payload: lines.merge(head.payload, lineRecords) });
      } catch (error) {
        if (!(error instanceof RecordRejection)) throw error;
        rejected.push({ naturalKey: head.naturalKey, reason: error.message, raw: { ...head.raw, lines: lineRecords } });
      }
    }
    return out;
  }

  async function listMi<E extends EntityName>(
    source: MiListSource<E>,
    watermark: string | null,
    cursor: string | undefined,
  ): Promise<ChangePage<E>> {
    const from = pollFrom(source, watermark);
    const inputs: Record<string, string> = { ...source.fixedInputs };
    if (source.deltaInput !== undefined && from !== undefined) inputs[source.deltaInput] = from;
    if (source.startKeyInput !== undefined && cursor !== undefined) inputs[source.startKeyInput] = cursor;
    const maxrecs = source.startKeyInput === undefined ? (source.maxrecs ?? options.pageSize) : options.pageSize;
    const page = await options.mi.execute(source.program, source.transaction, inputs, { maxrecs });
    // A start key is inclusive: the cursor's own record was on the previous page. A list without delta
    // input is filtered here by its change stamp.
    const fresh = page.filter(
      (raw) =>
        (cursor === undefined || raw[source.keyField]?.trim() !== cursor) &&
        (source.deltaInput !== undefined || isNewer(raw[source.deltaOutput], from)),
    );
    const last = page.at(-1)?.[source.keyField]?.trim();
    const nextCursor =
      source.startKeyInput !== undefined && page.length >= maxrecs && last !== undefined && last !== cursor
        ? last
        : undefined;
    const { records, rejected } = normalizeAll(source, fresh, source.keyField, source.deltaOutput);
    const complete = await withLines(source, records, rejected);
    return {
      records: complete.map(({ raw: _raw, ...record }) => record),
      rejected,
      ...(nextCursor === undefined ? {} : { nextCursor }),
      newWatermark: maxStamp(fresh, source.deltaOutput, watermark),
    };
  }

  async function listTable<E extends EntityName>(
    source: ExportMiSource<E>,
    watermark: string | null,
    cursor: string | undefined,
  ): Promise<ChangePage<E>> {
    const p = source.columnPrefix;
    const conditions = (source.conditions ?? []).map((c) => `${p}${c}`);
    const from = pollFrom(source, watermark);
    if (from !== undefined) conditions.push(`${p}${source.deltaColumn} > ${from}`);
    if (cursor !== undefined) conditions.push(`${p}${source.keyColumn} > ${queryLiteral(cursor)}`);
    const columns = source.columns.map((c) => `${p}${c}`);
    const qery = exportMiQuery({ table: source.table, columns, conditions });
    const page = await options.mi.execute(
      'EXPORTMI',
      'Select',
      { SEPC: EXPORTMI_SEPARATOR, HDRS: '0', QERY: qery },
      { maxrecs: options.pageSize },
    );
    const { rows, malformed } = splitRepl(page, source.columns);
    const { records, rejected } = normalizeAll(source, rows, source.keyColumn, source.deltaColumn);
    for (const bad of malformed) rejected.push({ naturalKey: null, reason: bad.reason, raw: { REPL: bad.repl } });
    const complete = await withLines(source, records, rejected);
    const last = rows.at(-1)?.[source.keyColumn];
    const nextCursor = page.length >= options.pageSize && last !== undefined && last !== '' ? last : undefined;
    return {
      records: complete.map(({ raw: _raw, ...record }) => record),
      rejected,
      ...(nextCursor === undefined ? {} : { nextCursor }),
      newWatermark: maxStamp(rows, source.deltaColumn, watermark),
    };
  }

  return {
    entities: Object.keys(sources) as EntityName[],
    listChanges(entity, watermark, pageCursor) {
      const source = sources[entity] as M3EntitySource<typeof entity>;
      return source.kind === 'mi-list'
        ? listMi(source, watermark, pageCursor)
        : listTable(source, watermark, pageCursor);
    },
  };
}

/** Where a dead-lettered record of an entity came from, for the DLQ's sourceTopic. */
export function m3SourceName(entity: EntityName): string {
  const source = M3_ENTITY_SOURCES[entity];
  return source.kind === 'mi-list'
    ? `M3 ${source.program}/${source.transaction}`
    : `M3 EXPORTMI/Select ${source.table}`;
}

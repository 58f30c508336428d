import type { EntityName, EntityPayloads } from '@mlc/common/entities';
import { NATURAL_KEY } from '@mlc/common/entities';
import type { ChangePage, ExtractedRecord, RejectedRecord, SourceAdapter } from '../source-adapter.ts';
import { laterPosition } from '../source-adapter.ts';
import { EXPORTMI_SEPARATOR, exportMiQuery, keyCursorCondition, splitRepl } from './exportmi-select.ts';
import { type ExportMiSource, M3_ENTITY_SOURCES, type M3EntitySource, type MiListSource } from './m3-entity-sources.ts';
import type { M3MiClient } from './m3-mi-client.ts';
import type { MiRecord } from './mi-response.ts';
import { lmtsMinus } from './m3-lmts.ts';
import { miDate, RecordRejection } from './m3-values.ts';

export interface M3AdapterOptions {
  mi: M3MiClient;
  /** Records per MI call (maxrecs). */
  pageSize: number;
  /** How far each poll reaches back before the watermark (a declaration's overlapMs wins). */
  overlapMs?: number;
  /** Lines per PO head call; a PO has far fewer. */
  maxLinesPerOrder?: number;
  /**
   * Keys whose last published version equals the given delta position: their detail calls (PO lines)
   * are skipped, so a poll that re-reads its overlap costs no extra ION call.
   */
  publishedAtVersion?: (entity: EntityName, candidates: { naturalKey: string; version: string }[]) => Promise<Set<string>>;
  sources?: { [E in EntityName]?: M3EntitySource<E> };
}

function rejected(raw: MiRecord, naturalKey: string | null, error: unknown): RejectedRecord {
  if (error instanceof RecordRejection) return { naturalKey, reason: error.message, raw };
  throw error;
}

function normalizeAll<E extends EntityName>(
  source: M3EntitySource<E>,
  raws: readonly MiRecord[],
  keyOf: (raw: MiRecord) => string | null,
  versionOf: (raw: MiRecord) => string | null,
): { records: (ExtractedRecord<E> & { raw: MiRecord })[]; rejected: RejectedRecord[] } {
  const records: (ExtractedRecord<E> & { raw: MiRecord })[] = [];
  const rejections: RejectedRecord[] = [];
  for (const raw of raws) {
    try {
      const payload = source.normalize(raw);
      const modified = source.modifiedDateField === undefined ? null : miDate(raw[source.modifiedDateField], source.modifiedDateField);
      records.push({
        naturalKey: (NATURAL_KEY[source.entity] as (p: EntityPayloads[E]) => string)(payload),
        payload,
        sourceModifiedAt: modified === null ? null : `${modified}T00:00:00.000Z`,
        sourceVersion: versionOf(raw),
        raw,
      });
    } catch (error) {
      rejections.push(rejected(raw, keyOf(raw), error));
    }
  }
  return { records, rejected: rejections };
}


function maxVersion(raws: readonly MiRecord[], field: string, start: string | null): string | null {
  let high = start;
  for (const raw of raws) {
    const value = raw[field]?.trim();
    if (value !== undefined && /^\d+$/.test(value)) high = laterPosition(high, value);
  }
  return high;
}

/** The M3 adapter: list transactions with LMTS and a start key, EXPORTMI for tables without one. */
export function createM3Adapter(options: M3AdapterOptions): SourceAdapter {
  const sources = { ...M3_ENTITY_SOURCES, ...options.sources } as { [E in EntityName]: M3EntitySource<E> };

  async function listMi<E extends EntityName>(source: MiListSource<E>, watermark: string | null, cursor: string | undefined): Promise<ChangePage<E>> {
    const inputs: Record<string, string> = { ...source.fixedInputs };
    const from = watermark === null ? undefined : lmtsMinus(watermark, source.overlapMs ?? options.overlapMs ?? 0);
    if (from !== undefined) inputs[source.deltaInput] = from;
    if (cursor !== undefined) inputs[source.keyField] = cursor;
    const page = await options.mi.execute(source.program, source.transaction, inputs, { maxrecs: options.pageSize });
    // The start key is inclusive: the cursor's own record was on the previous page.
    const fresh = cursor === undefined ? page : page.filter((raw) => raw[source.keyField]?.trim() !== cursor);
    const last = page.at(-1)?.[source.keyField]?.trim();
    const nextCursor = page.length >= options.pageSize && last !== undefined && last !== cursor ? last : undefined;
    const { records, rejected: rejections } = normalizeAll(
      source,
      fresh,
      (raw) => raw[source.keyField]?.trim() || null,
      (raw) => raw[source.deltaOutput]?.trim() || null,
    );
    const withLines = source.lines === undefined ? records : await addLines(source, records, rejections);
    return {
      records: withLines.map(({ raw: _raw, ...record }) => record),
      rejected: rejections,
      ...(nextCursor === undefined ? {} : { nextCursor }),
      newWatermark: maxVersion(page, source.deltaOutput, watermark),
    };
  }

  async function addLines<E extends EntityName>(
    source: MiListSource<E>,
    heads: (ExtractedRecord<E> & { raw: MiRecord })[],
    rejections: RejectedRecord[],
  ): Promise<(ExtractedRecord<E> & { raw: MiRecord })[]> {
    const lines = source.lines;
    if (lines === undefined) return heads;
    const candidates = heads.flatMap((h) => (h.sourceVersion === null ? [] : [{ naturalKey: h.naturalKey, version: h.sourceVersion }]));
    const unchanged = options.publishedAtVersion === undefined || candidates.length === 0 ? new Set<string>() : await options.publishedAtVersion(source.entity, candidates);
    const out: (ExtractedRecord<E> & { raw: MiRecord })[] = [];
    for (const head of heads) {
      if (unchanged.has(head.naturalKey)) continue;
      const lineRecords = await options.mi.execute(lines.program, lines.transaction, lines.inputs(head.raw), {
        maxrecs: options.maxLinesPerOrder ?? 9999,
      });
      try {
        out.push({ ...head, payload: lines.merge(head.payload, lineRecords) });
      } catch (error) {
        rejections.push(rejected(head.raw, head.naturalKey, error));
      }
    }
    return out;
  }

  async function listExport<E extends EntityName>(source: ExportMiSource<E>, watermark: string | null, cursor: string | undefined): Promise<ChangePage<E>> {
    const conditions: string[] = [];
    if (source.filter !== undefined) conditions.push(source.filter);
    const from = watermark === null ? undefined : lmtsMinus(watermark, source.overlapMs ?? options.overlapMs ?? 0);
    if (from !== undefined) conditions.push(`${source.deltaColumn} > ${from}`);
    if (cursor !== undefined) conditions.push(keyCursorCondition(source.keyColumns, JSON.parse(cursor) as string[]));
    const qery = exportMiQuery({ table: source.table, columns: source.columns, conditions });
    const page = await options.mi.execute('EXPORTMI', 'Select', { SEPC: EXPORTMI_SEPARATOR, HDRS: '0', QERY: qery }, { maxrecs: options.pageSize });
    const { rows, malformed } = splitRepl(page, source.columns);
    const keyOf = (row: MiRecord): string | null => row[source.keyColumns.at(-1)?.name ?? ''] || null;
    const { records, rejected: rejections } = normalizeAll(source, rows, keyOf, (row) => row[source.deltaColumn] || null);
    for (const bad of malformed) rejections.push({ naturalKey: null, reason: bad.reason, raw: { REPL: bad.repl } });
    const lastRow = rows.at(-1);
    const nextCursor =
      page.length >= options.pageSize && lastRow !== undefined ? JSON.stringify(source.keyColumns.map((k) => lastRow[k.name] ?? '')) : undefined;
    return {
      records: records.map(({ raw: _raw, ...record }) => record),
      rejected: rejections,
      ...(nextCursor === undefined ? {} : { nextCursor }),
      newWatermark: maxVersion(rows, source.deltaColumn, watermark),
    };
  }

  return {
    entities: Object.keys(sources) as EntityName[],
    listChanges(entity, watermark, pageCursor) {
      const source = sources[entity] as M3EntitySource<typeof entity>;
      return source.kind === 'mi-list' ? listMi(source, watermark, pageCursor) : listExport(source, watermark, pageCursor);
    },
  };
}

import type { EntityName } from '@mlc/common/entities';
import { MlcError } from '@mlc/common/errors';
import type { ChangePage, DeletionPage, RejectedRecord, SourceAdapter } from '../source-adapter.ts';
import { laterPosition } from '../source-adapter.ts';
import {
  headsNeedingLines,
  mergeLines,
  normalizeRows,
  type PublishedAtVersion,
  type RowReading,
  type SourceRecord,
  withoutRows,
} from '../source-records.ts';
import { EXPORTMI_SEPARATOR, exportMiQuery, queryLiteral, splitRepl } from './exportmi-select.ts';
import {
  type ExportMiSource,
  type LineTable,
  M3_ENTITY_SOURCES,
  type M3EntitySource,
  type MiListSource,
} from './m3-entity-sources.ts';
import { lmtsMinus } from './m3-lmts.ts';
import type { M3MiClient } from './m3-mi-client.ts';
import { miDate } from './m3-values.ts';
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
   * Read lines with the per-record MI transaction (PPS200MI/LstLine) instead of the line table: one call
   * per changed PO, for tenants whose EXPORTMI may not read MPLINE.
   */
  linesPerRecord?: boolean;
  /**
   * Keys whose last published change stamp equals the one just listed: their detail calls (PO lines)
   * are skipped, so a poll that re-reads its overlap costs no extra ION call.
   */
  publishedAtVersion?: PublishedAtVersion;
  sources?: { [E in EntityName]?: M3EntitySource<E> };
  /** The tenant enabled deletion audit: deletions come from SES120MI/LstDeleted as op=delete events. */
  deletes?: boolean;
}

/** A line-number literal: numeric fields compare as numbers, anything else as quoted text. */
function lineLiteral(value: string): string {
  return /^\d+$/.test(value) ? value : queryLiteral(value);
}

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

/** How an M3 declaration's rows are read: LMDT (yyyyMMdd) is the modification date where declared. */
function m3RowReading<E extends EntityName>(
  source: M3EntitySource<E>,
  keyField: string,
  versionField: string,
): RowReading<E> {
  const field = source.modifiedDateField;
  return {
    entity: source.entity,
    normalize: source.normalize,
    keyField,
    versionField,
    modifiedAt: (row) => {
      const modified = field === undefined ? null : miDate(row[field], field);
      return modified === null ? null : `${modified}T00:00:00.000Z`;
    },
  };
}

/** The M3 adapter: MI list transactions with LMTS and start keys, EXPORTMI for tables (see m3-entity-sources). */
export function createM3Adapter(options: M3AdapterOptions): SourceAdapter {
  const sources = { ...M3_ENTITY_SOURCES, ...options.sources } as { [E in EntityName]: M3EntitySource<E> };
  const pollFrom = (source: { overlapMs?: number }, watermark: string | null) =>
    watermark === null ? undefined : lmtsMinus(watermark, source.overlapMs ?? options.overlapMs ?? 0);

  async function withLines<E extends EntityName>(
    source: M3EntitySource<E>,
    heads: SourceRecord<E>[],
    rejected: RejectedRecord[],
  ): Promise<SourceRecord<E>[]> {
    const lines = source.lines;
    if (lines === undefined || heads.length === 0) return heads;
    const wanted = await headsNeedingLines(source.entity, heads, options.publishedAtVersion);
    const tableLines =
      options.linesPerRecord === true ? undefined : await linesFromTable(lines.table, wanted, rejected);
    return mergeLines(
      wanted,
      (head) =>
        tableLines === undefined
          ? options.mi.execute(lines.program, lines.transaction, lines.inputs(head.raw), {
              maxrecs: options.maxLinesPerOrder ?? 9999,
            })
          : (tableLines.get(head.raw[lines.table.headKey]?.trim() ?? '') ?? []),
      lines.merge,
      rejected,
    );
  }

  /**
   * The lines of a page of heads (in key order) from their table: EXPORTMI/Select over the heads' key
   * range, `maxrecs` lines per call. A call that fills its page may have stopped inside a head, so the
   * next call finishes that head from its last line number (rows already read are dropped) and then
   * continues after it. Lines of heads in the range that did not change are read and dropped: a few
   * rows more costs nothing next to a call per head.
   */
  async function linesFromTable(
    table: LineTable,
    heads: readonly { raw: MiRecord }[],
    rejected: RejectedRecord[],
  ): Promise<Map<string, MiRecord[]>> {
    const byHead = new Map<string, MiRecord[]>();
    const keys = heads.map((h) => h.raw[table.headKey]?.trim() ?? '').filter((k) => k !== '');
    for (const key of keys) byHead.set(key, []);
    const first = keys[0];
    const last = keys.at(-1);
    if (first === undefined || last === undefined) return byHead;
    const p = table.columnPrefix;
    const lineKey = table.lineKey[0] ?? table.headKey;
    const seen = new Set<string>();
    let from: { op: '>=' | '>'; key: string; within?: undefined } | { within: string; line: string } = {
      op: '>=',
      key: first,
    };
    for (;;) {
      const conditions =
        from.within !== undefined
          ? [`${p}${table.headKey} = ${queryLiteral(from.within)}`, `${p}${lineKey} >= ${lineLiteral(from.line)}`]
          : [
              `${p}${table.headKey} ${from.op} ${queryLiteral(from.key)}`,
              `${p}${table.headKey} <= ${queryLiteral(last)}`,
            ];
      const columns = table.columns.map((c) => `${p}${c}`);
      const page = await options.mi.execute(
        'EXPORTMI',
        'Select',
        { SEPC: EXPORTMI_SEPARATOR, HDRS: '0', QERY: exportMiQuery({ table: table.table, columns, conditions }) },
        { maxrecs: options.pageSize },
      );
      const { rows, malformed } = splitRepl(page, table.columns);
      for (const bad of malformed) rejected.push({ naturalKey: null, reason: bad.reason, raw: { REPL: bad.repl } });
      for (const row of rows) {
        const id = [row[table.headKey], ...table.lineKey.map((k) => row[k])].join('|');
        if (seen.has(id)) continue;
        seen.add(id);
        byHead.get(row[table.headKey] ?? '')?.push(row);
      }
      const end = rows.at(-1);
      if (page.length >= options.pageSize && end !== undefined) {
        const head = end[table.headKey] ?? '';
        const line = end[lineKey] ?? '';
        if (from.within !== undefined && from.within === head && from.line === line) {
          throw new MlcError(
            'MLC_MI_ERROR',
            `${table.table}: more than ${options.pageSize} rows share ${table.headKey} ${head} ${lineKey} ${line}`,
          );
        }
        from = { within: head, line };
      } else if (from.within !== undefined && from.within !== last) {
        from = { op: '>', key: from.within };
      } else {
        return byHead;
      }
    }
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
    const { records, rejected } = normalizeRows(m3RowReading(source, source.keyField, source.deltaOutput), fresh);
    const complete = await withLines(source, records, rejected);
    return {
      records: withoutRows(complete),
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
    const { records, rejected } = normalizeRows(m3RowReading(source, source.keyColumn, source.deltaColumn), rows);
    for (const bad of malformed) rejected.push({ naturalKey: null, reason: bad.reason, raw: { REPL: bad.repl } });
    const complete = await withLines(source, records, rejected);
    const last = rows.at(-1)?.[source.keyColumn];
    const nextCursor = page.length >= options.pageSize && last !== undefined && last !== '' ? last : undefined;
    return {
      records: withoutRows(complete),
      rejected,
      ...(nextCursor === undefined ? {} : { nextCursor }),
      newWatermark: maxStamp(rows, source.deltaColumn, watermark),
    };
  }

  /**
   * SES120MI/LstDeleted of the entity's table after the (overlapped) watermark, oldest first; a full page
   * continues from its last LMTS (records changed strictly after it).
   */
  async function listDeletions(
    entity: EntityName,
    watermark: string | null,
    cursor: string | undefined,
  ): Promise<DeletionPage> {
    const source = sources[entity] as M3EntitySource;
    const deletion = source.deletion;
    if (deletion === undefined) return { deleted: [], newWatermark: watermark };
    const inputs: Record<string, string> = { FILE: deletion.file };
    const from = cursor ?? pollFrom(source, watermark);
    if (from !== undefined) inputs.LMTS = from;
    const page = await options.mi.execute('SES120MI', 'LstDeleted', inputs, { maxrecs: options.pageSize });
    const deleted = page.flatMap((raw) => {
      const key = raw[deletion.keyField]?.trim() ?? '';
      if (key === '' || (raw.FILE !== undefined && raw.FILE.trim() !== deletion.file)) return [];
      const date = /^\d{8}$/.test(raw.DLDT?.trim() ?? '') ? miDate(raw.DLDT, 'DLDT') : null;
      return [
        {
          naturalKey: key,
          sourceModifiedAt: date === null ? null : `${date}T00:00:00.000Z`,
          sourceVersion: raw.LMTS?.trim() || null,
        },
      ];
    });
    const last = page.at(-1)?.LMTS?.trim();
    const nextCursor = page.length >= options.pageSize && last !== undefined && last !== from ? last : undefined;
    return {
      deleted,
      ...(nextCursor === undefined ? {} : { nextCursor }),
      newWatermark: maxStamp(page, 'LMTS', watermark),
    };
  }

  return {
    ...(options.deletes === true
      ? { deletions: { covers: (entity: EntityName) => sources[entity].deletion !== undefined, list: listDeletions } }
      : {}),
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

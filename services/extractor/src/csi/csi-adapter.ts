import type { EntityName } from '@mlc/common/entities';
import type { ChangePage, RejectedRecord, SourceAdapter } from '../source-adapter.ts';
import { laterPosition } from '../source-adapter.ts';
import {
  headsNeedingLines,
  mergeLines,
  normalizeRows,
  type PublishedAtVersion,
  type SourceRecord,
  withoutRows,
} from '../source-records.ts';
import { CSI_ENTITY_SOURCES, type CsiEntitySource } from './csi-entity-sources.ts';
import type { CsiIdoClient, IdoItem } from './csi-ido-client.ts';
import { recordDateIso, recordDateMinus } from './csi-record-date.ts';

export interface CsiAdapterOptions {
  ido: CsiIdoClient;
  /** Rows per IDO load (recordcap); never 0. */
  pageSize: number;
  /** How far each poll reaches back before the watermark (a declaration's overlapMs wins). */
  overlapMs?: number;
  /** Keys whose last published RecordDate equals the one just listed: their lines are not loaded again. */
  publishedAtVersion?: PublishedAtVersion;
  sources?: { [E in EntityName]?: CsiEntitySource<E> };
}

/** An IDO filter literal (SQL text literal). */
function filterLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * The CSI adapter: IDO loads filtered by `RecordDate` and paged with the load's bookmark
 * (`loadtype=NEXT`); PO lines from SLPoitems for a page of changed heads by key range.
 */
export function createCsiAdapter(options: CsiAdapterOptions): SourceAdapter {
  const sources = { ...CSI_ENTITY_SOURCES, ...options.sources } as { [E in EntityName]: CsiEntitySource<E> };

  /** Every line row of the heads' key range, bookmark-paged, grouped by head key. */
  async function linesOf<E extends EntityName>(
    lines: NonNullable<CsiEntitySource<E>['lines']>,
    heads: readonly SourceRecord<E>[],
  ): Promise<Map<string, IdoItem[]>> {
    const byHead = new Map<string, IdoItem[]>();
    const keys = heads.map((h) => h.raw[lines.headKey]?.trim() ?? '').filter((k) => k !== '');
    for (const key of keys) byHead.set(key, []);
    const first = keys[0];
    const last = keys.at(-1);
    if (first === undefined || last === undefined) return byHead;
    const filter =
      first === last
        ? `${lines.headKey} = ${filterLiteral(first)}`
        : `${lines.headKey} >= ${filterLiteral(first)} AND ${lines.headKey} <= ${filterLiteral(last)}`;
    let bookmark: string | undefined;
    do {
      const page = await options.ido.load(lines.ido, {
        properties: lines.properties,
        filter,
        recordcap: options.pageSize,
        ...(bookmark === undefined ? {} : { bookmark }),
      });
      for (const item of page.items) byHead.get(item[lines.headKey]?.trim() ?? '')?.push(item);
      bookmark = page.bookmark;
    } while (bookmark !== undefined);
    return byHead;
  }

  async function withLines<E extends EntityName>(
    source: CsiEntitySource<E>,
    heads: SourceRecord<E>[],
    rejected: RejectedRecord[],
  ): Promise<SourceRecord<E>[]> {
    const lines = source.lines;
    if (lines === undefined || heads.length === 0) return heads;
    const wanted = await headsNeedingLines(source.entity, heads, options.publishedAtVersion);
    const byHead = await linesOf(lines, wanted);
    return mergeLines(wanted, (head) => byHead.get(head.raw[lines.headKey]?.trim() ?? '') ?? [], lines.merge, rejected);
  }

  async function list<E extends EntityName>(
    source: CsiEntitySource<E>,
    watermark: string | null,
    bookmark: string | undefined,
  ): Promise<ChangePage<E>> {
    const from =
      watermark === null ? undefined : recordDateMinus(watermark, source.overlapMs ?? options.overlapMs ?? 0);
    const page = await options.ido.load(source.ido, {
      properties: source.properties,
      ...(from === undefined ? {} : { filter: `${source.deltaProperty} > ${filterLiteral(from)}` }),
      recordcap: options.pageSize,
      ...(bookmark === undefined ? {} : { bookmark }),
    });
    const { records, rejected } = normalizeRows(
      {
        entity: source.entity,
        normalize: source.normalize,
        keyField: source.keyProperty,
        versionField: source.deltaProperty,
        modifiedAt: (_row, version) => recordDateIso(version ?? undefined),
      },
      page.items,
    );
    const complete = await withLines(source, records, rejected);
    let high = watermark;
    for (const item of page.items) high = laterPosition(high, item[source.deltaProperty]?.trim() || null);
    return {
      records: withoutRows(complete),
      rejected,
      ...(page.bookmark === undefined ? {} : { nextCursor: page.bookmark }),
      newWatermark: high,
    };
  }

  return {
    entities: Object.keys(sources) as EntityName[],
    listChanges(entity, watermark, pageCursor) {
      return list(sources[entity] as CsiEntitySource<typeof entity>, watermark, pageCursor);
    },
  };
}

/** Where a dead-lettered record of an entity came from, for the DLQ's sourceTopic. */
export function csiSourceName(entity: EntityName): string {
  return `CSI ${CSI_ENTITY_SOURCES[entity].ido}`;
}

import type { EntityName, EntityPayloads } from '@mlc/common/entities';
import { NATURAL_KEY } from '@mlc/common/entities';
import { RecordRejection } from '../m3/m3-values.ts';
import type { ChangePage, ExtractedRecord, RejectedRecord, SourceAdapter } from '../source-adapter.ts';
import { laterPosition } from '../source-adapter.ts';
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
  publishedAtVersion?: (
    entity: EntityName,
    candidates: { naturalKey: string; version: string }[],
  ) => Promise<Set<string>>;
  sources?: { [E in EntityName]?: CsiEntitySource<E> };
}

type Normalized<E extends EntityName> = ExtractedRecord<E> & { raw: IdoItem };

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

  function normalizeAll<E extends EntityName>(source: CsiEntitySource<E>, items: readonly IdoItem[]) {
    const records: Normalized<E>[] = [];
    const rejected: RejectedRecord[] = [];
    for (const raw of items) {
      try {
        const payload = source.normalize(raw);
        const version = raw[source.deltaProperty]?.trim() || null;
        records.push({
          naturalKey: (NATURAL_KEY[source.entity] as (p: EntityPayloads[E]) => string)(payload),
          payload,
          sourceModifiedAt: recordDateIso(version ?? undefined),
          sourceVersion: version,
          raw,
        });
      } catch (error) {
        if (!(error instanceof RecordRejection)) throw error;
        rejected.push({ naturalKey: raw[source.keyProperty]?.trim() || null, reason: error.message, raw });
      }
    }
    return { records, rejected };
  }

  /** Every line row of the heads' key range, bookmark-paged, grouped by head key. */
  async function linesOf<E extends EntityName>(
    lines: NonNullable<CsiEntitySource<E>['lines']>,
    heads: readonly Normalized<E>[],
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
    const wanted = heads.filter((h) => !unchanged.has(h.naturalKey));
    const byHead = await linesOf(lines, wanted);
    const out: Normalized<E>[] = [];
    for (const head of wanted) {
      const items = byHead.get(head.raw[lines.headKey]?.trim() ?? '') ?? [];
      try {
        out.push({ ...head, payload: lines.merge(head.payload, items) });
      } catch (error) {
        if (!(error instanceof RecordRejection)) throw error;
        rejected.push({ naturalKey: head.naturalKey, reason: error.message, raw: { ...head.raw, lines: items } });
      }
    }
    return out;
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
    const { records, rejected } = normalizeAll(source, page.items);
    const complete = await withLines(source, records, rejected);
    let high = watermark;
    for (const item of page.items) high = laterPosition(high, item[source.deltaProperty]?.trim() || null);
    return {
      records: complete.map(({ raw: _raw, ...record }) => record),
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

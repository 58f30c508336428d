import type { EntityName, EntityPayloads } from '@mlc/common/entities';
import { NATURAL_KEY } from '@mlc/common/entities';
import { RecordRejection } from './m3/m3-values.ts';
import type { ExtractedRecord, RejectedRecord } from './source-adapter.ts';

/** A row as an ERP returns it (an MI record, an IDO item): field name to text. */
export type SourceRow = Record<string, string>;

/** An extracted record that still carries its source row, for line lookups and DLQ context. */
export type SourceRecord<E extends EntityName> = ExtractedRecord<E> & { raw: SourceRow };

/** How one adapter reads a row of an entity; `modifiedAt` may reject the row like `normalize`. */
export interface RowReading<E extends EntityName> {
  entity: E;
  normalize: (row: SourceRow) => EntityPayloads[E];
  keyField: string;
  versionField: string;
  modifiedAt: (row: SourceRow, version: string | null) => string | null;
}

/** Rows to records; a row the normalizer rejects becomes a rejected record (other errors propagate). */
export function normalizeRows<E extends EntityName>(reading: RowReading<E>, rows: readonly SourceRow[]) {
  const records: SourceRecord<E>[] = [];
  const rejected: RejectedRecord[] = [];
  for (const raw of rows) {
    try {
      const payload = reading.normalize(raw);
      const version = raw[reading.versionField]?.trim() || null;
      records.push({
        naturalKey: (NATURAL_KEY[reading.entity] as (p: EntityPayloads[E]) => string)(payload),
        payload,
        sourceModifiedAt: reading.modifiedAt(raw, version),
        sourceVersion: version,
        raw,
      });
    } catch (error) {
      if (!(error instanceof RecordRejection)) throw error;
      rejected.push({ naturalKey: raw[reading.keyField]?.trim() || null, reason: error.message, raw });
    }
  }
  return { records, rejected };
}

export type PublishedAtVersion = (
  entity: EntityName,
  candidates: { naturalKey: string; version: string }[],
) => Promise<Set<string>>;

/** The heads whose version was not published yet: only those need their lines read again. */
export async function headsNeedingLines<E extends EntityName>(
  entity: E,
  heads: SourceRecord<E>[],
  publishedAtVersion: PublishedAtVersion | undefined,
): Promise<SourceRecord<E>[]> {
  const candidates = heads.flatMap((h) =>
    h.sourceVersion === null ? [] : [{ naturalKey: h.naturalKey, version: h.sourceVersion }],
  );
  const unchanged = publishedAtVersion === undefined ? new Set<string>() : await publishedAtVersion(entity, candidates);
  return heads.filter((h) => !unchanged.has(h.naturalKey));
}

/** Each head with its lines merged in; a head whose lines the merge rejects is rejected with them. */
export async function mergeLines<E extends EntityName>(
  heads: readonly SourceRecord<E>[],
  linesOf: (head: SourceRecord<E>) => SourceRow[] | Promise<SourceRow[]>,
  merge: (payload: EntityPayloads[E], lines: SourceRow[]) => EntityPayloads[E],
  rejected: RejectedRecord[],
): Promise<SourceRecord<E>[]> {
  const out: SourceRecord<E>[] = [];
  for (const head of heads) {
    const lines = await linesOf(head);
    try {
      out.push({ ...head, payload: merge(head.payload, lines) });
    } catch (error) {
      if (!(error instanceof RecordRejection)) throw error;
      rejected.push({ naturalKey: head.naturalKey, reason: error.message, raw: { ...head.raw, lines } });
    }
  }
  return out;
}

/** The records without their source rows, as a change page carries them. */
export function withoutRows<E extends EntityName>(records: readonly SourceRecord<E>[]): ExtractedRecord<E>[] {
  return records.map(({ raw: _raw, ...record }) => record);
}

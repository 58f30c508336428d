import type { EntityName, EntityPayloads } from '@mlc/common/entities';

/** A normalized record ready to be published: its payload matches the entity's interface exactly. */
export interface ExtractedRecord<E extends EntityName = EntityName> {
  naturalKey: string;
  payload: EntityPayloads[E];
  sourceModifiedAt: string | null;
  /** The record's own delta position (M3 LMTS, CSI RecordDate), used to advance the watermark. */
  sourceVersion: string | null;
}

/** A record the ERP returned that cannot become an entity payload; it goes to the DLQ with the reason. */
export interface RejectedRecord {
  naturalKey: string | null;
  reason: string;
  raw: Record<string, unknown>;
}

export interface ChangePage<E extends EntityName = EntityName> {
  records: ExtractedRecord<E>[];
  rejected: RejectedRecord[];
  /** Present when the listing has more pages; pass it back to get the next one. */
  nextCursor?: string;
  /** The highest delta position seen so far in this listing (never lower than the watermark given). */
  newWatermark: string | null;
}

/** A record the ERP reports deleted (M3 deletion audit); published as op=delete with a null payload. */
export interface DeletedRecord {
  naturalKey: string;
  sourceModifiedAt: string | null;
  sourceVersion: string | null;
}

export interface DeletionPage {
  deleted: DeletedRecord[];
  nextCursor?: string;
  /** The highest delta position seen so far; deletions share the clock of changes (M3 LMTS). */
  newWatermark: string | null;
}

/**
 * What an ERP adapter does, and nothing more (in the manner of a Kafka Connect source task): list the
 * changed records of an entity since a watermark, one page at a time. Watermarks, publishing, budgets,
 * retries and run accounting live once in the extractor, not in each adapter.
 */
export interface SourceAdapter {
  readonly entities: readonly EntityName[];
  listChanges<E extends EntityName>(
    entity: E,
    watermark: string | null,
    pageCursor: string | undefined,
  ): Promise<ChangePage<E>>;
  /** Present when the tenant enables deletes: whether an entity has a deletion source, and its listing. */
  deletions?: {
    covers(entity: EntityName): boolean;
    list(entity: EntityName, watermark: string | null, pageCursor: string | undefined): Promise<DeletionPage>;
  };
}

/** The larger of two delta positions; positions are increasing numbers or ISO timestamps of equal form. */
export function laterPosition(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) return BigInt(a) >= BigInt(b) ? a : b;
  return a >= b ? a : b;
}

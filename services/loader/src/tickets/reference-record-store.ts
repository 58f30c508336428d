import type { TicketReferenceEntity } from '@mlc/common/zendesk-field-plan';
import type { Pool } from 'pg';
import type { SourcePosition } from '../posting/posting.ts';

/** The latest known state of one invoice or purchase order, as a ticket can name it. */
export interface ReferenceRecord {
  tenantId: string;
  entity: TicketReferenceEntity;
  naturalKey: string;
  /** The invoice or PO number a ticket's reference field holds. */
  reference: string;
  contentHash: string;
  payload: Record<string, unknown>;
  sourceModifiedAt: string | null;
  eventId: string;
  runId: string;
  source: SourcePosition;
}

interface Row {
  tenant_id: string;
  entity: TicketReferenceEntity;
  natural_key: string;
  reference: string;
  content_hash: string;
  payload: Record<string, unknown>;
  source_modified_at: Date | null;
  event_id: string;
  run_id: string;
  source_topic: string;
  source_partition: number;
  source_offset: string;
}

function recordOf(row: Row): ReferenceRecord {
  return {
    tenantId: row.tenant_id,
    entity: row.entity,
    naturalKey: row.natural_key,
    reference: row.reference,
    contentHash: row.content_hash,
    payload: row.payload,
    sourceModifiedAt: row.source_modified_at?.toISOString() ?? null,
    eventId: row.event_id,
    runId: row.run_id,
    source: { topic: row.source_topic, partition: row.source_partition, offset: String(row.source_offset) },
  };
}

/**
 * `ticket_reference_records` and `ticket_sweep_watermarks`: what ticket enrichment fills tickets from (the
 * change topics' latest state, derived as they are consumed) and which states still have tickets to update.
 */
export class ReferenceRecordStore {
  readonly #pool: Pool;
  readonly #records: string;
  readonly #watermarks: string;

  constructor(pool: Pool, schema = 'public') {
    this.#pool = pool;
    this.#records = `"${schema}".ticket_reference_records`;
    this.#watermarks = `"${schema}".ticket_sweep_watermarks`;
  }

  /**
   * Stores new states; a state whose content changed becomes pending, an unchanged one keeps its flag.
   * One statement per batch, its states as one JSON parameter: payloads nested as they are, and one
   * statement text whatever the batch size (a VALUES list of 12 parameters per state was planned anew
   * for every size).
   */
  async upsert(records: readonly ReferenceRecord[]): Promise<void> {
    // ON CONFLICT may touch a row once per statement: the last state of a record wins, as on the topic.
    const latest = new Map<string, ReferenceRecord>();
    for (const record of records) latest.set(`${record.tenantId}|${record.entity}|${record.naturalKey}`, record);
    if (latest.size === 0) return;
    const rows = [...latest.values()].map((record) => ({
      tenant_id: record.tenantId,
      entity: record.entity,
      natural_key: record.naturalKey,
      reference: record.reference,
      content_hash: record.contentHash,
      payload: record.payload,
      source_modified_at: record.sourceModifiedAt,
      event_id: record.eventId,
      run_id: record.runId,
      source_topic: record.source.topic,
      source_partition: record.source.partition,
      source_offset: record.source.offset,
    }));
    await this.#pool.query(
      `INSERT INTO ${this.#records} (tenant_id, entity, natural_key, reference, content_hash, payload,
          source_modified_at, event_id, run_id, source_topic, source_partition, source_offset)
       SELECT tenant_id, entity, natural_key, reference, content_hash, payload,
              source_modified_at, event_id, run_id, source_topic, source_partition, source_offset
         FROM jsonb_to_recordset($1::jsonb) AS r(tenant_id text, entity text, natural_key text, reference text,
              content_hash text, payload jsonb, source_modified_at timestamptz, event_id text, run_id text,
              source_topic text, source_partition integer, source_offset bigint)
       ON CONFLICT (tenant_id, entity, natural_key) DO UPDATE SET
         reference = EXCLUDED.reference, payload = EXCLUDED.payload, content_hash = EXCLUDED.content_hash,
         source_modified_at = EXCLUDED.source_modified_at, event_id = EXCLUDED.event_id, run_id = EXCLUDED.run_id,
         source_topic = EXCLUDED.source_topic, source_partition = EXCLUDED.source_partition,
         source_offset = EXCLUDED.source_offset, updated_at = now(),
         enrichment_pending = ${this.#records}.enrichment_pending
           OR ${this.#records}.content_hash <> EXCLUDED.content_hash`,
      [JSON.stringify(rows)],
    );
  }

  async remove(tenantId: string, entity: TicketReferenceEntity, naturalKeys: readonly string[]): Promise<void> {
    if (naturalKeys.length === 0) return;
    await this.#pool.query(
      `DELETE FROM ${this.#records} WHERE tenant_id = $1 AND entity = $2 AND natural_key = ANY($3::text[])`,
      [tenantId, entity, naturalKeys],
    );
  }

  async pending(tenantId: string, limit: number): Promise<ReferenceRecord[]> {
    const result = await this.#pool.query<Row>(
      `SELECT * FROM ${this.#records} WHERE tenant_id = $1 AND enrichment_pending ORDER BY updated_at LIMIT $2`,
      [tenantId, limit],
    );
    return result.rows.map(recordOf);
  }

  async tenantsWithPending(): Promise<string[]> {
    const result = await this.#pool.query<{ tenant_id: string }>(
      `SELECT DISTINCT tenant_id FROM ${this.#records} WHERE enrichment_pending`,
    );
    return result.rows.map((row) => row.tenant_id);
  }

  /** Clears the flag only for the state that was enriched: a newer one that arrived meanwhile stays pending. */
  async markEnriched(record: ReferenceRecord): Promise<void> {
    await this.#pool.query(
      `UPDATE ${this.#records} SET enrichment_pending = false
        WHERE tenant_id = $1 AND entity = $2 AND natural_key = $3 AND content_hash = $4`,
      [record.tenantId, record.entity, record.naturalKey, record.contentHash],
    );
  }

  /**
   * The states tickets may name by these references. Invoice numbers repeat across suppliers and years:
   * the most recently changed record wins.
   */
  async byReference(
    tenantId: string,
    entity: TicketReferenceEntity,
    references: readonly string[],
  ): Promise<Map<string, ReferenceRecord>> {
    const found = new Map<string, ReferenceRecord>();
    if (references.length === 0) return found;
    const result = await this.#pool.query<Row>(
      `SELECT DISTINCT ON (lower(reference)) * FROM ${this.#records}
        WHERE tenant_id = $1 AND entity = $2 AND lower(reference) = ANY($3::text[])
        ORDER BY lower(reference), source_modified_at DESC NULLS LAST, updated_at DESC`,
      [tenantId, entity, references.map((reference) => reference.toLowerCase())],
    );
    for (const row of result.rows) found.set(row.reference.toLowerCase(), recordOf(row));
    return found;
  }

  async sweptUntil(tenantId: string): Promise<Date | null> {
    const result = await this.#pool.query<{ swept_until: Date }>(
      `SELECT swept_until FROM ${this.#watermarks} WHERE tenant_id = $1`,
      [tenantId],
    );
    return result.rows[0]?.swept_until ?? null;
  }

  async saveSweptUntil(tenantId: string, until: Date): Promise<void> {
    await this.#pool.query(
      `INSERT INTO ${this.#watermarks} (tenant_id, swept_until) VALUES ($1, $2)
       ON CONFLICT (tenant_id) DO UPDATE SET swept_until = GREATEST(${this.#watermarks}.swept_until, EXCLUDED.swept_until)`,
      [tenantId, until],
    );
  }
}

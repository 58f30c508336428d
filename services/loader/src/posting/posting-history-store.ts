import type { Pool } from 'pg';
import type { AppliedState, Posting } from './posting.ts';
import type { PostingSink, PostingStateStore, RefusedState } from './posting-batch-processor.ts';

const COLUMNS = [
  'tenant_id',
  'entity',
  'natural_key',
  'zendesk_target',
  'content_hash',
  'status',
  'attempt',
  'zendesk_id',
  'error',
  'error_code',
  'run_id',
  'source_topic',
  'source_partition',
  'source_offset',
  'diff',
  'body',
  'created_at',
] as const;

function row(posting: Posting): unknown[] {
  return [
    posting.tenantId,
    posting.entity,
    posting.naturalKey,
    posting.zendeskTarget,
    posting.contentHash,
    posting.status,
    Math.max(1, posting.attempts),
    posting.zendeskId,
    posting.error === null ? null : JSON.stringify(posting.error),
    posting.error?.error ?? null,
    posting.runId === '' ? null : posting.runId,
    posting.source.topic,
    posting.source.partition,
    posting.source.offset,
    posting.diff === null ? null : JSON.stringify(posting.diff),
    // Only applied bodies are needed (the next diff is taken against them); the others stay small.
    posting.status === 'applied' && posting.body !== null ? JSON.stringify(posting.body) : null,
    posting.postedAt,
  ];
}

/** Audit keys (`tenant|entity|naturalKey|zendeskTarget`, natural keys may hold `|`) as four column arrays. */
function keyParts(keys: readonly string[]): string[][] {
  const columns: string[][] = [[], [], [], []];
  for (const key of keys) {
    const [tenantId = '', entity = '', ...rest] = key.split('|');
    const zendeskTarget = rest.pop() ?? '';
    columns[0]!.push(tenantId);
    columns[1]!.push(entity);
    columns[2]!.push(rest.join('|'));
    columns[3]!.push(zendeskTarget);
  }
  return columns;
}

/**
 * posting_history in PostgreSQL: the append-only history of every posting and the source of truth for
 * idempotency. Why PostgreSQL rather than the compacted audit topic: a posting is durable here before its
 * offset is committed (synchronous, read-your-writes), a batch's last applied states are one indexed query
 * instead of reading the whole audit topic at every partition assignment, and a crash can leave no state
 * that Kafka has and PostgreSQL lacks (the audit topic is produced after the insert).
 */
export class PostingHistoryStore implements PostingStateStore, PostingSink {
  readonly #pool: Pool;
  readonly #table: string;

  constructor(pool: Pool, schema = 'public') {
    this.#pool = pool;
    this.#table = `"${schema}".posting_history`;
  }

  async record(postings: readonly Posting[]): Promise<void> {
    // Chunked to stay well under PostgreSQL's 65535 bind parameters.
    for (let start = 0; start < postings.length; start += 1000) {
      const slice = postings.slice(start, start + 1000);
      const values: unknown[] = [];
      const tuples = slice.map((posting) => {
        const base = values.length;
        values.push(...row(posting));
        return `(${COLUMNS.map((_, index) => `$${base + index + 1}`).join(',')})`;
      });
      await this.#pool.query(`INSERT INTO ${this.#table} (${COLUMNS.join(',')}) VALUES ${tuples.join(',')}`, values);
    }
  }

  /** Latest applied state per audit key (`tenant|entity|naturalKey|zendeskTarget`). */
  async load(keys: readonly string[]): Promise<Map<string, AppliedState>> {
    const states = new Map<string, AppliedState>();
    if (keys.length === 0) return states;
    const parts = keyParts(keys);
    const result = await this.#pool.query<{
      tenant_id: string;
      entity: string;
      natural_key: string;
      zendesk_target: string;
      content_hash: string;
      zendesk_id: string | null;
      body: Record<string, unknown> | null;
    }>(
      `SELECT DISTINCT ON (h.tenant_id, h.entity, h.natural_key, h.zendesk_target)
              h.tenant_id, h.entity, h.natural_key, h.zendesk_target, h.content_hash, h.zendesk_id, h.body
         FROM ${this.#table} h
         JOIN unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS k(tenant_id, entity, natural_key, zendesk_target)
           ON h.tenant_id = k.tenant_id AND h.entity = k.entity AND h.natural_key = k.natural_key
          AND h.zendesk_target = k.zendesk_target
        WHERE h.status = 'applied'
        ORDER BY h.tenant_id, h.entity, h.natural_key, h.zendesk_target, h.id DESC`,
      parts,
    );
    for (const r of result.rows) {
      states.set(`${r.tenant_id}|${r.entity}|${r.natural_key}|${r.zendesk_target}`, {
        contentHash: r.content_hash,
        zendeskId: r.zendesk_id,
        body: r.body,
      });
    }
    return states;
  }

  /** Of `keys`, those whose latest posting (`unchanged` aside) is failed or dead-lettered. */
  async refused(keys: readonly string[]): Promise<Map<string, RefusedState>> {
    const states = new Map<string, RefusedState>();
    if (keys.length === 0) return states;
    const result = await this.#pool.query<{
      tenant_id: string;
      entity: string;
      natural_key: string;
      zendesk_target: string;
      status: 'failed' | 'dead_lettered';
      error_code: string | null;
    }>(
      `SELECT * FROM (
         SELECT DISTINCT ON (h.tenant_id, h.entity, h.natural_key, h.zendesk_target)
                h.tenant_id, h.entity, h.natural_key, h.zendesk_target, h.status, h.error_code
           FROM ${this.#table} h
           JOIN unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS k(tenant_id, entity, natural_key, zendesk_target)
             ON h.tenant_id = k.tenant_id AND h.entity = k.entity AND h.natural_key = k.natural_key
            AND h.zendesk_target = k.zendesk_target
          WHERE h.status <> 'unchanged'
          ORDER BY h.tenant_id, h.entity, h.natural_key, h.zendesk_target, h.id DESC) latest
        WHERE latest.status IN ('failed', 'dead_lettered')`,
      keyParts(keys),
    );
    for (const r of result.rows) {
      states.set(`${r.tenant_id}|${r.entity}|${r.natural_key}|${r.zendesk_target}`, {
        status: r.status,
        errorCode: r.error_code,
      });
    }
    return states;
  }
}

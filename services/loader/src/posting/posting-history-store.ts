import type { Pool } from 'pg';
import type { AppliedState, Posting } from './posting.ts';
import type { PostingSink, PostingStateStore, RefusedState } from './posting-batch-processor.ts';

/** posting_history columns as `row()` names them, with their types. */
const COLUMNS = [
  ['tenant_id', 'text'],
  ['entity', 'text'],
  ['natural_key', 'text'],
  ['zendesk_target', 'text'],
  ['content_hash', 'text'],
  ['status', 'text'],
  ['attempt', 'integer'],
  ['zendesk_id', 'text'],
  ['error', 'text'],
  ['error_code', 'text'],
  ['run_id', 'text'],
  ['source_topic', 'text'],
  ['source_partition', 'integer'],
  ['source_offset', 'bigint'],
  ['diff', 'jsonb'],
  ['body', 'jsonb'],
  ['created_at', 'timestamptz'],
] as const;

type ColumnName = (typeof COLUMNS)[number][0];

const COLUMN_NAMES = COLUMNS.map(([name]) => name).join(', ');

function row(posting: Posting): Record<ColumnName, unknown> {
  return {
    tenant_id: posting.tenantId,
    entity: posting.entity,
    natural_key: posting.naturalKey,
    zendesk_target: posting.zendeskTarget,
    content_hash: posting.contentHash,
    status: posting.status,
    attempt: Math.max(1, posting.attempts),
    zendesk_id: posting.zendeskId,
    error: posting.error === null ? null : JSON.stringify(posting.error),
    error_code: posting.error?.error ?? null,
    run_id: posting.runId === '' ? null : posting.runId,
    source_topic: posting.source.topic,
    source_partition: posting.source.partition,
    source_offset: posting.source.offset,
    diff: posting.diff,
    // Only applied bodies are needed (the next diff is taken against them); the others stay small.
    body: posting.status === 'applied' ? posting.body : null,
    created_at: posting.postedAt,
  };
}

/**
 * Audit keys (`tenant|entity|naturalKey|zendeskTarget`, natural keys may hold `|`) as one JSON parameter of
 * key rows (four text arrays made pg escape every element).
 */
function keyRows(keys: readonly string[]): string {
  return JSON.stringify(
    keys.map((key) => {
      const [tenantId = '', entity = '', ...rest] = key.split('|');
      const zendeskTarget = rest.pop() ?? '';
      return { tenant_id: tenantId, entity, natural_key: rest.join('|'), zendesk_target: zendeskTarget };
    }),
  );
}

/** posting_state columns in the order the upsert's SELECT produces them. */
const STATE_COLUMNS = [
  'tenant_id',
  'entity',
  'natural_key',
  'zendesk_target',
  'latest_id',
  'latest_status',
  'latest_at',
  'applied_id',
  'applied_hash',
  'applied_zendesk_id',
  'applied_body',
  'applied_at',
  'outcome_id',
  'outcome_status',
  'outcome_error_code',
  'outcome_at',
] as const;

/**
 * Each group of posting_state columns follows its own posting (the highest posting_history id of its kind):
 * a row already there keeps a group unless this chunk holds a later posting of that kind. So an `unchanged`
 * posting moves only `latest_*`, a failed one leaves `applied_*`, and a slower concurrent writer whose ids
 * are older cannot put an older state back.
 */
const STATE_GROUPS: Record<'latest_id' | 'applied_id' | 'outcome_id', readonly string[]> = {
  latest_id: ['latest_id', 'latest_status', 'latest_at'],
  applied_id: ['applied_id', 'applied_hash', 'applied_zendesk_id', 'applied_body', 'applied_at'],
  outcome_id: ['outcome_id', 'outcome_status', 'outcome_error_code', 'outcome_at'],
};

const STATE_UPDATES = Object.entries(STATE_GROUPS)
  .flatMap(([id, columns]) =>
    columns.map(
      (column) =>
        `${column} = CASE WHEN EXCLUDED.${id} > COALESCE(s.${id}, 0) THEN EXCLUDED.${column} ELSE s.${column} END`,
    ),
  )
  .join(',\n    ');

/** keyRows() as rows, joined to posting_state on its primary key. */
const KEY_ROWS = `jsonb_to_recordset($1::jsonb) AS k(tenant_id text, entity text, natural_key text, zendesk_target text)`;

/**
 * posting_history in PostgreSQL: the append-only history of every posting and the source of truth for
 * idempotency, with posting_state, the latest state per record and target, kept in the same statement.
 * Why PostgreSQL rather than the compacted audit topic: a posting is durable here before its offset is
 * committed (synchronous, read-your-writes), a batch's last applied states are one primary-key lookup per
 * record instead of reading the whole audit topic at every partition assignment, and a crash can leave no
 * state that Kafka has and PostgreSQL lacks (the audit topic is produced after the insert).
 */
export class PostingHistoryStore implements PostingStateStore, PostingSink {
  readonly #pool: Pool;
  readonly #history: string;
  readonly #state: string;

  constructor(pool: Pool, schema = 'public') {
    this.#pool = pool;
    this.#history = `"${schema}".posting_history`;
    this.#state = `"${schema}".posting_state`;
  }

  /**
   * Appends the postings and folds them into posting_state in one statement: history and state commit
   * together or not at all. The postings travel as one JSON parameter (one native JSON.stringify, bodies
   * and diffs nested as they are, where one text array per column made pg escape every quote of every
   * body, 4 % of the loader's CPU). A batch may hold several postings of one record (ON CONFLICT may touch
   * a row only once per statement), hence the grouping per key; the upsert visits keys in order, so two
   * loaders writing the same records during a rebalance wait for each other instead of deadlocking.
   */
  async record(postings: readonly Posting[]): Promise<void> {
    if (postings.length === 0) return;
    // Ids are drawn in ordinality order, so the highest id of a key in the batch is its last posting.
    await this.#pool.query(
      `WITH inserted AS (
         INSERT INTO ${this.#history} (${COLUMN_NAMES})
         SELECT ${COLUMN_NAMES}
           FROM ROWS FROM (jsonb_to_recordset($1::jsonb) AS (${COLUMNS.map(([name, type]) => `${name} ${type}`).join(', ')}))
                WITH ORDINALITY AS p(${COLUMN_NAMES}, ordinality)
          ORDER BY ordinality
         RETURNING id, tenant_id, entity, natural_key, zendesk_target, content_hash, status, zendesk_id, error_code,
                   body, created_at),
       keyed AS (
         SELECT tenant_id, entity, natural_key, zendesk_target,
                max(id) AS latest_id,
                max(id) FILTER (WHERE status = 'applied') AS applied_id,
                max(id) FILTER (WHERE status <> 'unchanged') AS outcome_id
           FROM inserted
          GROUP BY tenant_id, entity, natural_key, zendesk_target)
       INSERT INTO ${this.#state} AS s (${STATE_COLUMNS.join(', ')})
       SELECT k.tenant_id, k.entity, k.natural_key, k.zendesk_target, l.id, l.status, l.created_at,
              a.id, a.content_hash, a.zendesk_id, a.body, a.created_at,
              o.id, o.status, o.error_code, o.created_at
         FROM keyed k
         JOIN inserted l ON l.id = k.latest_id
         LEFT JOIN inserted a ON a.id = k.applied_id
         LEFT JOIN inserted o ON o.id = k.outcome_id
        ORDER BY k.tenant_id, k.entity, k.natural_key, k.zendesk_target
       ON CONFLICT (tenant_id, entity, natural_key, zendesk_target) DO UPDATE SET
         ${STATE_UPDATES}`,
      [JSON.stringify(postings.map(row))],
    );
  }

  /** Latest applied state per audit key (`tenant|entity|naturalKey|zendeskTarget`). */
  async load(keys: readonly string[]): Promise<Map<string, AppliedState>> {
    const states = new Map<string, AppliedState>();
    if (keys.length === 0) return states;
    const result = await this.#pool.query<{
      tenant_id: string;
      entity: string;
      natural_key: string;
      zendesk_target: string;
      applied_hash: string;
      applied_zendesk_id: string | null;
      applied_body: Record<string, unknown> | null;
    }>(
      `SELECT s.tenant_id, s.entity, s.natural_key, s.zendesk_target, s.applied_hash, s.applied_zendesk_id, s.applied_body
         FROM ${KEY_ROWS}
         JOIN ${this.#state} s USING (tenant_id, entity, natural_key, zendesk_target)
        WHERE s.applied_id IS NOT NULL`,
      [keyRows(keys)],
    );
    for (const r of result.rows) {
      states.set(`${r.tenant_id}|${r.entity}|${r.natural_key}|${r.zendesk_target}`, {
        contentHash: r.applied_hash,
        zendeskId: r.applied_zendesk_id,
        body: r.applied_body,
      });
    }
    return states;
  }

  /** Of `emails` (lower case), the state key of the record whose applied Zendesk user holds each. */
  async emailOwners(tenantId: string, emails: readonly string[]): Promise<Map<string, string>> {
    const owners = new Map<string, string>();
    if (emails.length === 0) return owners;
    const result = await this.#pool.query<{
      email: string;
      entity: string;
      natural_key: string;
      zendesk_target: string;
    }>(
      `SELECT lower(applied_body ->> 'email') AS email, entity, natural_key, zendesk_target
         FROM ${this.#state}
        WHERE tenant_id = $1 AND zendesk_target LIKE 'user%' AND applied_body ? 'email'
          AND lower(applied_body ->> 'email') = ANY($2::text[])
        ORDER BY applied_id`,
      [tenantId, emails],
    );
    for (const r of result.rows) {
      if (!owners.has(r.email)) owners.set(r.email, `${tenantId}|${r.entity}|${r.natural_key}|${r.zendesk_target}`);
    }
    return owners;
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
      outcome_status: 'failed' | 'dead_lettered';
      outcome_error_code: string | null;
    }>(
      `SELECT s.tenant_id, s.entity, s.natural_key, s.zendesk_target, s.outcome_status, s.outcome_error_code
         FROM ${KEY_ROWS}
         JOIN ${this.#state} s USING (tenant_id, entity, natural_key, zendesk_target)
        WHERE s.outcome_status IN ('failed', 'dead_lettered')`,
      [keyRows(keys)],
    );
    for (const r of result.rows) {
      states.set(`${r.tenant_id}|${r.entity}|${r.natural_key}|${r.zendesk_target}`, {
        status: r.outcome_status,
        errorCode: r.outcome_error_code,
      });
    }
    return states;
  }
}

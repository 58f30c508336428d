import { redactText } from '@mlc/common/redact';

/** A posting_history row as the API shows it; `error` is the loader's stored error text, redacted again on the way out. */
export interface PostingRow {
  id: string;
  tenant_id: string;
  entity: string;
  natural_key: string;
  zendesk_target: string;
  content_hash: string;
  status: string;
  attempt: number;
  zendesk_id: string | null;
  error: string | null;
  error_code: string | null;
  run_id: string | null;
  source_topic: string | null;
  source_partition: number | null;
  source_offset: string | null;
  created_at: Date;
}

const POSTING_COLUMN_NAMES = [
  'id',
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
  'created_at',
] as const;

export const POSTING_COLUMNS = POSTING_COLUMN_NAMES.join(', ');

/**
 * A record's latest posting: posting_state (one row per record and Zendesk target, see the loader's
 * PostingHistoryStore) joined to the posting_history row it names, as `s` and `h`. Filters go on `s`
 * (latest_status, latest_at, latest_id = the posting's id), so a page is read from posting_state's indexes
 * and only its rows are fetched from the history.
 */
export const LATEST_POSTINGS = `SELECT ${POSTING_COLUMN_NAMES.map((column) => `h.${column}`).join(', ')}
  FROM posting_state s JOIN posting_history h ON h.id = s.latest_id`;

function parsedError(error: string | null): unknown {
  if (error === null) return null;
  const redacted = redactText(error);
  try {
    return JSON.parse(redacted);
  } catch {
    return redacted;
  }
}

export function postingView(row: PostingRow) {
  return {
    id: row.id,
    entity: row.entity,
    naturalKey: row.natural_key,
    zendeskTarget: row.zendesk_target,
    status: row.status,
    contentHash: row.content_hash,
    attempts: row.attempt,
    zendeskId: row.zendesk_id,
    error: parsedError(row.error),
    errorCode: row.error_code,
    runId: row.run_id,
    source:
      row.source_topic === null
        ? null
        : { topic: row.source_topic, partition: row.source_partition, offset: row.source_offset },
    at: row.created_at.toISOString(),
  };
}

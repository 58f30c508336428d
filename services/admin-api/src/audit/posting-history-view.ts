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

export const POSTING_COLUMNS =
  'id, tenant_id, entity, natural_key, zendesk_target, content_hash, status, attempt, zendesk_id, error, error_code, run_id, source_topic, source_partition, source_offset, created_at';

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

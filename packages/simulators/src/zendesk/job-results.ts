import type { JobResult } from './account-state.ts';
import type { WriteOutcome } from './user-writes.ts';
import { detailsText } from './user-writes.ts';

// Per-item entries of a job_status `results` array, shaped like the real API's
// (`id`, `index`, `action`, `status`, `success`, and `error` + `details` for failures).
export function itemResult(
  index: number,
  outcome: WriteOutcome<{ id: number; external_id: string | null }>,
  extra: Record<string, unknown> = {},
): JobResult {
  if (outcome.ok) {
    return {
      id: outcome.record.id,
      index,
      action: outcome.action,
      status: outcome.action === 'create' ? 'Created' : 'Updated',
      success: true,
      ...(outcome.record.external_id === null ? {} : { external_id: outcome.record.external_id }),
      ...extra,
    };
  }
  return {
    ...(outcome.matchedId === null ? {} : { id: outcome.matchedId }),
    index,
    action: outcome.action,
    status: 'Failed',
    success: false,
    error: 'RecordInvalid',
    details: detailsText(outcome.details),
    ...extra,
  };
}

export function failedResult(index: number, action: string, error: string, details: string, id?: number): JobResult {
  return { ...(id === undefined ? {} : { id }), index, action, status: 'Failed', success: false, error, details };
}

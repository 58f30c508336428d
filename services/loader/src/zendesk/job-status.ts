import type { ZendeskErrorInfo } from './zendesk-error.ts';

/** One item of a finished job (`results[]`); Zendesk's fields vary by endpoint, hence all optional. */
export interface JobStatusResult {
  id?: number | string | null;
  index?: number;
  action?: string;
  status?: string;
  success?: boolean;
  error?: string | null;
  errors?: unknown;
  details?: unknown;
  external_id?: string | null;
}

export interface JobStatus {
  id: string;
  url?: string;
  status: 'queued' | 'working' | 'completed' | 'failed' | 'killed';
  total?: number | null;
  progress?: number | null;
  message?: string | null;
  results?: JobStatusResult[] | null;
}

export type ItemOutcome =
  | { ok: true; zendeskId: string; action: string }
  | { ok: false; permanent: boolean; error: ZendeskErrorInfo };

export function isFinished(job: JobStatus): boolean {
  return job.status === 'completed' || job.status === 'failed' || job.status === 'killed';
}

export interface JobPollOptions {
  intervalMs: number;
  /** Give up (transient failure: the write is retried, upserts make that safe) after this long. */
  timeoutMs: number;
}

function failed(result: JobStatusResult | undefined, fallback: string): ItemOutcome {
  const errorText = result?.error ?? (result?.status && result.status.toLowerCase() === 'failed' ? 'Failed' : fallback);
  return {
    ok: false,
    // An item a finished job rejected was judged by its content (validation, permissions); sending it again
    // gives the same answer. An item with no result at all was never judged, so it is worth a retry.
    permanent: result !== undefined,
    error: {
      status: result === undefined ? 0 : 422,
      error: String(errorText),
      description: typeof result?.details === 'string' ? result.details : String(errorText),
      details: result?.details ?? result?.errors ?? null,
    },
  };
}

function succeeded(result: JobStatusResult): boolean {
  if (result.success === false) return false;
  if (result.error) return false;
  const status = result.status?.toLowerCase();
  return status !== 'failed' && status !== 'error';
}

/**
 * Per-item outcome of a finished job, in the order the items were sent. Results are matched by `index`
 * when Zendesk gives one, else by external_id, else by position.
 */
export function jobItemOutcomes(job: JobStatus, externalIds: readonly string[]): ItemOutcome[] {
  const results = job.results ?? [];
  const byIndex = new Map<number, JobStatusResult>();
  const byExternalId = new Map<string, JobStatusResult>();
  results.forEach((result, position) => {
    if (typeof result.index === 'number') byIndex.set(result.index, result);
    else if (result.external_id) byExternalId.set(result.external_id, result);
    else byIndex.set(position, result);
  });
  return externalIds.map((externalId, index) => {
    const result = byIndex.get(index) ?? byExternalId.get(externalId);
    if (result === undefined) {
      return failed(undefined, job.status === 'completed' ? 'NoResult' : `Job${job.status}`);
    }
    if (!succeeded(result)) return failed(result, 'Failed');
    return { ok: true, zendeskId: String(result.id ?? ''), action: result.action ?? result.status ?? 'updated' };
  });
}

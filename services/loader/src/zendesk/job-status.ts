import { malformedResponse, type ZendeskErrorInfo } from './zendesk-error.ts';

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

/**
 * Why a job status (as submitted or as polled) cannot be used, undefined when it can. One without a text
 * id or status would be polled until the deadline; results that are not objects break the item mapping.
 */
export function jobStatusProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'no job_status object';
  const job = value as Record<string, unknown>;
  if (typeof job.id !== 'string' || job.id === '') return 'a job_status without a text id';
  if (typeof job.status !== 'string') return `job_status ${job.id.slice(0, 64)} without a text status`;
  const results = job.results;
  if (results !== undefined && results !== null) {
    if (!Array.isArray(results) || results.some((r) => typeof r !== 'object' || r === null || Array.isArray(r))) {
      return `job_status ${job.id.slice(0, 64)} with results that are not a list of objects`;
    }
  }
  return undefined;
}

/** The job of a bulk write's answer (`{job_status: …}`); an unusable one is an MLC_ZENDESK_MALFORMED_RESPONSE. */
export function submittedJob(answer: { job_status?: unknown } | null, endpoint: string): JobStatus {
  const problem = jobStatusProblem(answer?.job_status);
  if (problem !== undefined) throw malformedResponse(endpoint, 200, problem);
  return answer?.job_status as JobStatus;
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

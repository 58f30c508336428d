import { randomBytes } from 'node:crypto';
import type { AccountState, JobRecord, JobResult } from './account-state.ts';
import { zendeskErrors } from './zendesk-errors.ts';

// Background jobs of the bulk endpoints: a job_status goes queued → working → completed on timers,
// and the work (with per-item results) is applied when the job completes, as the real API does.
export class JobRunner {
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #now: () => number;

  constructor(now: () => number) {
    this.#now = now;
  }

  enqueue(account: AccountState, jobType: string, total: number, baseUrl: string, work: () => JobResult[]): JobRecord {
    const limit = account.endpointLimits.maxConcurrentJobs;
    if (limit !== null) {
      let active = 0;
      for (const job of account.jobs.values()) if (job.status === 'queued' || job.status === 'working') active += 1;
      if (active >= limit)
        throw zendeskErrors.tooManyJobs(Math.max(1, Math.ceil((account.jobQueuedMs + account.jobWorkingMs) / 1000)));
    }
    const id = randomBytes(16).toString('hex');
    const job: JobRecord = {
      id,
      job_type: jobType,
      status: 'queued',
      total,
      progress: null,
      message: null,
      results: null,
      url: `${baseUrl}/api/v2/job_statuses/${id}.json`,
      finishedAt: null,
    };
    account.jobs.set(id, job);
    this.#later(account.jobQueuedMs, () => {
      job.status = 'working';
      job.progress = 0;
      this.#later(account.jobWorkingMs, () => {
        try {
          job.results = work();
          job.status = 'completed';
          job.message = `Completed at ${new Date(this.#now())
            .toISOString()
            .replace('T', ' ')
            .replace(/\.\d+Z$/, ' +0000')}`;
        } catch (error) {
          job.status = 'failed';
          job.message = error instanceof Error ? error.message : 'Job failed';
          job.results = [];
        }
        job.progress = total;
        job.finishedAt = this.#now();
      });
    });
    return job;
  }

  /** A job status still on record, or null (unknown or expired). */
  find(account: AccountState, id: string): JobRecord | null {
    const job = account.jobs.get(id);
    if (!job) return null;
    if (job.finishedAt !== null && this.#now() - job.finishedAt > account.jobRetentionMs) {
      account.jobs.delete(id);
      return null;
    }
    return job;
  }

  close(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  #later(ms: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      run();
    }, ms);
    timer.unref();
    this.#timers.add(timer);
  }
}

export function jobStatusView(job: JobRecord): Record<string, unknown> {
  return {
    id: job.id,
    job_type: job.job_type,
    url: job.url,
    total: job.total,
    progress: job.progress,
    status: job.status,
    message: job.message,
    results: job.results,
  };
}

import { setTimeout as sleep } from 'node:timers/promises';
import { isFinished, type JobPollOptions, type JobStatus, jobStatusProblem } from './job-status.ts';
import type { ZendeskClient } from './zendesk-client.ts';
import { malformedResponse } from './zendesk-error.ts';

/** Zendesk's cap on ids per `show_many` request. */
const IDS_PER_REQUEST = 100;
/**
 * A job missing from this many answers in a row (or this many unreadable answers) has expired or never
 * existed: its write is retried.
 */
const MAX_MISSES = 3;

interface Watched {
  id: string;
  deadline: number;
  misses: number;
  resolve: (job: JobStatus) => void;
  reject: (error: Error) => void;
}

export interface BackgroundJobsOptions extends JobPollOptions {
  /**
   * Jobs of this tenant queued or working at once. Zendesk caps concurrently queued jobs per account (all
   * API clients together) and refuses more, so a loader with many batches in flight must queue them here.
   */
  maxQueued: number;
}

/**
 * A tenant's Zendesk background jobs (bulk writes). At most `maxQueued` run at once; the others wait for a
 * slot before they are submitted. Their statuses are polled with `GET /api/v2/job_statuses/show_many`: one
 * request answers up to 100 jobs, so every batch in flight for the tenant shares each poll instead of
 * taking one request (and one slot of the account's rate limit) each. Polls only while a job is unfinished.
 */
export class BackgroundJobs {
  readonly #client: ZendeskClient;
  readonly #options: BackgroundJobsOptions;
  readonly #watched = new Map<string, Watched>();
  readonly #slotWaiters: (() => void)[] = [];
  #running = 0;
  #polling = false;

  constructor(client: ZendeskClient, options: BackgroundJobsOptions) {
    this.#client = client;
    this.#options = options;
  }

  /** Submits a job when a slot is free and resolves with it once finished (completed, failed or killed). */
  async run(submit: () => Promise<JobStatus>): Promise<JobStatus> {
    if (this.#running >= this.#options.maxQueued) {
      await new Promise<void>((resolve) => this.#slotWaiters.push(resolve));
    } else {
      this.#running++;
    }
    try {
      return await this.wait(await submit());
    } finally {
      const next = this.#slotWaiters.shift();
      if (next) next();
      else this.#running--;
    }
  }

  /** Resolves with a submitted job once it is finished; rejects after `timeoutMs`. */
  wait(submitted: JobStatus): Promise<JobStatus> {
    if (isFinished(submitted)) return Promise.resolve(submitted);
    return new Promise<JobStatus>((resolve, reject) => {
      const deadline = Date.now() + this.#options.timeoutMs;
      this.#watched.set(submitted.id, { id: submitted.id, deadline, misses: 0, resolve, reject });
      if (!this.#polling) void this.#poll();
    });
  }

  async #poll(): Promise<void> {
    this.#polling = true;
    try {
      while (this.#watched.size > 0) {
        await sleep(this.#options.intervalMs);
        const batches: Watched[][] = [];
        const all = [...this.#watched.values()];
        for (let start = 0; start < all.length; start += IDS_PER_REQUEST) {
          batches.push(all.slice(start, start + IDS_PER_REQUEST));
        }
        await Promise.all(batches.map((batch) => this.#check(batch)));
      }
    } finally {
      this.#polling = false;
    }
  }

  async #check(batch: readonly Watched[]): Promise<void> {
    let answer: { job_statuses?: unknown } | null;
    try {
      answer = await this.#client.send<{ job_statuses?: unknown } | null>({
        method: 'GET',
        path: '/api/v2/job_statuses/show_many',
        query: { ids: batch.map((watched) => watched.id).join(',') },
        endpoint: 'job_statuses/show_many',
        idempotent: true,
      });
    } catch (error) {
      // The client already retried what was transient: these writes fail now and are retried as a whole.
      for (const watched of batch) this.#settle(watched, error instanceof Error ? error : new Error(String(error)));
      return;
    }
    const listed = answer?.job_statuses;
    const problem = Array.isArray(listed)
      ? listed.map(jobStatusProblem).find((p) => p !== undefined)
      : 'no job_statuses list';
    if (problem !== undefined) {
      // An answer we cannot read says nothing about the jobs, which may well be running: it counts as a miss, and
      // only answers unreadable this many times in a row fail the writes (retried whole), naming the reason.
      const malformed = malformedResponse('job_statuses/show_many', 200, problem);
      for (const watched of batch) if (++watched.misses >= MAX_MISSES) this.#settle(watched, malformed);
      return;
    }
    const byId = new Map<string, JobStatus>();
    for (const job of listed as JobStatus[]) byId.set(job.id, job);
    const now = Date.now();
    for (const watched of batch) {
      const job = byId.get(watched.id);
      if (job !== undefined && isFinished(job)) {
        this.#settle(watched, job);
      } else if (job === undefined && ++watched.misses >= MAX_MISSES) {
        this.#settle(watched, new Error(`Zendesk no longer knows job ${watched.id}`));
      } else if (now > watched.deadline) {
        this.#settle(
          watched,
          new Error(
            `Zendesk job ${watched.id} did not finish within ${this.#options.timeoutMs} ms (status ${job?.status ?? 'unknown'})`,
          ),
        );
      } else if (job !== undefined) {
        watched.misses = 0;
      }
    }
  }

  #settle(watched: Watched, outcome: JobStatus | Error): void {
    this.#watched.delete(watched.id);
    if (outcome instanceof Error) watched.reject(outcome);
    else watched.resolve(outcome);
  }
}

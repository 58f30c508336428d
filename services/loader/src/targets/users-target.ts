import type { TargetRecord } from '../mapping/target-record.ts';
import type { BackgroundJobs } from '../zendesk/background-jobs.ts';
import { type ItemOutcome, jobItemOutcomes, submittedJob } from '../zendesk/job-status.ts';
import type { ZendeskClient } from '../zendesk/zendesk-client.ts';
import { isBulkImportDisabled, ZendeskRequestError } from '../zendesk/zendesk-error.ts';
import type { ZendeskTarget } from './zendesk-target.ts';

/**
 * Users upsert by external_id with `create_or_update_many`. Accounts with bulk import turned off answer
 * 403; from then on this tenant's users go one by one through `create_or_update` (also an upsert).
 */
export class UsersTarget implements ZendeskTarget {
  readonly name = 'user';
  readonly #client: ZendeskClient;
  readonly #jobs: BackgroundJobs;
  #bulkDisabled = false;

  constructor(client: ZendeskClient, jobs: BackgroundJobs) {
    this.#client = client;
    this.#jobs = jobs;
  }

  get bulkDisabled(): boolean {
    return this.#bulkDisabled;
  }

  async upsertBatch(records: readonly TargetRecord[]): Promise<ItemOutcome[]> {
    if (!this.#bulkDisabled && records.length > 1) {
      try {
        return await this.#bulk(records);
      } catch (error) {
        if (!(error instanceof ZendeskRequestError) || !isBulkImportDisabled(error.zendesk)) throw error;
        this.#bulkDisabled = true;
      }
    }
    const outcomes: ItemOutcome[] = [];
    for (const record of records) outcomes.push(await this.#single(record));
    return outcomes;
  }

  async #bulk(records: readonly TargetRecord[]): Promise<ItemOutcome[]> {
    const job = await this.#jobs.run(async () => {
      const submitted = await this.#client.send<{ job_status?: unknown }>({
        method: 'POST',
        path: '/api/v2/users/create_or_update_many',
        body: { users: records.map((record) => record.body) },
        endpoint: 'users/create_or_update_many',
        idempotent: true,
      });
      return submittedJob(submitted, 'users/create_or_update_many');
    });
    return jobItemOutcomes(
      job,
      records.map((record) => record.externalId),
    );
  }

  async #single(record: TargetRecord): Promise<ItemOutcome> {
    try {
      const answer = await this.#client.send<{ user?: { id: number | string } }>({
        method: 'POST',
        path: '/api/v2/users/create_or_update',
        body: { user: record.body },
        endpoint: 'users/create_or_update',
        idempotent: true,
      });
      return { ok: true, zendeskId: String(answer.user?.id ?? ''), action: 'create_or_update' };
    } catch (error) {
      if (error instanceof ZendeskRequestError && error.permanent) {
        return { ok: false, permanent: true, error: error.zendesk };
      }
      throw error;
    }
  }
}

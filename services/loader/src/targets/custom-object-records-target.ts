import type { TargetRecord } from '../mapping/target-record.ts';
import type { BackgroundJobs } from '../zendesk/background-jobs.ts';
import { type ItemOutcome, jobItemOutcomes, submittedJob } from '../zendesk/job-status.ts';
import type { ZendeskClient } from '../zendesk/zendesk-client.ts';
import type { ZendeskTarget } from './zendesk-target.ts';

/**
 * Records of one custom object, upserted by external_id through the bulk jobs endpoint; hard deletes use
 * the same endpoint's `delete_by_external_id`.
 */
export class CustomObjectRecordsTarget implements ZendeskTarget {
  readonly name: string;
  readonly #client: ZendeskClient;
  readonly #jobs: BackgroundJobs;
  readonly #key: string;

  constructor(client: ZendeskClient, customObjectKey: string, jobs: BackgroundJobs) {
    this.#client = client;
    this.#key = customObjectKey;
    this.#jobs = jobs;
    this.name = `custom_object_record:${customObjectKey}`;
  }

  async upsertBatch(records: readonly TargetRecord[]): Promise<ItemOutcome[]> {
    const outcomes: ItemOutcome[] = new Array(records.length);
    const upserts: number[] = [];
    const deletes: number[] = [];
    records.forEach((record, index) => {
      (record.hardDelete ? deletes : upserts).push(index);
    });
    const [upserted, deleted] = await Promise.all([
      this.#job(
        'create_or_update_by_external_id',
        upserts.map((index) => records[index]!.body),
        upserts,
        records,
      ),
      this.#job(
        'delete_by_external_id',
        deletes.map((index) => records[index]!.externalId),
        deletes,
        records,
      ),
    ]);
    upserts.forEach((recordIndex, position) => {
      outcomes[recordIndex] = upserted[position]!;
    });
    deletes.forEach((recordIndex, position) => {
      outcomes[recordIndex] = deleted[position]!;
    });
    return outcomes;
  }

  async #job(
    action: string,
    items: unknown[],
    indexes: number[],
    records: readonly TargetRecord[],
  ): Promise<ItemOutcome[]> {
    if (items.length === 0) return [];
    const job = await this.#jobs.run(async () => {
      const submitted = await this.#client.send<{ job_status?: unknown }>({
        method: 'POST',
        path: `/api/v2/custom_objects/${encodeURIComponent(this.#key)}/jobs`,
        body: { job: { action, items } },
        endpoint: 'custom_objects/jobs',
        idempotent: true,
      });
      return submittedJob(submitted, 'custom_objects/jobs');
    });
    return jobItemOutcomes(
      job,
      indexes.map((index) => records[index]!.externalId),
    );
  }
}

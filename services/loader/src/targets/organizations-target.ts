import type { TargetRecord } from '../mapping/target-record.ts';
import {
  awaitJobStatus,
  type ItemOutcome,
  type JobPollOptions,
  type JobStatus,
  jobItemOutcomes,
} from '../zendesk/job-status.ts';
import type { ZendeskClient } from '../zendesk/zendesk-client.ts';
import type { ZendeskTarget } from './zendesk-target.ts';

interface OrganizationRef {
  id: number | string;
  external_id: string | null;
}

/**
 * Organizations have no bulk upsert by external_id, so the batch is looked up first (`show_many` by
 * external ids), then the missing ones go to `create_many` and the existing ones (by id) to `update_many`.
 * A retry after a crash finds what the first attempt created and updates it: no duplicate.
 */
export class OrganizationsTarget implements ZendeskTarget {
  readonly name = 'organization';
  readonly #client: ZendeskClient;
  readonly #poll: JobPollOptions;

  constructor(client: ZendeskClient, poll: JobPollOptions) {
    this.#client = client;
    this.#poll = poll;
  }

  async upsertBatch(records: readonly TargetRecord[]): Promise<ItemOutcome[]> {
    const existing = await this.#findByExternalIds(records.map((record) => record.externalId));
    const outcomes: ItemOutcome[] = new Array(records.length);
    const creates: number[] = [];
    const updates: number[] = [];
    records.forEach((record, index) => {
      if (existing.has(record.externalId)) updates.push(index);
      else if (record.op === 'delete') outcomes[index] = { ok: true, zendeskId: '', action: 'absent' };
      else creates.push(index);
    });
    const [created, updated] = await Promise.all([
      this.#job(
        'POST',
        'create_many',
        creates.map((index) => records[index]!.body),
        creates,
        records,
      ),
      this.#job(
        'PUT',
        'update_many',
        updates.map((index) => ({ ...records[index]!.body, id: existing.get(records[index]!.externalId) })),
        updates,
        records,
      ),
    ]);
    for (const [indexes, results] of [
      [creates, created],
      [updates, updated],
    ] as const) {
      indexes.forEach((recordIndex, position) => {
        const outcome = results[position]!;
        const knownId = existing.get(records[recordIndex]!.externalId);
        outcomes[recordIndex] =
          outcome.ok && outcome.zendeskId === '' && knownId !== undefined
            ? { ...outcome, zendeskId: knownId }
            : outcome;
      });
    }
    return outcomes;
  }

  async #findByExternalIds(externalIds: readonly string[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    if (externalIds.length === 0) return found;
    const answer = await this.#client.send<{ organizations?: OrganizationRef[] }>({
      method: 'GET',
      path: '/api/v2/organizations/show_many',
      query: { external_ids: externalIds.join(',') },
      endpoint: 'organizations/show_many',
      idempotent: true,
    });
    for (const organization of answer.organizations ?? []) {
      if (organization.external_id) found.set(organization.external_id, String(organization.id));
    }
    return found;
  }

  async #job(
    method: 'POST' | 'PUT',
    action: 'create_many' | 'update_many',
    organizations: unknown[],
    indexes: number[],
    records: readonly TargetRecord[],
  ): Promise<ItemOutcome[]> {
    if (organizations.length === 0) return [];
    const submitted = await this.#client.send<{ job_status: JobStatus }>({
      method,
      path: `/api/v2/organizations/${action}`,
      body: { organizations },
      endpoint: `organizations/${action}`,
      idempotent: action === 'update_many',
    });
    const job = await awaitJobStatus(this.#client, submitted.job_status, this.#poll);
    return jobItemOutcomes(
      job,
      indexes.map((index) => records[index]!.externalId),
    );
  }
}

import type { TargetRecord } from '../mapping/target-record.ts';
import type { BackgroundJobs } from '../zendesk/background-jobs.ts';
import { type ItemOutcome, jobItemOutcomes, submittedJob } from '../zendesk/job-status.ts';
import type { ZendeskClient } from '../zendesk/zendesk-client.ts';
import { malformedResponse } from '../zendesk/zendesk-error.ts';
import type { ZendeskTarget } from './zendesk-target.ts';

interface OrganizationRef {
  id: number | string;
  external_id: string | null;
}

function isOrganizationRef(value: unknown): value is OrganizationRef {
  if (typeof value !== 'object' || value === null) return false;
  const { id, external_id: externalId } = value as Record<string, unknown>;
  return (
    (typeof id === 'number' || typeof id === 'string') &&
    (externalId === null || externalId === undefined || typeof externalId === 'string')
  );
}

/** Zendesk ids are integers; sent as numbers, as the API documents them. */
function organizationId(id: string): number | string {
  const numeric = Number(id);
  return Number.isSafeInteger(numeric) ? numeric : id;
}

function isRecordNotFound(outcome: ItemOutcome): boolean {
  return !outcome.ok && /not.?found/i.test(outcome.error.error);
}

/**
 * Organizations have no bulk upsert by external_id. A record whose Zendesk id the applied state knows goes
 * straight to `update_many` by id (one request and its poll per 100); one deleted in Zendesk meanwhile
 * (RecordNotFound) falls back to the path below. The others (first load, or a crash after the write but
 * before its audit) are looked up first (`show_many` by external ids), the missing ones go to `create_many`
 * and the existing ones to `update_many`: a retry finds what the first attempt created, so no duplicate.
 */
export class OrganizationsTarget implements ZendeskTarget {
  readonly name = 'organization';
  readonly #client: ZendeskClient;
  readonly #jobs: BackgroundJobs;

  constructor(client: ZendeskClient, jobs: BackgroundJobs) {
    this.#client = client;
    this.#jobs = jobs;
  }

  async upsertBatch(records: readonly TargetRecord[]): Promise<ItemOutcome[]> {
    const outcomes: ItemOutcome[] = new Array(records.length);
    const known: number[] = [];
    const unknown: number[] = [];
    records.forEach((record, index) => {
      (record.knownZendeskId ? known : unknown).push(index);
    });
    const [updated] = await Promise.all([
      this.#job(
        'PUT',
        'update_many',
        known.map((index) => ({ ...records[index]!.body, id: organizationId(records[index]!.knownZendeskId!) })),
        known,
        records,
      ),
      this.#lookUpAndWrite(records, unknown, outcomes),
    ]);
    const gone: number[] = [];
    known.forEach((recordIndex, position) => {
      const outcome = updated[position]!;
      if (isRecordNotFound(outcome)) gone.push(recordIndex);
      else outcomes[recordIndex] = withId(outcome, records[recordIndex]!.knownZendeskId);
    });
    await this.#lookUpAndWrite(records, gone, outcomes);
    return outcomes;
  }

  /** Looks the records at `indexes` up by external id, then creates the missing and updates the found. */
  async #lookUpAndWrite(records: readonly TargetRecord[], indexes: number[], outcomes: ItemOutcome[]): Promise<void> {
    if (indexes.length === 0) return;
    const existing = await this.#findByExternalIds(indexes.map((index) => records[index]!.externalId));
    const creates: number[] = [];
    const updates: number[] = [];
    for (const index of indexes) {
      const record = records[index]!;
      if (existing.has(record.externalId)) updates.push(index);
      else if (record.op === 'delete') outcomes[index] = { ok: true, zendeskId: '', action: 'absent' };
      else creates.push(index);
    }
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
        updates.map((index) => ({
          ...records[index]!.body,
          id: organizationId(existing.get(records[index]!.externalId)!),
        })),
        updates,
        records,
      ),
    ]);
    for (const [written, results] of [
      [creates, created],
      [updates, updated],
    ] as const) {
      written.forEach((recordIndex, position) => {
        outcomes[recordIndex] = withId(results[position]!, existing.get(records[recordIndex]!.externalId));
      });
    }
  }

  async #findByExternalIds(externalIds: readonly string[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    if (externalIds.length === 0) return found;
    const answer = await this.#client.send<{ organizations?: unknown } | null>({
      method: 'GET',
      path: '/api/v2/organizations/show_many',
      query: { external_ids: externalIds.join(',') },
      endpoint: 'organizations/show_many',
      idempotent: true,
    });
    // A lookup we cannot read must not pass for "none exist": creating them all again would duplicate them.
    const listed = answer?.organizations;
    if (!Array.isArray(listed) || !listed.every(isOrganizationRef)) {
      throw malformedResponse('organizations/show_many', 200, 'no list of organizations with id and external_id');
    }
    for (const organization of listed) {
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
    const job = await this.#jobs.run(async () => {
      const submitted = await this.#client.send<{ job_status?: unknown }>({
        method,
        path: `/api/v2/organizations/${action}`,
        body: { organizations },
        endpoint: `organizations/${action}`,
        idempotent: action === 'update_many',
      });
      return submittedJob(submitted, `organizations/${action}`);
    });
    return jobItemOutcomes(
      job,
      indexes.map((index) => records[index]!.externalId),
    );
  }
}

/** An update's result may lack the id; the id it was sent to is the answer then. */
function withId(outcome: ItemOutcome, knownId: string | undefined): ItemOutcome {
  return outcome.ok && outcome.zendeskId === '' && knownId !== undefined ? { ...outcome, zendeskId: knownId } : outcome;
}

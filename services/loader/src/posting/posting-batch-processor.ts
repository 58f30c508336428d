import { setTimeout as sleep } from 'node:timers/promises';
import type { ChangeEvent } from '@mlc/common/entities';
import { isMlcError, type MlcErrorCode } from '@mlc/common/errors';
import { DEFAULT_MAPPING, type LoaderMapping } from '../mapping/default-mapping.ts';
import { externalIdFor } from '../mapping/external-id.ts';
import { mapChangeEvent } from '../mapping/record-mapper.ts';
import type { TargetRecord } from '../mapping/target-record.ts';
import type { ZendeskTarget } from '../targets/zendesk-target.ts';
import type { ItemOutcome } from '../zendesk/job-status.ts';
import { type ZendeskErrorInfo, ZendeskRequestError } from '../zendesk/zendesk-error.ts';
import { AppliedStateCache } from './applied-state-cache.ts';
import { fieldDiff } from './field-diff.ts';
import {
  type AppliedState,
  type Posting,
  postingStateKey,
  type SourceMessage,
  type SourcePosition,
} from './posting.ts';

export interface InboundEvent {
  event: ChangeEvent;
  source: SourcePosition;
  /** Re-post even when the content hash equals the last applied one (replay with force). */
  force: boolean;
  /** The Kafka record it was decoded from, for the dead letter if it fails. */
  original?: SourceMessage;
}

/** One tenant's Zendesk as the processor sees it: its mapping and a target per target name. */
export interface TenantZendesk {
  tenantId: string;
  mapping: LoaderMapping;
  target(record: TargetRecord): ZendeskTarget;
}

export interface TenantDirectory {
  get(tenantId: string): Promise<TenantZendesk>;
}

/** Why a record was never applied: its latest posting was refused (failed) or gave up (dead-lettered). */
export interface RefusedState {
  status: 'failed' | 'dead_lettered';
  errorCode: string | null;
}

export interface PostingStateStore {
  load(keys: readonly string[]): Promise<Map<string, AppliedState>>;
  /** Of `keys` (records without an applied posting), those whose latest posting is failed or dead-lettered. */
  refused?(keys: readonly string[]): Promise<Map<string, RefusedState>>;
  /** Of `emails` (lower case), the state key of the record whose applied Zendesk user holds each. */
  emailOwners?(tenantId: string, emails: readonly string[]): Promise<Map<string, string>>;
}

/** Where postings go once decided: audit topic, posting_history and posting_state, DLQ. Must be durable when it resolves. */
export interface PostingSink {
  record(postings: readonly Posting[]): Promise<void>;
}

export interface PostingBatchProcessorOptions {
  tenants: TenantDirectory;
  state: PostingStateStore;
  sink: PostingSink;
  batchSize: number;
  maxAttempts: number;
  retryBaseMs?: number;
  /** Bulk requests of one tenant in flight at once (Zendesk also limits concurrently queued jobs). */
  concurrency?: number;
  /**
   * How long records that link to a supplier's organization wait for it to be applied (it arrives on
   * another topic, maybe in another batch) before they are sent anyway and Zendesk judges the lookup.
   */
  dependencyWaitMs?: number;
  /**
   * Applied states kept in memory to spare posting_state lookups of records seen again soon (bodies
   * included, so this bounds the loader's memory, not the data set).
   */
  appliedCacheSize?: number;
  onBatchWritten?: (tenantId: string, target: string, records: number) => void;
  onRetry?: (tenantId: string, target: string, attempt: number) => void;
}

interface Pending {
  record: TargetRecord;
  inbound: InboundEvent;
  key: string;
  previous: AppliedState | undefined;
  /** Written without its email, which another record's Zendesk user holds: why, for the audit. */
  sharedEmail?: ZendeskErrorInfo;
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}

async function inParallel<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  });
  await Promise.all(workers);
}

/** Why a tenant cannot be written at all: a retry gives the same answer until an operator fixes the tenant. */
const UNUSABLE_TENANT: ReadonlySet<MlcErrorCode> = new Set([
  'MLC_NOT_FOUND',
  'MLC_VALIDATION',
  'MLC_VAULT_KEY_UNKNOWN',
  'MLC_VAULT_DECRYPT_FAILED',
]);

function errorInfo(error: unknown): ZendeskErrorInfo {
  if (error instanceof ZendeskRequestError) return error.zendesk;
  return {
    status: 0,
    error: error instanceof Error ? error.name : 'Error',
    description: String((error as Error)?.message ?? error),
    details: null,
  };
}

/**
 * Turns a batch of change events (one partition's worth, any tenants) into Zendesk writes and postings.
 * Resolves only when every record of the batch has a durable posting: applied (Zendesk confirmed),
 * unchanged, failed or dead-lettered. The caller commits offsets after that, never before.
 */
export class PostingBatchProcessor {
  readonly #options: Required<Omit<PostingBatchProcessorOptions, 'onBatchWritten' | 'onRetry'>> &
    Pick<PostingBatchProcessorOptions, 'onBatchWritten' | 'onRetry'>;
  /** Recently applied states seen by this process, consistent with the durable store (written after it). */
  readonly #applied: AppliedStateCache;
  /**
   * `tenant|email` → state key of the record whose write keeps that email, while its batch is in flight
   * (before its posting reaches the store): batches processed at the same time see each other's claims.
   */
  readonly #emailClaims = new Map<string, string>();

  constructor(options: PostingBatchProcessorOptions) {
    this.#options = {
      retryBaseMs: 200,
      concurrency: 4,
      dependencyWaitMs: 30_000,
      appliedCacheSize: 10_000,
      ...options,
    };
    this.#applied = new AppliedStateCache(this.#options.appliedCacheSize);
  }

  /** Forget cached state, e.g. when a partition is revoked and another consumer may now write it. */
  forget(): void {
    this.#applied.clear();
  }

  async process(batch: readonly InboundEvent[]): Promise<Posting[]> {
    const latest = new Map<string, Pending>();
    const byTenant = new Map<string, TenantZendesk>();
    const unusable = new Map<string, ZendeskErrorInfo>();
    const postings: Posting[] = [];
    for (const inbound of batch) {
      const { event } = inbound;
      let tenant = byTenant.get(event.tenantId);
      if (tenant === undefined && !unusable.has(event.tenantId)) {
        try {
          tenant = await this.#options.tenants.get(event.tenantId);
          byTenant.set(event.tenantId, tenant);
        } catch (error) {
          // Anything else (PostgreSQL down…) is transient: the batch fails and is consumed again.
          if (!isMlcError(error) || !UNUSABLE_TENANT.has(error.code)) throw error;
          unusable.set(event.tenantId, { status: 0, error: error.code, description: error.message, details: null });
        }
      }
      if (tenant === undefined) {
        // Dead-lettered with the reason, so the partition keeps moving and the events can be retried later.
        for (const record of mapChangeEvent(event, DEFAULT_MAPPING)) {
          const item = { record, inbound, key: '', previous: undefined };
          postings.push(this.#posting(item, 'failed', null, 0, unusable.get(event.tenantId) ?? null));
        }
        continue;
      }
      for (const record of mapChangeEvent(event, tenant.mapping)) {
        const key = postingStateKey(record.tenantId, record.entity, record.naturalKey, record.zendeskTarget);
        // A compacted topic keeps the latest version only; within a batch we do the same.
        latest.delete(key);
        latest.set(key, { record, inbound, key, previous: undefined });
      }
    }
    const pending = [...latest.values()];
    // Taken before the lookup: other partitions' batches may evict these entries while it runs.
    const cached = new Map<string, AppliedState>();
    const missing: string[] = [];
    for (const { key } of pending) {
      const state = this.#applied.get(key);
      if (state === undefined) missing.push(key);
      else cached.set(key, state);
    }
    const stored = missing.length > 0 ? await this.#options.state.load(missing) : new Map<string, AppliedState>();
    const toWrite: Pending[] = [];
    for (const item of pending) {
      item.previous = cached.get(item.key) ?? stored.get(item.key);
      if (!item.inbound.force && item.previous?.contentHash === item.inbound.event.contentHash) {
        postings.push(this.#posting(item, 'unchanged', item.previous.zendeskId, 0, null));
      } else {
        if (item.previous?.zendeskId) item.record = { ...item.record, knownZendeskId: item.previous.zendeskId };
        toWrite.push(item);
      }
    }
    // Organizations first: supplier contacts need their organization's Zendesk id.
    const [organizations, rest] = [
      toWrite.filter((item) => item.record.objectType === 'organization'),
      toWrite.filter((item) => item.record.objectType !== 'organization'),
    ];
    postings.push(...(await this.#write(organizations, byTenant)));
    const organizationIds = new Map<string, string | null>();
    for (const posting of postings) {
      if (posting.objectType === 'organization' && (posting.status === 'applied' || posting.status === 'unchanged')) {
        organizationIds.set(posting.externalId, posting.zendeskId);
      }
    }
    const refusedInBatch = new Map<string, RefusedState>();
    for (const posting of postings) {
      if (
        posting.objectType === 'organization' &&
        (posting.status === 'failed' || posting.status === 'dead_lettered')
      ) {
        refusedInBatch.set(postingStateKey(posting.tenantId, 'supplier', posting.naturalKey, posting.zendeskTarget), {
          status: posting.status,
          errorCode: posting.error?.error ?? null,
        });
      }
    }
    const refused = await this.#awaitLinkedOrganizations(rest, organizationIds, refusedInBatch);
    const knownOrganizations = await this.#knownOrganizationIds(rest, organizationIds);
    const ready: Pending[] = [];
    for (const item of rest) {
      const refusal = this.#refusedDependency(item, refused);
      if (refusal !== null) {
        postings.push(this.#posting(item, 'dead_lettered', item.previous?.zendeskId ?? null, 0, refusal));
        continue;
      }
      const organizationExternalId = item.record.organizationExternalId;
      if (organizationExternalId === undefined) {
        ready.push(item);
        continue;
      }
      const organizationId =
        organizationIds.get(organizationExternalId) ?? knownOrganizations.get(organizationExternalId) ?? null;
      if (organizationId) {
        item.record = {
          ...item.record,
          body: { ...item.record.body, organization_id: Number(organizationId) || organizationId },
        };
        ready.push(item);
      } else {
        postings.push(
          this.#posting(item, 'dead_lettered', null, 0, {
            status: 0,
            error: 'OrganizationNotWritten',
            description: `organization ${organizationExternalId} has no Zendesk id`,
            details: null,
          }),
        );
      }
    }
    const claims = await this.#separateSharedEmails(ready);
    try {
      postings.push(...(await this.#write(ready, byTenant)));
      await this.#options.sink.record(postings);
    } finally {
      for (const [claim, key] of claims) if (this.#emailClaims.get(claim) === key) this.#emailClaims.delete(claim);
    }
    for (const posting of postings) {
      if (posting.status === 'applied') {
        this.#applied.set(
          postingStateKey(posting.tenantId, posting.entity, posting.naturalKey, posting.zendeskTarget),
          {
            contentHash: posting.contentHash,
            zendeskId: posting.zendeskId,
            body: posting.body,
          },
        );
      }
    }
    return postings;
  }

  /**
   * Waits (bounded, once for the whole batch) until every organization that a lookup of these records
   * references was applied. An organization whose latest posting was refused is not waited for: Zendesk
   * already said no, so waiting would only hold the partition for nothing. Returns those, by state key.
   * One dead-lettered after transient failures (a truncated answer, a timeout) is not waited for either,
   * but not returned: Zendesk never said no and may well have written it, so its records go to Zendesk,
   * which judges the lookup; refusing them would refuse every later change of them too.
   */
  async #awaitLinkedOrganizations(
    items: readonly Pending[],
    written: ReadonlyMap<string, string | null>,
    refusedInBatch: ReadonlyMap<string, RefusedState>,
  ): Promise<Map<string, RefusedState>> {
    const refused = new Map<string, RefusedState>();
    const missing = new Set<string>();
    for (const { record } of items) {
      if (record.linkedSupplier === undefined) continue;
      const key = postingStateKey(record.tenantId, 'supplier', record.linkedSupplier, 'organization');
      const externalId = externalIdFor(record.tenantId, 'supplier', record.linkedSupplier);
      if (this.#applied.has(key) || written.get(externalId)) continue;
      const inBatch = refusedInBatch.get(key);
      if (inBatch === undefined) missing.add(key);
      else if (inBatch.status === 'failed') refused.set(key, inBatch);
    }
    const deadline = Date.now() + this.#options.dependencyWaitMs;
    for (let attempt = 0; missing.size > 0; attempt++) {
      const found = await this.#options.state.load([...missing]);
      for (const [key, state] of found) {
        this.#applied.set(key, state);
        missing.delete(key);
      }
      if (missing.size > 0 && this.#options.state.refused) {
        for (const [key, state] of await this.#options.state.refused([...missing])) {
          if (state.status === 'failed') refused.set(key, state);
          missing.delete(key);
        }
      }
      if (missing.size === 0 || Date.now() >= deadline) break;
      // Capped low: a check is one indexed query, and a long sleep would hold the partition after the organizations landed.
      await sleep(Math.min(100 * 2 ** attempt, 500, Math.max(0, deadline - Date.now())));
    }
    return refused;
  }

  /**
   * Zendesk matches users by external_id or email, so a user sharing an email with another record's user
   * (two ERP customers with one mailbox, a customer who is also a supplier contact) would update that user
   * and take it over. The first record to hold an email keeps it; any other is written without it (its
   * own user, found by external id) and its posting says why.
   */
  async #separateSharedEmails(items: Pending[]): Promise<Map<string, string>> {
    const claimed = new Map<string, string>();
    const byTenant = new Map<string, Pending[]>();
    for (const item of items) {
      if (item.record.objectType !== 'user' || typeof item.record.body.email !== 'string') continue;
      const list = byTenant.get(item.record.tenantId) ?? [];
      list.push(item);
      byTenant.set(item.record.tenantId, list);
    }
    for (const [tenantId, users] of byTenant) {
      const emails = [...new Set(users.map((item) => String(item.record.body.email).toLowerCase()))];
      const owners = (await this.#options.state.emailOwners?.(tenantId, emails)) ?? new Map<string, string>();
      for (const item of users) {
        const email = String(item.record.body.email).toLowerCase();
        const claim = `${tenantId}|${email}`;
        const owner = this.#emailClaims.get(claim) ?? owners.get(email);
        if (owner === undefined) {
          this.#emailClaims.set(claim, item.key);
          claimed.set(claim, item.key);
          continue;
        }
        if (owner === item.key) continue;
        const { email: _shared, ...body } = item.record.body;
        item.record = { ...item.record, body };
        const [, entity = '', naturalKey = ''] = owner.split('|');
        item.sharedEmail = {
          status: 0,
          error: 'MLC_SHARED_EMAIL',
          description: `written without its email, which the Zendesk user of ${entity} ${naturalKey} already holds`,
          details: { ownerEntity: entity, ownerNaturalKey: naturalKey },
        };
      }
    }
    return claimed;
  }

  /** The dead letter's error of a record whose linked organization was refused, or null. */
  #refusedDependency(item: Pending, refused: ReadonlyMap<string, RefusedState>): ZendeskErrorInfo | null {
    const { record } = item;
    if (record.linkedSupplier === undefined) return null;
    const state = refused.get(postingStateKey(record.tenantId, 'supplier', record.linkedSupplier, 'organization'));
    if (state === undefined) return null;
    const organization = externalIdFor(record.tenantId, 'supplier', record.linkedSupplier);
    return {
      status: 0,
      error: 'MLC_DEPENDENCY_FAILED',
      description: `not sent: organization ${organization} was never applied, its latest posting is ${state.status}${
        state.errorCode ? ` (${state.errorCode})` : ''
      }; retry this record once the supplier is fixed`,
      details: { organization, organizationStatus: state.status, organizationError: state.errorCode },
    };
  }

  /**
   * Zendesk ids of the organizations that supplier contacts belong to and that this batch did not write
   * (applied earlier): one lookup for the batch, not one per contact.
   */
  async #knownOrganizationIds(
    items: readonly Pending[],
    written: ReadonlyMap<string, string | null>,
  ): Promise<Map<string, string>> {
    const known = new Map<string, string>();
    const wanted = new Map<string, string>();
    for (const { record } of items) {
      const externalId = record.organizationExternalId;
      if (externalId === undefined || written.get(externalId)) continue;
      const key = postingStateKey(record.tenantId, 'supplier', record.naturalKey, 'organization');
      const cached = this.#applied.get(key)?.zendeskId;
      if (cached) known.set(externalId, cached);
      else wanted.set(key, externalId);
    }
    if (wanted.size > 0) {
      for (const [key, state] of await this.#options.state.load([...wanted.keys()])) {
        if (state.zendeskId) known.set(wanted.get(key)!, state.zendeskId);
      }
    }
    return known;
  }

  async #write(items: readonly Pending[], tenants: Map<string, TenantZendesk>): Promise<Posting[]> {
    const groups = new Map<string, { target: ZendeskTarget; tenantId: string; items: Pending[] }>();
    for (const item of items) {
      const groupKey = `${item.record.tenantId}|${item.record.target}`;
      let group = groups.get(groupKey);
      if (group === undefined) {
        const tenant = tenants.get(item.record.tenantId)!;
        group = { target: tenant.target(item.record), tenantId: item.record.tenantId, items: [] };
        groups.set(groupKey, group);
      }
      group.items.push(item);
    }
    const chunks = [...groups.values()].flatMap((group) =>
      chunk(group.items, this.#options.batchSize).map((items) => ({ ...group, items })),
    );
    const postings: Posting[] = [];
    await inParallel(chunks, this.#options.concurrency, async (work) => {
      postings.push(...(await this.#writeChunk(work.tenantId, work.target, work.items)));
    });
    return postings;
  }

  /** Bounded retries of what failed transiently; permanent failures and successes are final at once. */
  async #writeChunk(tenantId: string, target: ZendeskTarget, items: readonly Pending[]): Promise<Posting[]> {
    const postings: Posting[] = [];
    let remaining = [...items];
    for (let attempt = 1; remaining.length > 0; attempt++) {
      let outcomes: ItemOutcome[];
      try {
        outcomes = await target.upsertBatch(remaining.map((item) => item.record));
        this.#options.onBatchWritten?.(tenantId, target.name, remaining.length);
      } catch (error) {
        const permanent = error instanceof ZendeskRequestError && error.permanent;
        outcomes = remaining.map(() => ({ ok: false, permanent, error: errorInfo(error) }));
      }
      const retry: Pending[] = [];
      remaining.forEach((item, index) => {
        const outcome = outcomes[index] ?? { ok: false, permanent: false, error: errorInfo(new Error('no outcome')) };
        if (outcome.ok) {
          postings.push(
            this.#posting(
              item,
              'applied',
              outcome.zendeskId || item.previous?.zendeskId || null,
              attempt,
              item.sharedEmail ?? null,
            ),
          );
        } else if (outcome.permanent) {
          postings.push(this.#posting(item, 'failed', item.previous?.zendeskId ?? null, attempt, outcome.error));
        } else if (attempt >= this.#options.maxAttempts) {
          postings.push(this.#posting(item, 'dead_lettered', item.previous?.zendeskId ?? null, attempt, outcome.error));
        } else {
          retry.push(item);
        }
      });
      remaining = retry;
      if (remaining.length > 0) {
        this.#options.onRetry?.(tenantId, target.name, attempt);
        await sleep(Math.random() * this.#options.retryBaseMs * 2 ** Math.min(attempt - 1, 6));
      }
    }
    return postings;
  }

  #posting(
    item: Pending,
    status: Posting['status'],
    zendeskId: string | null,
    attempts: number,
    error: ZendeskErrorInfo | null,
  ): Posting {
    const { record, inbound } = item;
    return {
      tenantId: record.tenantId,
      entity: record.entity,
      naturalKey: record.naturalKey,
      zendeskTarget: record.zendeskTarget,
      objectType: record.objectType,
      externalId: record.externalId,
      zendeskId,
      status,
      contentHash: inbound.event.contentHash,
      attempts,
      error,
      eventId: inbound.event.eventId,
      runId: inbound.event.runId,
      source: inbound.source,
      diff: status === 'applied' ? fieldDiff(item.previous?.body ?? null, record.body) : null,
      body: status === 'applied' ? record.body : (item.previous?.body ?? null),
      postedAt: new Date().toISOString(),
      ...(inbound.original ? { original: inbound.original } : {}),
    };
  }
}

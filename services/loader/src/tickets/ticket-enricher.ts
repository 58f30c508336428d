import { isEntityName } from '@mlc/common/entities';
import type { Logger } from '@mlc/common/logger';
import type { ZendeskFieldId } from '@mlc/common/zendesk-field-ids';
import { TICKET_ENRICHMENT, type TicketReferenceEntity } from '@mlc/common/zendesk-field-plan';
import type { Posting } from '../posting/posting.ts';
import type { InboundEvent, PostingSink } from '../posting/posting-batch-processor.ts';
import type { BackgroundJobs } from '../zendesk/background-jobs.ts';
import { jobItemOutcomes, submittedJob } from '../zendesk/job-status.ts';
import type { ZendeskClient } from '../zendesk/zendesk-client.ts';
import type { ZendeskErrorInfo } from '../zendesk/zendesk-error.ts';
import type { ReferenceRecord, ReferenceRecordStore } from './reference-record-store.ts';
import {
  missingValues,
  type ResolvedTicketEnrichment,
  referenceOf,
  resolveTicketEnrichment,
  type TicketCustomField,
} from './ticket-field-values.ts';
import { searchTickets, searchValue, showTicket, type ZendeskTicket } from './ticket-search.ts';
import { DEFAULT_TICKET_LIMITS, type TicketLimitSettings, TicketUpdateLimits } from './ticket-update-limits.ts';

export interface TicketEnricherOptions {
  /** The tenant's Zendesk client and the watcher of its background jobs. */
  zendeskFor: (tenantId: string) => Promise<{ client: ZendeskClient; jobs: BackgroundJobs }>;
  /** The tenant's provisioned field ids (`zendesk_fields`). */
  fieldIds: (tenantId: string) => Promise<ZendeskFieldId[]>;
  store: ReferenceRecordStore;
  /** The loader's posting sink: posting_history, audit topic, DLQ. */
  sink: PostingSink;
  limits?: TicketLimitSettings;
  /** Re-reads after a safe_update conflict before the ticket is left for the next pass. */
  maxConflictRetries?: number;
  /** How far before the last sweep a sweep looks again (search index lag, clock skew). */
  sweepOverlapMs?: number;
  /** How far back the first sweep of a tenant looks. */
  firstSweepLookbackMs?: number;
  /** Pending records handled per pass. */
  pendingBatch?: number;
  logger?: Logger;
  now?: () => number;
}

export interface EnrichmentReport {
  ticketsSeen: number;
  updated: number;
  /** Tickets that already showed the record's values: not written. */
  unchanged: number;
  /** safe_update conflicts (an agent or another app changed the ticket since we read it). */
  conflicts: number;
  failed: number;
  /** Left for a later pass: the ticket's update limit, transient failures, conflicts beyond the retries. */
  deferred: number;
  /** Pending states left for a later pass because the search budget is spent: try again after this long. */
  pendingRetryMs?: number;
}

interface TicketWork {
  ticket: ZendeskTicket;
  record: ReferenceRecord;
  enrichment: ResolvedTicketEnrichment;
}

/** Zendesk's job result for an item refused by safe_update. */
function isConflict(error: ZendeskErrorInfo): boolean {
  return /conflict|safe update/i.test(`${error.error} ${error.description}`);
}

function emptyReport(): EnrichmentReport {
  return { ticketsSeen: 0, updated: 0, unchanged: 0, conflicts: 0, failed: 0, deferred: 0 };
}

function referenceEntity(entity: string): TicketReferenceEntity | null {
  return entity === 'invoice' || entity === 'purchase-order' ? entity : null;
}

/** Zendesk's search takes times to the second, in UTC. */
function searchTime(time: Date): string {
  return time.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Fills tickets that name an invoice or a purchase order (by the reference ticket field) with the record's
 * latest state. Tickets are found by search (`custom_field_<id>:<number>`) when a record changes, and by a
 * sweep of recently updated tickets (which also catches tickets the lagging search index did not show yet).
 * Writes are `tickets/update_many` with safe_update: an agent's concurrent edit wins, we re-read and retry.
 */
export class TicketEnricher {
  readonly #options: TicketEnricherOptions;
  readonly #limits = new Map<string, TicketUpdateLimits>();
  /**
   * Tickets we updated, with the record state and when: search lags writes, so a ticket found again soon
   * after may still look unfilled. A version older than our write of the same state is not written again.
   */
  readonly #written = new Map<string, { state: string; at: number }>();
  readonly #now: () => number;

  constructor(options: TicketEnricherOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Keeps the latest state of every invoice and PO of a processed batch whose posting was applied or
   * unchanged; a changed state becomes pending enrichment. Returns the tenants with new pending states.
   */
  async recordStates(batch: readonly InboundEvent[], postings: readonly Posting[]): Promise<Set<string>> {
    const written = new Set(
      postings
        .filter((posting) => posting.status === 'applied' || posting.status === 'unchanged')
        .map((posting) => `${posting.tenantId}|${posting.entity}|${posting.naturalKey}`),
    );
    const latest = new Map<string, InboundEvent>();
    for (const inbound of batch) {
      const { event } = inbound;
      if (!isEntityName(event.entity) || referenceEntity(event.entity) === null) continue;
      latest.set(`${event.tenantId}|${event.entity}|${event.naturalKey}`, inbound);
    }
    const tenants = new Set<string>();
    const upserts: ReferenceRecord[] = [];
    for (const [key, { event, source }] of latest) {
      const entity = referenceEntity(event.entity)!;
      if (event.op === 'delete' || event.payload === null) {
        await this.#options.store.remove(event.tenantId, entity, [event.naturalKey]);
        continue;
      }
      if (!written.has(key)) continue;
      const declaration = TICKET_ENRICHMENT.find((candidate) => candidate.entity === entity);
      const payload = event.payload as unknown as Record<string, unknown>;
      const reference = declaration ? payload[declaration.reference.source] : undefined;
      if (typeof reference !== 'string' || reference.trim() === '') continue;
      upserts.push({
        tenantId: event.tenantId,
        entity,
        naturalKey: event.naturalKey,
        reference: reference.trim(),
        contentHash: event.contentHash,
        payload,
        sourceModifiedAt: event.sourceModifiedAt,
        eventId: event.eventId,
        runId: event.runId,
        source,
      });
      tenants.add(event.tenantId);
    }
    await this.#options.store.upsert(upserts);
    return tenants;
  }

  /** Updates the tickets of records whose state changed since their tickets were last filled. */
  async enrichPending(tenantId: string): Promise<EnrichmentReport> {
    const report = emptyReport();
    const enrichments = resolveTicketEnrichment(await this.#options.fieldIds(tenantId));
    // Not provisioned yet: the states stay pending until the ticket fields exist.
    if (enrichments.length === 0) return report;
    const limits = this.#limitsOf(tenantId);
    // One search per state: a first load of thousands of states would hold the search budget for hours, with
    // sweeps and fresh changes queued behind it. A pass takes what the budget spares beyond the reserve.
    const budget = limits.searchesAvailable() - limits.searchReserve;
    if (budget <= 0) {
      if ((await this.#options.store.pending(tenantId, 1)).length > 0) report.pendingRetryMs = this.#retryMs(limits);
      return report;
    }
    const batch = Math.min(this.#options.pendingBatch ?? 200, budget);
    const records = await this.#options.store.pending(tenantId, batch);
    if (records.length === 0) return report;
    if (records.length === batch) report.pendingRetryMs = 0;
    const { client, jobs } = await this.#options.zendeskFor(tenantId);
    const work: TicketWork[] = [];
    const done: ReferenceRecord[] = [];
    for (const record of records) {
      const enrichment = enrichments.find((candidate) => candidate.declaration.entity === record.entity);
      const current = (await this.#options.store.byReference(tenantId, record.entity, [record.reference])).get(
        record.reference.toLowerCase(),
      );
      // Its entity's fields are not provisioned, or another record with the same number is the one tickets
      // get: nothing to write.
      if (enrichment === undefined || current?.naturalKey !== record.naturalKey) {
        done.push(record);
        continue;
      }
      const query = `type:ticket custom_field_${enrichment.referenceFieldId}:${searchValue(record.reference)}`;
      for (const ticket of await searchTickets(client, limits, query)) {
        // The index may be behind the ticket: it must still name this record as far as we can tell.
        if (referenceOf(enrichment, ticket.custom_fields)?.toLowerCase() !== record.reference.toLowerCase()) continue;
        work.push({ ticket, record, enrichment });
      }
      done.push(record);
    }
    const outcome = await this.#update(tenantId, client, jobs, limits, work, report);
    for (const record of done) {
      if (!outcome.unfinished.has(`${record.entity}|${record.naturalKey}`))
        await this.#options.store.markEnriched(record);
    }
    if (report.pendingRetryMs !== undefined) report.pendingRetryMs = this.#retryMs(limits);
    return report;
  }

  /** When the search budget has room beyond the reserve again (at least a second: no busy re-checks). */
  #retryMs(limits: TicketUpdateLimits): number {
    return Math.max(1000, limits.searchWaitMs(limits.searchReserve + 1));
  }

  /**
   * Tickets updated since the last sweep (with an overlap for the search index's lag) that name a known
   * invoice or PO but do not show its latest state get it. Nothing is read from CloudSuite.
   */
  async sweep(tenantId: string): Promise<EnrichmentReport> {
    const report = emptyReport();
    const enrichments = resolveTicketEnrichment(await this.#options.fieldIds(tenantId));
    if (enrichments.length === 0) return report;
    const started = new Date(this.#now());
    const last = await this.#options.store.sweptUntil(tenantId);
    const since = new Date(
      last === null
        ? started.getTime() - (this.#options.firstSweepLookbackMs ?? 3_600_000)
        : last.getTime() - (this.#options.sweepOverlapMs ?? 600_000),
    );
    const { client, jobs } = await this.#options.zendeskFor(tenantId);
    const limits = this.#limitsOf(tenantId);
    const tickets = await searchTickets(
      client,
      limits,
      `type:ticket updated>${searchTime(since)} order_by:updated_at sort:asc`,
    );
    const work: TicketWork[] = [];
    for (const enrichment of enrichments) {
      const named = tickets.flatMap((ticket) => {
        const reference = referenceOf(enrichment, ticket.custom_fields);
        return reference === null ? [] : [{ ticket, reference }];
      });
      const records = await this.#options.store.byReference(tenantId, enrichment.declaration.entity, [
        ...new Set(named.map((entry) => entry.reference)),
      ]);
      for (const { ticket, reference } of named) {
        const record = records.get(reference.toLowerCase());
        if (record !== undefined) work.push({ ticket, record, enrichment });
      }
    }
    const outcome = await this.#update(tenantId, client, jobs, limits, work, report);
    if (outcome.unfinished.size === 0) {
      // A full page set means more tickets than search returns: continue after the last one seen.
      const lastSeen = tickets.at(-1)?.updated_at;
      const until = tickets.length >= 1000 && lastSeen !== undefined ? new Date(lastSeen) : started;
      await this.#options.store.saveSweptUntil(tenantId, until);
    }
    return report;
  }

  #remember(tenantId: string, item: TicketWork): void {
    if (this.#written.size >= 100_000) {
      const horizon = this.#now() - 3_600_000;
      for (const [key, entry] of this.#written) if (entry.at < horizon) this.#written.delete(key);
    }
    this.#written.set(`${tenantId}|${item.ticket.id}`, {
      state: `${item.record.naturalKey}|${item.record.contentHash}`,
      at: this.#now(),
    });
  }

  #limitsOf(tenantId: string): TicketUpdateLimits {
    let limits = this.#limits.get(tenantId);
    if (limits === undefined) {
      limits = new TicketUpdateLimits(this.#options.limits ?? DEFAULT_TICKET_LIMITS, this.#now);
      this.#limits.set(tenantId, limits);
    }
    return limits;
  }

  /** Writes what tickets miss, ≤100 per update_many; returns the records some ticket of which is unfinished. */
  async #update(
    tenantId: string,
    client: ZendeskClient,
    jobs: BackgroundJobs,
    limits: TicketUpdateLimits,
    work: readonly TicketWork[],
    report: EnrichmentReport,
  ): Promise<{ unfinished: Set<string> }> {
    const unfinished = new Set<string>();
    // One write per ticket: a ticket named twice (search and sweep, two pages) is handled once.
    let round = new Map<number, TicketWork>();
    for (const item of work) round.set(item.ticket.id, item);
    report.ticketsSeen += round.size;
    const maxRounds = 1 + (this.#options.maxConflictRetries ?? 3);
    for (let attempt = 1; round.size > 0; attempt++) {
      const items: { work: TicketWork; changes: TicketCustomField[] }[] = [];
      for (const item of round.values()) {
        const changes = missingValues(item.enrichment, item.record.payload, item.ticket.custom_fields);
        const written = this.#written.get(`${tenantId}|${item.ticket.id}`);
        const staleView =
          written?.state === `${item.record.naturalKey}|${item.record.contentHash}` &&
          Date.parse(item.ticket.updated_at) <= written.at;
        if (changes.length === 0 || staleView) {
          report.unchanged += 1;
        } else if (!limits.tryReserveTicket(item.ticket.id)) {
          report.deferred += 1;
          unfinished.add(`${item.record.entity}|${item.record.naturalKey}`);
        } else {
          items.push({ work: item, changes });
        }
      }
      const next = new Map<number, TicketWork>();
      const postings: Posting[] = [];
      for (let start = 0; start < items.length; start += 100) {
        const chunk = items.slice(start, start + 100);
        const outcomes = await this.#updateMany(client, jobs, limits, chunk);
        for (const [index, { work: item, changes }] of chunk.entries()) {
          const outcome = outcomes[index];
          if (outcome?.ok) {
            report.updated += 1;
            this.#remember(tenantId, item);
            postings.push(this.#posting(item, changes, 'applied', attempt, null));
          } else if (outcome !== undefined && isConflict(outcome.error)) {
            report.conflicts += 1;
            const fresh = attempt < maxRounds ? await showTicket(client, item.ticket.id) : null;
            const stillNamed =
              fresh !== null &&
              referenceOf(item.enrichment, fresh.custom_fields)?.toLowerCase() === item.record.reference.toLowerCase();
            if (stillNamed) next.set(item.ticket.id, { ...item, ticket: fresh });
            else if (attempt >= maxRounds) {
              report.deferred += 1;
              unfinished.add(`${item.record.entity}|${item.record.naturalKey}`);
            }
          } else if (outcome !== undefined && !outcome.permanent) {
            report.deferred += 1;
            unfinished.add(`${item.record.entity}|${item.record.naturalKey}`);
          } else {
            report.failed += 1;
            postings.push(
              this.#posting(item, changes, 'failed', attempt, outcome?.ok === false ? outcome.error : null),
            );
          }
        }
      }
      await this.#options.sink.record(postings);
      round = next;
    }
    if (report.updated + report.failed + report.conflicts > 0) {
      this.#options.logger?.info({ tenantId, ...report }, 'tickets enriched');
    }
    return { unfinished };
  }

  async #updateMany(
    client: ZendeskClient,
    jobs: BackgroundJobs,
    limits: TicketUpdateLimits,
    chunk: readonly { work: TicketWork; changes: TicketCustomField[] }[],
  ) {
    await limits.acquireUpdateRequest();
    try {
      const job = await jobs.run(async () => {
        const submitted = await client.send<{ job_status?: unknown }>({
          method: 'PUT',
          path: '/api/v2/tickets/update_many.json',
          body: {
            tickets: chunk.map(({ work, changes }) => ({
              id: work.ticket.id,
              custom_fields: changes,
              safe_update: true,
              updated_stamp: work.ticket.updated_at,
            })),
          },
          endpoint: 'tickets/update_many',
          // Setting the same field values twice is harmless; safe_update refuses a stale repeat anyway.
          idempotent: true,
        });
        return submittedJob(submitted, 'tickets/update_many');
      });
      return jobItemOutcomes(
        job,
        chunk.map(({ work }) => String(work.ticket.id)),
      );
    } catch (error) {
      this.#options.logger?.warn({ err: error }, 'ticket update_many failed; left for the next pass');
      return chunk.map(() => ({
        ok: false as const,
        permanent: false,
        error: { status: 0, error: 'Error', description: String(error), details: null },
      }));
    }
  }

  #posting(
    item: TicketWork,
    changes: readonly TicketCustomField[],
    status: Posting['status'],
    attempts: number,
    error: ZendeskErrorInfo | null,
  ): Posting {
    const { ticket, record } = item;
    const diff: Record<string, { from: unknown; to: unknown }> = {};
    for (const change of changes) {
      const from = ticket.custom_fields.find((entry) => Number(entry.id) === change.id)?.value ?? null;
      diff[`custom_field_${change.id}`] = { from, to: change.value };
    }
    return {
      tenantId: record.tenantId,
      entity: record.entity,
      naturalKey: record.naturalKey,
      zendeskTarget: `ticket:${ticket.id}`,
      objectType: 'ticket',
      externalId: String(ticket.id),
      zendeskId: String(ticket.id),
      status,
      contentHash: record.contentHash,
      attempts,
      error,
      eventId: record.eventId,
      runId: record.runId,
      source: record.source,
      diff: status === 'applied' ? diff : null,
      body: status === 'applied' ? { custom_fields: changes } : null,
      postedAt: new Date(this.#now()).toISOString(),
    };
  }
}

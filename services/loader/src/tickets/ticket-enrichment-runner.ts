import type { Logger } from '@mlc/common/logger';
import type { Posting } from '../posting/posting.ts';
import {
  type InboundEvent,
  PostingBatchProcessor,
  type PostingBatchProcessorOptions,
} from '../posting/posting-batch-processor.ts';
import type { ReferenceRecordStore } from './reference-record-store.ts';
import type { TicketEnricher } from './ticket-enricher.ts';

export interface TicketEnrichmentRunnerOptions {
  enricher: TicketEnricher;
  store: ReferenceRecordStore;
  logger: Logger;
  /** Sweep of recently updated tickets, per tenant this loader has seen (DESIGN.md §4: each run, and on a schedule). */
  sweepIntervalMs: number;
  /** Least time between two sweeps of a tenant while its states arrive (each sweep costs a search). */
  minSweepGapMs?: number;
  now?: () => number;
}

/**
 * Runs enrichment off the posting path: a batch's offsets wait only for the invoice/PO states to be stored
 * (durably pending), not for ticket searches and writes, which run per tenant one at a time in the
 * background and resume from the pending flags after a crash. Each pass sweeps first (one search finds
 * the recent tickets naming any stored state, also ones created before the state was synced), then
 * searches per pending state as far as the search budget spares.
 */
export class TicketEnrichmentRunner {
  readonly #options: TicketEnrichmentRunnerOptions;
  readonly #now: () => number;
  readonly #tenants = new Set<string>();
  readonly #runs = new Map<string, string>();
  readonly #running = new Map<string, Promise<void>>();
  readonly #again = new Set<string>();
  readonly #lastSweep = new Map<string, number>();
  /** A later pass per tenant: a sweep held back by the gap, or pending states waiting for search budget. */
  readonly #followUps = new Map<string, { timer: NodeJS.Timeout; due: number }>();
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(options: TicketEnrichmentRunnerOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  start(): void {
    this.#stopped = false;
    this.#timer ??= setInterval(() => {
      for (const tenantId of this.#tenants) this.trigger(tenantId, true);
    }, this.#options.sweepIntervalMs);
    this.#timer.unref();
  }

  /** Stores the batch's invoice/PO states, then enriches and sweeps (new states, or a new run's events). */
  async afterBatch(batch: readonly InboundEvent[], postings: readonly Posting[]): Promise<void> {
    const pending = await this.#options.enricher.recordStates(batch, postings);
    const newRuns = new Set<string>();
    for (const { event } of batch) {
      this.#tenants.add(event.tenantId);
      if (this.#runs.get(event.tenantId) !== event.runId) {
        this.#runs.set(event.tenantId, event.runId);
        newRuns.add(event.tenantId);
      }
    }
    for (const tenantId of new Set([...pending, ...newRuns])) this.trigger(tenantId, true);
  }

  /** Starts a pass for a tenant, or queues one after the pass in progress. */
  trigger(tenantId: string, sweep: boolean): void {
    this.#tenants.add(tenantId);
    if (this.#running.has(tenantId)) {
      this.#again.add(tenantId);
      return;
    }
    const pass = this.#pass(tenantId, sweep).finally(() => {
      this.#running.delete(tenantId);
      if (this.#again.delete(tenantId)) this.trigger(tenantId, true);
    });
    this.#running.set(tenantId, pass);
  }

  async #pass(tenantId: string, sweep: boolean): Promise<void> {
    try {
      if (sweep) {
        const gap = (this.#lastSweep.get(tenantId) ?? Number.NEGATIVE_INFINITY) + this.#minSweepGapMs - this.#now();
        if (gap > 0) this.#followUp(tenantId, gap);
        else {
          this.#lastSweep.set(tenantId, this.#now());
          await this.#options.enricher.sweep(tenantId);
        }
      }
      const report = await this.#options.enricher.enrichPending(tenantId);
      if (report.pendingRetryMs !== undefined) this.#followUp(tenantId, report.pendingRetryMs);
    } catch (error) {
      // The pending flags and the sweep watermark stay where they were: the next pass picks it up.
      this.#options.logger.warn({ err: error, tenantId }, 'ticket enrichment pass failed');
    }
  }

  get #minSweepGapMs(): number {
    return this.#options.minSweepGapMs ?? 5000;
  }

  /** One timer per tenant: the earliest follow-up wanted runs a pass (with a sweep) that covers the rest. */
  #followUp(tenantId: string, delayMs: number): void {
    const due = this.#now() + delayMs;
    const planned = this.#followUps.get(tenantId);
    if (this.#stopped || (planned !== undefined && planned.due <= due)) return;
    clearTimeout(planned?.timer);
    const timer = setTimeout(() => {
      this.#followUps.delete(tenantId);
      if (!this.#stopped) this.trigger(tenantId, true);
    }, delayMs);
    timer.unref();
    this.#followUps.set(tenantId, { timer, due });
  }

  /** Resolves when no pass is running (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.all(this.#running.values());
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#timer = undefined;
    for (const { timer } of this.#followUps.values()) clearTimeout(timer);
    this.#followUps.clear();
    await this.idle();
  }
}

/** The posting processor with ticket enrichment after each batch; the consumer uses it unchanged. */
export class TicketEnrichingProcessor extends PostingBatchProcessor {
  readonly #runner: TicketEnrichmentRunner;

  constructor(options: PostingBatchProcessorOptions, runner: TicketEnrichmentRunner) {
    super(options);
    this.#runner = runner;
  }

  override async process(batch: readonly InboundEvent[]): Promise<Posting[]> {
    const postings = await super.process(batch);
    await this.#runner.afterBatch(batch, postings);
    return postings;
  }
}

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
}

/**
 * Runs enrichment off the posting path: a batch's offsets wait only for the invoice/PO states to be stored
 * (durably pending), not for ticket searches and writes, which run per tenant one at a time in the
 * background and resume from the pending flags after a crash.
 */
export class TicketEnrichmentRunner {
  readonly #options: TicketEnrichmentRunnerOptions;
  readonly #tenants = new Set<string>();
  readonly #runs = new Map<string, string>();
  readonly #running = new Map<string, Promise<void>>();
  readonly #again = new Set<string>();
  #timer: NodeJS.Timeout | undefined;

  constructor(options: TicketEnrichmentRunnerOptions) {
    this.#options = options;
  }

  start(): void {
    this.#timer ??= setInterval(() => {
      for (const tenantId of this.#tenants) this.trigger(tenantId, true);
    }, this.#options.sweepIntervalMs);
    this.#timer.unref();
  }

  /** Stores the batch's invoice/PO states, then enriches (and sweeps when a new run's events arrived). */
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
    for (const tenantId of new Set([...pending, ...newRuns])) this.trigger(tenantId, newRuns.has(tenantId));
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
      await this.#options.enricher.enrichPending(tenantId);
      if (sweep) await this.#options.enricher.sweep(tenantId);
    } catch (error) {
      // The pending flags and the sweep watermark stay where they were: the next pass picks it up.
      this.#options.logger.warn({ err: error, tenantId }, 'ticket enrichment pass failed');
    }
  }

  /** Resolves when no pass is running (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.all(this.#running.values());
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
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

import type { Posting } from './posting.ts';
import type { PostingSink } from './posting-batch-processor.ts';

/**
 * Hands each batch of postings to every sink in order, each after the previous one is durable: the
 * PostgreSQL history first (the idempotency state a restart reads), then the audit topic and the DLQ.
 */
export class SequentialPostingSink implements PostingSink {
  readonly #sinks: readonly PostingSink[];

  constructor(sinks: readonly PostingSink[]) {
    this.#sinks = sinks;
  }

  async record(postings: readonly Posting[]): Promise<void> {
    if (postings.length === 0) return;
    for (const sink of this.#sinks) await sink.record(postings);
  }
}

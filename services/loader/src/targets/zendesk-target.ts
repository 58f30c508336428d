import type { TargetRecord } from '../mapping/target-record.ts';
import type { ItemOutcome } from '../zendesk/job-status.ts';

/**
 * A Zendesk target in the manner of a Kafka Connect sink task: it is handed a batch (≤ 100 records of one
 * tenant and one target) and reports one outcome per record, in order. Offsets, budgets, retries, audit
 * and DLQ live in the loader, not here. `upsertBatch` must be safe to call again with the same records
 * (upsert by external_id, or query first): that is what makes redelivery harmless.
 */
export interface ZendeskTarget {
  readonly name: string;
  upsertBatch(records: readonly TargetRecord[]): Promise<ItemOutcome[]>;
}

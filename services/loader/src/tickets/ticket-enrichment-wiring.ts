import type { Logger } from '@mlc/common/logger';
import { loadZendeskFieldIds } from '@mlc/common/zendesk-field-ids';
import type { Pool } from 'pg';
import type { PostingSink } from '../posting/posting-batch-processor.ts';
import type { TenantZendeskDirectory } from '../tenant-zendesk-directory.ts';
import { ReferenceRecordStore } from './reference-record-store.ts';
import { TicketEnricher } from './ticket-enricher.ts';
import { TicketEnrichmentRunner } from './ticket-enrichment-runner.ts';

export interface TicketEnrichmentWiring {
  pool: Pool;
  schema: string;
  directory: TenantZendeskDirectory;
  /** The loader's posting sink, so ticket writes are audited like any other posting. */
  sink: PostingSink;
  logger: Logger;
  sweepIntervalMs?: number;
}

/** Ticket enrichment over the loader's own tenant runtimes (one rate budget per tenant) and posting sink. */
export function createTicketEnrichment(wiring: TicketEnrichmentWiring): TicketEnrichmentRunner {
  const store = new ReferenceRecordStore(wiring.pool, wiring.schema);
  const logger = wiring.logger.child({ component: 'ticket-enrichment' });
  const enricher = new TicketEnricher({
    zendeskFor: (tenantId) => wiring.directory.get(tenantId),
    fieldIds: (tenantId) => loadZendeskFieldIds(wiring.pool, tenantId),
    store,
    sink: wiring.sink,
    logger,
  });
  return new TicketEnrichmentRunner({
    enricher,
    store,
    logger,
    sweepIntervalMs: wiring.sweepIntervalMs ?? 5 * 60_000,
  });
}

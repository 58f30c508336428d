import { provisionZendesk } from '@mlc/admin-api/provisioning/zendesk-provisioner';
import { ZendeskProvisioningClient } from '@mlc/admin-api/provisioning/zendesk-provisioning-client';
import { createDbPool } from '@mlc/common/db-pool';
import type { ChangeEvent, InvoicePayload, SupplierPayload } from '@mlc/common/entities';
import { createHttpClient } from '@mlc/common/http-client';
import { createLogger } from '@mlc/common/logger';
import { migrate } from '@mlc/common/migrate';
import { loadZendeskFieldIds, saveZendeskFieldIds } from '@mlc/common/zendesk-field-ids';
import { zendeskFieldPlan } from '@mlc/common/zendesk-field-plan';
import { DEFAULT_MAPPING } from '@mlc/common/zendesk-mapping';
import type { Posting } from '@mlc/loader/posting/posting';
import type { InboundEvent } from '@mlc/loader/posting/posting-batch-processor';
import { PostingHistoryStore } from '@mlc/loader/posting/posting-history-store';
import { SequentialPostingSink } from '@mlc/loader/posting/sequential-posting-sink';
import { TenantZendeskDirectory } from '@mlc/loader/tenant-zendesk-directory';
import { ReferenceRecordStore } from '@mlc/loader/tickets/reference-record-store';
import { TicketEnricher } from '@mlc/loader/tickets/ticket-enricher';
import { TicketEnrichingProcessor, TicketEnrichmentRunner } from '@mlc/loader/tickets/ticket-enrichment-runner';
import type { TicketLimitSettings } from '@mlc/loader/tickets/ticket-update-limits';
import type { AddAccountOptions } from '@mlc/simulators/zendesk/account-state';
import { buildZendeskSimulator } from '@mlc/simulators/zendesk/zendesk-simulator';
import { type CleanupScope, withIsolatedSchema } from '../support/isolated-database-schema.ts';

/** Upsert events of one tenant and run, numbered in the order they are made (offset and event id). */
export function inboundEvents(tenantId: string, runId: string) {
  let offset = 0;
  return (entity: 'supplier' | 'invoice', naturalKey: string, payload: unknown, hash: string): InboundEvent => {
    offset += 1;
    const event = {
      eventId: `ev-${offset}`,
      tenantId,
      entity,
      naturalKey,
      op: 'upsert',
      sourceModifiedAt: new Date().toISOString(),
      extractedAt: new Date().toISOString(),
      runId,
      contentHash: hash,
      payload,
    } as ChangeEvent;
    return { event, source: { topic: `cloudsuite.${entity}.v1`, partition: 0, offset: String(offset) }, force: false };
  };
}

/** The one supplier every test invoice belongs to. */
export const SUPPLIER_S1: SupplierPayload = {
  supplierNumber: 'S1',
  name: 'Supplier 1',
  status: '20',
  currency: 'EUR',
  paymentTerms: '30D',
  country: 'SE',
  division: null,
  email: null,
  phone: null,
  taxId: null,
  contacts: [],
};

/** An open 2026 invoice of supplier S1 of 1234.50 EUR, with `changes` applied. */
export function invoiceOfS1(invoiceNumber: string, changes: Partial<InvoicePayload> = {}): InvoicePayload {
  return {
    invoiceNumber,
    supplierNumber: 'S1',
    division: null,
    invoiceYear: '2026',
    invoiceDate: '2026-01-02',
    dueDate: '2026-02-01',
    currency: 'EUR',
    amount: '1234.50',
    openAmount: '1234.50',
    paymentStatus: 'open',
    lastPaymentDate: null,
    poNumber: null,
    ...changes,
  };
}

export interface TicketEnrichmentSetupOptions {
  tenantId: string;
  tenantName: string;
  oauth: { identifier: string; secret: string };
  schemaPrefix: string;
  loggerName: string;
  /** Simulator account settings beyond the tenant, its OAuth client and instant jobs. */
  account?: Partial<AddAccountOptions>;
  limits?: TicketLimitSettings;
  /** Where postings are also recorded, besides the posting history. */
  audited?: Posting[];
}

/**
 * A migrated schema with the tenant, a Zendesk simulator account provisioned as the admin API's route
 * does it (fields, objects, ticket field ids in zendesk_fields), and the loader's ticket enrichment over
 * them; everything is closed when the test ends.
 */
export async function startTicketEnrichment(t: CleanupScope, options: TicketEnrichmentSetupOptions) {
  const { tenantId, oauth } = options;
  const isolated = await withIsolatedSchema(t, options.schemaPrefix);
  await migrate(isolated.connectionString, { schema: isolated.schema });
  const pool = createDbPool(isolated.connectionString, { schema: isolated.schema, max: 4 });
  await pool.query("INSERT INTO tenants (id, name, product) VALUES ($1, $2, 'm3')", [tenantId, options.tenantName]);
  const zendesk = buildZendeskSimulator({
    accounts: [
      {
        subdomain: tenantId,
        plan: 'enterprise_plus',
        oauthClients: [oauth],
        jobQueuedMs: 0,
        jobWorkingMs: 0,
        ...options.account,
      },
    ],
  });
  await zendesk.listen();
  const http = createHttpClient();
  t.after(async () => {
    await zendesk.close();
    await http.close();
    await pool.end();
  });
  const baseUrl = zendesk.baseUrl(tenantId);
  const credentials = { kind: 'oauth' as const, clientId: oauth.identifier, clientSecret: oauth.secret };
  await provisionZendesk(
    await ZendeskProvisioningClient.connect(http, baseUrl, credentials),
    zendeskFieldPlan(DEFAULT_MAPPING),
    { dryRun: false, knownTicketFieldIds: new Map(), remember: (ids) => saveZendeskFieldIds(pool, tenantId, ids) },
  );
  const fieldId = new Map(
    (await loadZendeskFieldIds(pool, tenantId, 'ticket_field')).map((field) => [field.key, Number(field.zendeskId)]),
  );
  const directory = new TenantZendeskDirectory({
    loadTenant: async () => ({
      tenantId,
      subdomain: tenantId,
      baseUrl,
      requestsPerMinute: 100_000,
      share: 1,
      credentials,
      mapping: null,
    }),
    jobs: { intervalMs: 10, timeoutMs: 5000, maxQueued: 10 },
  });
  const history = new PostingHistoryStore(pool, isolated.schema);
  const audited = options.audited;
  const sink = new SequentialPostingSink(
    audited === undefined ? [history] : [history, { record: async (postings) => void audited.push(...postings) }],
  );
  const store = new ReferenceRecordStore(pool, isolated.schema);
  const enricher = new TicketEnricher({
    zendeskFor: (tenant) => directory.get(tenant),
    fieldIds: (tenant) => loadZendeskFieldIds(pool, tenant),
    store,
    sink,
    ...(options.limits === undefined ? {} : { limits: options.limits }),
  });
  const logger = createLogger({ name: options.loggerName, level: 'silent' });
  const runner = new TicketEnrichmentRunner({ enricher, store, logger, sweepIntervalMs: 60_000 });
  t.after(() => runner.stop());
  const processor = new TicketEnrichingProcessor(
    { tenants: directory, state: history, sink, batchSize: 100, maxAttempts: 3, dependencyWaitMs: 0 },
    runner,
  );
  /** An agent's access token, as the Zendesk UI holds one. */
  const agentToken = () =>
    fetch(`${baseUrl}/oauth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        grant_type: 'client_credentials',
        client_id: oauth.identifier,
        client_secret: oauth.secret,
      }),
    }).then(async (response) => ((await response.json()) as { access_token: string }).access_token);
  return { pool, zendesk, baseUrl, fieldId, enricher, runner, processor, agentToken };
}

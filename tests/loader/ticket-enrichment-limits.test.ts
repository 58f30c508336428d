import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { provisionZendesk } from '@mlc/admin-api/provisioning/zendesk-provisioner';
import { ZendeskProvisioningClient } from '@mlc/admin-api/provisioning/zendesk-provisioning-client';
import { createDbPool } from '@mlc/common/db-pool';
import type { ChangeEvent, InvoicePayload } from '@mlc/common/entities';
import { createHttpClient } from '@mlc/common/http-client';
import { createLogger } from '@mlc/common/logger';
import { migrate } from '@mlc/common/migrate';
import { loadZendeskFieldIds, saveZendeskFieldIds } from '@mlc/common/zendesk-field-ids';
import { zendeskFieldPlan } from '@mlc/common/zendesk-field-plan';
import { DEFAULT_MAPPING } from '@mlc/common/zendesk-mapping';
import type { InboundEvent } from '@mlc/loader/posting/posting-batch-processor';
import { PostingHistoryStore } from '@mlc/loader/posting/posting-history-store';
import { SequentialPostingSink } from '@mlc/loader/posting/sequential-posting-sink';
import { TenantZendeskDirectory } from '@mlc/loader/tenant-zendesk-directory';
import { ReferenceRecordStore } from '@mlc/loader/tickets/reference-record-store';
import { TicketEnricher } from '@mlc/loader/tickets/ticket-enricher';
import { TicketEnrichingProcessor, TicketEnrichmentRunner } from '@mlc/loader/tickets/ticket-enrichment-runner';
import { buildZendeskSimulator } from '@mlc/simulators/zendesk/zendesk-simulator';
import { withIsolatedSchema } from '../support/isolated-database-schema.ts';

const OAUTH = { identifier: 'mlc-loader', secret: 'ticket-limits-secret' };
const TENANT = 'limits';
const TICKETS = 1000;
const INVOICES = 200;
// Zendesk's update-ticket limits (100 per account per minute, 30 per ticket per 10 minutes) scaled down in
// count and window so that the run needs several windows of each but stays within seconds.
const ACCOUNT_WINDOW_MS = 2000;
const ACCOUNT_UPDATES = 5;
const TICKET_WINDOW_MS = 25_000;
const TICKET_UPDATES = 2;
let offset = 0;

function inbound(entity: 'supplier' | 'invoice', naturalKey: string, payload: unknown, hash: string): InboundEvent {
  offset += 1;
  const event = {
    eventId: `ev-${offset}`,
    tenantId: TENANT,
    entity,
    naturalKey,
    op: 'upsert',
    sourceModifiedAt: new Date().toISOString(),
    extractedAt: new Date().toISOString(),
    runId: '00000000-0000-4000-8000-000000000077',
    contentHash: hash,
    payload,
  } as ChangeEvent;
  return { event, source: { topic: `cloudsuite.${entity}.v1`, partition: 0, offset: String(offset) }, force: false };
}

const SUPPLIER = inbound(
  'supplier',
  'S1',
  {
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
  },
  'supplier-v1',
);

function invoices(version: number): InboundEvent[] {
  return Array.from({ length: INVOICES }, (_, n) => {
    const invoiceNumber = `INV-${n}`;
    const payload: InvoicePayload = {
      invoiceNumber,
      supplierNumber: 'S1',
      division: null,
      invoiceYear: '2026',
      invoiceDate: '2026-01-02',
      dueDate: '2026-02-01',
      currency: 'EUR',
      amount: '900.00',
      openAmount: `${900 - version * 100}.00`,
      paymentStatus: version === 3 ? 'paid' : 'open',
      lastPaymentDate: null,
      poNumber: null,
    };
    return inbound('invoice', `S1:${invoiceNumber}:2026`, payload, `${invoiceNumber}-v${version}`);
  });
}

/** Most timestamps inside any window of `windowMs`. */
function peak(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while (sorted[end]! - sorted[start]! >= windowMs) start++;
    most = Math.max(most, end - start + 1);
  }
  return most;
}

test('1,000 tickets naming 200 invoices changed three times: every ticket ends enriched within the update-ticket limits', async (t) => {
  const isolated = await withIsolatedSchema(t, 'ticket_limits');
  await migrate(isolated.connectionString, { schema: isolated.schema });
  const pool = createDbPool(isolated.connectionString, { schema: isolated.schema, max: 4 });
  await pool.query("INSERT INTO tenants (id, name, product) VALUES ($1, 'Limits', 'm3')", [TENANT]);
  const zendesk = buildZendeskSimulator({
    accounts: [
      {
        subdomain: TENANT,
        plan: 'enterprise_plus',
        oauthClients: [OAUTH],
        jobQueuedMs: 0,
        jobWorkingMs: 0,
        endpointLimits: {
          ticketUpdatesPerMinute: ACCOUNT_UPDATES,
          ticketUpdateWindowMs: ACCOUNT_WINDOW_MS,
          ticketUpdatesPerTicketPer10Min: TICKET_UPDATES,
          ticketUpdatePerTicketWindowMs: TICKET_WINDOW_MS,
        },
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
  const baseUrl = zendesk.baseUrl(TENANT);
  const credentials = { kind: 'oauth' as const, clientId: OAUTH.identifier, clientSecret: OAUTH.secret };
  await provisionZendesk(
    await ZendeskProvisioningClient.connect(http, baseUrl, credentials),
    zendeskFieldPlan(DEFAULT_MAPPING),
    { dryRun: false, knownTicketFieldIds: new Map(), remember: (ids) => saveZendeskFieldIds(pool, TENANT, ids) },
  );
  const fieldId = new Map(
    (await loadZendeskFieldIds(pool, TENANT, 'ticket_field')).map((field) => [field.key, Number(field.zendeskId)]),
  );
  const poll = { intervalMs: 10, timeoutMs: 5000 };
  const directory = new TenantZendeskDirectory({
    loadTenant: async () => ({
      tenantId: TENANT,
      subdomain: TENANT,
      baseUrl,
      requestsPerMinute: 100_000,
      share: 1,
      credentials,
      mapping: null,
    }),
    poll,
  });
  const history = new PostingHistoryStore(pool, isolated.schema);
  const sink = new SequentialPostingSink([history]);
  const store = new ReferenceRecordStore(pool, isolated.schema);
  const enricher = new TicketEnricher({
    clientFor: async (tenantId) => (await directory.get(tenantId)).client,
    fieldIds: (tenantId) => loadZendeskFieldIds(pool, tenantId),
    store,
    sink,
    poll,
    // The loader keeps below Zendesk's account limit and at its per-ticket limit, on the same windows.
    limits: {
      updateRequestsPerMinute: ACCOUNT_UPDATES - 1,
      updatesPerTicketPer10Min: TICKET_UPDATES,
      searchesPerMinute: 100_000,
      minuteWindowMs: ACCOUNT_WINDOW_MS,
      perTicketWindowMs: TICKET_WINDOW_MS,
    },
  });
  const logger = createLogger({ name: 'ticket-limits-test', level: 'silent' });
  const runner = new TicketEnrichmentRunner({ enricher, store, logger, sweepIntervalMs: 60_000 });
  t.after(() => runner.stop());
  const processor = new TicketEnrichingProcessor(
    { tenants: directory, state: history, sink, batchSize: 100, maxAttempts: 3, dependencyWaitMs: 0 },
    runner,
  );

  // The tickets exist before any invoice is known, as customers ask before the ERP syncs.
  const account = zendesk.account(TENANT);
  const numberField = fieldId.get('mlc_invoice_number')!;
  const token = await fetch(`${baseUrl}/oauth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      grant_type: 'client_credentials',
      client_id: OAUTH.identifier,
      client_secret: OAUTH.secret,
    }),
  }).then(async (response) => ((await response.json()) as { access_token: string }).access_token);
  for (let start = 0; start < TICKETS; start += 50) {
    await Promise.all(
      Array.from({ length: 50 }, async (_, k) => {
        const response = await fetch(`${baseUrl}/api/v2/tickets`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({
            ticket: {
              subject: 'Has my invoice been paid?',
              comment: { body: 'Please check.' },
              custom_fields: [{ id: numberField, value: `INV-${(start + k) % INVOICES}` }],
            },
          }),
        });
        assert.equal(response.status, 201);
      }),
    );
  }
  zendesk.requestLog.clear();
  const openAmount = fieldId.get('mlc_invoice_open_amount')!;
  const enriched = () =>
    [...account.tickets.values()].filter(
      (ticket) => Number(ticket.custom_fields.find((entry) => entry.id === openAmount)?.value) === 600,
    ).length;

  const started = performance.now();
  await processor.process([SUPPLIER, ...invoices(1)]);
  await runner.idle();
  await processor.process(invoices(2));
  await runner.idle();
  await processor.process(invoices(3));
  await runner.idle();
  // Tickets at their per-ticket limit were left pending: later passes finish them.
  const deadline = Date.now() + 45_000;
  while (enriched() < TICKETS && Date.now() < deadline) {
    await enricher.enrichPending(TENANT);
    await sleep(1500);
  }
  const seconds = (performance.now() - started) / 1000;

  const log = zendesk.requestLog.entries({ account: TENANT });
  const updateMany = log.filter((entry) => entry.route === 'PUT /api/v2/tickets/update_many');
  // Each ticket's versions after its creation are its updates (no index delay: visible at write time).
  const perTicketPeaks = [...account.searchIndex.values()].map((versions) =>
    peak(
      versions.slice(1).map((version) => version.visibleAt),
      TICKET_WINDOW_MS,
    ),
  );
  const updates = [...account.searchIndex.values()].reduce((sum, versions) => sum + versions.length - 1, 0);
  const { rows } = await pool.query<{ status: string; n: string }>(
    "SELECT status, count(*) AS n FROM posting_history WHERE zendesk_target LIKE 'ticket:%' GROUP BY status",
  );
  const postings = Object.fromEntries(rows.map((row) => [row.status, Number(row.n)]));
  const figures = {
    seconds: Number(seconds.toFixed(1)),
    enriched: enriched(),
    ticketUpdates: updates,
    updateManyRequests: updateMany.length,
    updateMany429: updateMany.filter((entry) => entry.status === 429).length,
    peakUpdateManyPerAccountWindow: peak(
      updateMany.map((entry) => Date.parse(entry.time)),
      ACCOUNT_WINDOW_MS,
    ),
    peakUpdatesPerTicketWindow: Math.max(...perTicketPeaks),
    searches: log.filter((entry) => entry.path === '/api/v2/search').length,
    postings,
  };
  console.log(JSON.stringify(figures));

  assert.equal(figures.enriched, TICKETS, 'every ticket shows the latest invoice state');
  // Three states per invoice, each written to each of its tickets once: the third waited for the ticket's window.
  assert.equal(updates, 3 * TICKETS);
  assert.equal(postings.applied, 3 * TICKETS);
  assert.equal(postings.failed ?? 0, 0, 'no job item refused (a refused per-ticket update fails its item)');
  assert.equal(figures.updateMany429, 0, 'the account limit was never hit');
  assert.ok(figures.peakUpdateManyPerAccountWindow <= ACCOUNT_UPDATES);
  assert.ok(figures.peakUpdatesPerTicketWindow <= TICKET_UPDATES);
  // The limits were what paced the run: more requests than one account window allows, and the third state
  // waited for the per-ticket window.
  assert.ok(figures.updateManyRequests > ACCOUNT_UPDATES);
  assert.equal(figures.peakUpdatesPerTicketWindow, TICKET_UPDATES, 'the per-ticket window never bound');
});

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
import type { Posting } from '@mlc/loader/posting/posting';
import type { InboundEvent } from '@mlc/loader/posting/posting-batch-processor';
import { PostingHistoryStore } from '@mlc/loader/posting/posting-history-store';
import { SequentialPostingSink } from '@mlc/loader/posting/sequential-posting-sink';
import { TenantZendeskDirectory } from '@mlc/loader/tenant-zendesk-directory';
import { ReferenceRecordStore } from '@mlc/loader/tickets/reference-record-store';
import { TicketEnricher } from '@mlc/loader/tickets/ticket-enricher';
import { TicketEnrichingProcessor, TicketEnrichmentRunner } from '@mlc/loader/tickets/ticket-enrichment-runner';
import { buildZendeskSimulator } from '@mlc/simulators/zendesk/zendesk-simulator';
import { type CleanupScope, withIsolatedSchema } from '../support/isolated-database-schema.ts';

const OAUTH = { identifier: 'mlc-loader', secret: 'ticket-enrichment-secret' };
const TENANT = 'acme';
const RUN = '00000000-0000-4000-8000-000000000007';
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
    runId: RUN,
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

function invoice(invoiceNumber: string, changes: Partial<InvoicePayload> = {}): InboundEvent {
  const payload: InvoicePayload = {
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
  return inbound('invoice', `S1:${invoiceNumber}:2026`, payload, `${invoiceNumber}-${JSON.stringify(changes)}`);
}

async function setup(t: CleanupScope, searchIndexDelayMs = 0) {
  const isolated = await withIsolatedSchema(t, 'tickets');
  await migrate(isolated.connectionString, { schema: isolated.schema });
  const pool = createDbPool(isolated.connectionString, { schema: isolated.schema, max: 4 });
  await pool.query("INSERT INTO tenants (id, name, product) VALUES ($1, 'Acme', 'm3')", [TENANT]);
  const zendesk = buildZendeskSimulator({
    accounts: [
      {
        subdomain: TENANT,
        plan: 'enterprise_plus',
        oauthClients: [OAUTH],
        jobQueuedMs: 0,
        jobWorkingMs: 0,
        searchIndexDelayMs,
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
  // Provisioned as the admin API's route does it: fields, objects, and the ticket field ids in zendesk_fields.
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
  const audited: Posting[] = [];
  const sink = new SequentialPostingSink([history, { record: async (postings) => void audited.push(...postings) }]);
  const store = new ReferenceRecordStore(pool, isolated.schema);
  const enricher = new TicketEnricher({
    clientFor: async (tenantId) => (await directory.get(tenantId)).client,
    fieldIds: (tenantId) => loadZendeskFieldIds(pool, tenantId),
    store,
    sink,
    poll,
  });
  const logger = createLogger({ name: 'ticket-enrichment-test', level: 'silent' });
  const runner = new TicketEnrichmentRunner({ enricher, store, logger, sweepIntervalMs: 60_000 });
  t.after(() => runner.stop());
  const processor = new TicketEnrichingProcessor(
    { tenants: directory, state: history, sink, batchSize: 100, maxAttempts: 3, dependencyWaitMs: 0 },
    runner,
  );
  const process = async (batch: InboundEvent[]) => {
    await processor.process(batch);
    await runner.idle();
  };

  const token = await fetch(`${baseUrl}/oauth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      grant_type: 'client_credentials',
      client_id: OAUTH.identifier,
      client_secret: OAUTH.secret,
    }),
  }).then(async (response) => ((await response.json()) as { access_token: string }).access_token);
  /** What an agent does in the Zendesk UI. */
  const agent = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    assert.ok(response.ok, `${method} ${path}: ${response.status} ${await response.clone().text()}`);
    return (await response.json()) as {
      ticket: { id: number; subject: string; custom_fields: { id: number; value: unknown }[] };
    };
  };
  const createTicket = async (fields: Record<string, unknown>) =>
    (
      await agent('POST', '/api/v2/tickets', {
        ticket: {
          subject: 'Where is my money?',
          comment: { body: 'Has my invoice been paid?' },
          custom_fields: Object.entries(fields).map(([key, value]) => ({ id: fieldId.get(key), value })),
        },
      })
    ).ticket.id;
  const ticket = async (id: number) => {
    const { ticket: shown } = await agent('GET', `/api/v2/tickets/${id}`);
    const values: Record<string, unknown> = {};
    for (const [key, idOfKey] of fieldId)
      values[key] = shown.custom_fields.find((entry) => entry.id === idOfKey)?.value;
    return { subject: shown.subject, values };
  };
  const ticketWrites = () =>
    zendesk.requestLog.entries().filter((entry) => entry.route === 'PUT /api/v2/tickets/update_many').length;
  const ticketPostings = async () =>
    (
      await pool.query<{ zendesk_target: string; status: string; entity: string }>(
        "SELECT zendesk_target, status, entity FROM posting_history WHERE zendesk_target LIKE 'ticket:%' ORDER BY id",
      )
    ).rows;
  return { zendesk, process, enricher, agent, createTicket, ticket, ticketWrites, ticketPostings, audited };
}

test('a ticket naming an invoice gets its fields after the invoice posting, and its payment status after a change', async (t) => {
  const env = await setup(t);
  const id = await env.createTicket({ mlc_invoice_number: 'INV-1' });
  await env.process([SUPPLIER, invoice('INV-1')]);
  const filled = await env.ticket(id);
  assert.equal(filled.values.mlc_invoice_date, '2026-01-02');
  assert.equal(filled.values.mlc_invoice_due_date, '2026-02-01');
  assert.equal(Number(filled.values.mlc_invoice_amount), 1234.5);
  assert.equal(filled.values.mlc_invoice_currency, 'EUR');
  assert.equal(filled.values.mlc_invoice_payment_status, 'open');
  assert.deepEqual(await env.ticketPostings(), [
    { zendesk_target: `ticket:${id}`, status: 'applied', entity: 'invoice' },
  ]);
  assert.ok(env.audited.some((posting) => posting.zendeskTarget === `ticket:${id}` && posting.objectType === 'ticket'));

  await env.process([invoice('INV-1', { paymentStatus: 'paid', openAmount: '0', lastPaymentDate: '2026-01-20' })]);
  const paid = await env.ticket(id);
  assert.equal(paid.values.mlc_invoice_payment_status, 'paid');
  assert.equal(Number(paid.values.mlc_invoice_open_amount), 0);
  const writes = env.ticketWrites();
  assert.equal(writes, 2);

  // The same state again (a replay, a re-delivered batch): no ticket is written twice with the same values.
  await env.process([invoice('INV-1', { paymentStatus: 'paid', openAmount: '0', lastPaymentDate: '2026-01-20' })]);
  await env.enricher.sweep(TENANT);
  assert.equal(env.ticketWrites(), writes);
  assert.equal((await env.ticketPostings()).length, 2);
});

test('a ticket already showing the invoice values is not written', async (t) => {
  const env = await setup(t);
  const id = await env.createTicket({
    mlc_invoice_number: 'INV-2',
    mlc_invoice_date: '2026-01-02',
    mlc_invoice_amount: '1234.50',
    mlc_invoice_open_amount: '1234.50',
    mlc_invoice_currency: 'EUR',
    mlc_invoice_due_date: '2026-02-01',
    mlc_invoice_payment_status: 'open',
  });
  const other = await env.createTicket({ mlc_invoice_number: 'INV-2' });
  await env.process([SUPPLIER, invoice('INV-2')]);
  assert.equal(env.ticketWrites(), 1, 'one update_many, for the ticket that lacked the values');
  assert.deepEqual(
    (await env.ticketPostings()).map((posting) => posting.zendesk_target),
    [`ticket:${other}`],
  );
  assert.equal((await env.ticket(id)).values.mlc_invoice_payment_status, 'open');
});

test("an agent's edit racing the update (safe_update 409) is kept and the fields are filled after a re-read", async (t) => {
  const indexDelayMs = 1000;
  const env = await setup(t, indexDelayMs);
  const id = await env.createTicket({ mlc_invoice_number: 'INV-3' });
  await env.process([SUPPLIER]);
  await sleep(indexDelayMs + 100);
  // The agent edits after the search index caught up: search now shows a stale updated_at for a while.
  await env.agent('PUT', `/api/v2/tickets/${id}`, { ticket: { subject: 'Agent edit', status: 'open' } });
  await env.process([invoice('INV-3')]);
  const shown = await env.ticket(id);
  assert.equal(shown.subject, 'Agent edit');
  assert.equal(shown.values.mlc_invoice_payment_status, 'open');
  const log = env.zendesk.requestLog.entries();
  assert.equal(env.ticketWrites(), 2, 'the refused update, then the one with the re-read stamp');
  assert.ok(log.some((entry) => entry.route === 'GET /api/v2/tickets/:id' && entry.status === 200));
  const postings = await env.ticketPostings();
  assert.deepEqual(postings, [{ zendesk_target: `ticket:${id}`, status: 'applied', entity: 'invoice' }]);
});

test('the sweep fills a ticket that named the invoice before it arrived and that search did not show yet', async (t) => {
  const indexDelayMs = 600;
  const env = await setup(t, indexDelayMs);
  const id = await env.createTicket({ mlc_invoice_number: 'INV-4' });
  await env.process([SUPPLIER, invoice('INV-4')]);
  assert.equal((await env.ticket(id)).values.mlc_invoice_payment_status, null, 'not in the search index yet');
  assert.equal(env.ticketWrites(), 0);
  await sleep(indexDelayMs + 100);
  const report = await env.enricher.sweep(TENANT);
  assert.equal(report.updated, 1);
  const filled = await env.ticket(id);
  assert.equal(filled.values.mlc_invoice_payment_status, 'open');
  assert.equal(filled.values.mlc_invoice_due_date, '2026-02-01');
  const again = await env.enricher.sweep(TENANT);
  assert.equal(again.updated, 0);
  assert.equal(env.ticketWrites(), 1);
});

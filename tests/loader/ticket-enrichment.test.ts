import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { InvoicePayload } from '@mlc/common/entities';
import type { Posting } from '@mlc/loader/posting/posting';
import type { InboundEvent } from '@mlc/loader/posting/posting-batch-processor';
import type { CleanupScope } from '../support/isolated-database-schema.ts';
import { inboundEvents, invoiceOfS1, SUPPLIER_S1, startTicketEnrichment } from './ticket-enrichment-setup.ts';

const OAUTH = { identifier: 'mlc-loader', secret: 'ticket-enrichment-secret' };
const TENANT = 'acme';
const RUN = '00000000-0000-4000-8000-000000000007';
const inbound = inboundEvents(TENANT, RUN);

const SUPPLIER = inbound('supplier', 'S1', SUPPLIER_S1, 'supplier-v1');

function invoice(invoiceNumber: string, changes: Partial<InvoicePayload> = {}): InboundEvent {
  return inbound(
    'invoice',
    `S1:${invoiceNumber}:2026`,
    invoiceOfS1(invoiceNumber, changes),
    `${invoiceNumber}-${JSON.stringify(changes)}`,
  );
}

async function setup(t: CleanupScope, searchIndexDelayMs = 0) {
  const audited: Posting[] = [];
  const { pool, zendesk, baseUrl, fieldId, enricher, runner, processor, agentToken } = await startTicketEnrichment(t, {
    tenantId: TENANT,
    tenantName: 'Acme',
    oauth: OAUTH,
    schemaPrefix: 'tickets',
    loggerName: 'ticket-enrichment-test',
    account: { searchIndexDelayMs },
    audited,
  });
  const process = async (batch: InboundEvent[]) => {
    await processor.process(batch);
    await runner.idle();
  };

  const token = await agentToken();
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

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { InboundEvent } from '@mlc/loader/posting/posting-batch-processor';
import { inboundEvents, invoiceOfS1, SUPPLIER_S1, startTicketEnrichment } from './ticket-enrichment-setup.ts';

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
const inbound = inboundEvents(TENANT, '00000000-0000-4000-8000-000000000077');

const SUPPLIER = inbound('supplier', 'S1', SUPPLIER_S1, 'supplier-v1');

function invoices(version: number): InboundEvent[] {
  return Array.from({ length: INVOICES }, (_, n) => {
    const invoiceNumber = `INV-${n}`;
    const payload = invoiceOfS1(invoiceNumber, {
      amount: '900.00',
      openAmount: `${900 - version * 100}.00`,
      paymentStatus: version === 3 ? 'paid' : 'open',
    });
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
  const { pool, zendesk, baseUrl, fieldId, enricher, runner, processor, agentToken } = await startTicketEnrichment(t, {
    tenantId: TENANT,
    tenantName: 'Limits',
    oauth: OAUTH,
    schemaPrefix: 'ticket_limits',
    loggerName: 'ticket-limits-test',
    account: {
      endpointLimits: {
        ticketUpdatesPerMinute: ACCOUNT_UPDATES,
        ticketUpdateWindowMs: ACCOUNT_WINDOW_MS,
        ticketUpdatesPerTicketPer10Min: TICKET_UPDATES,
        ticketUpdatePerTicketWindowMs: TICKET_WINDOW_MS,
      },
    },
    // The loader keeps below Zendesk's account limit and at its per-ticket limit, on the same windows.
    limits: {
      updateRequestsPerMinute: ACCOUNT_UPDATES - 1,
      updatesPerTicketPer10Min: TICKET_UPDATES,
      searchesPerMinute: 100_000,
      minuteWindowMs: ACCOUNT_WINDOW_MS,
      perTicketWindowMs: TICKET_WINDOW_MS,
    },
  });

  // The tickets exist before any invoice is known, as customers ask before the ERP syncs.
  const account = zendesk.account(TENANT);
  const numberField = fieldId.get('mlc_invoice_number')!;
  const token = await agentToken();
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
  // A ticket shows its values once Zendesk ran the job; its audit row lands after the loader read the job's
  // result, so the count is read once it settles (bounded).
  const countPostings = async () => {
    const { rows } = await pool.query<{ status: string; n: string }>(
      "SELECT status, count(*) AS n FROM posting_history WHERE zendesk_target LIKE 'ticket:%' GROUP BY status",
    );
    return Object.fromEntries(rows.map((row) => [row.status, Number(row.n)])) as Record<string, number>;
  };
  let postings = await countPostings();
  const auditDeadline = Date.now() + 15_000;
  while ((postings.applied ?? 0) < 3 * TICKETS && Date.now() < auditDeadline) {
    await sleep(250);
    postings = await countPostings();
  }
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

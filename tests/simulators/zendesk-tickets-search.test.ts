import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startZendesk } from './zendesk-harness.ts';

async function ticketWithField(zendesk: Awaited<ReturnType<typeof startZendesk>>) {
  const field = await zendesk.call('POST', '/api/v2/ticket_fields', {
    ticket_field: { type: 'text', title: 'Invoice number' },
  });
  const amount = await zendesk.call('POST', '/api/v2/ticket_fields', {
    ticket_field: { type: 'decimal', title: 'Amount' },
  });
  const fieldId = (field.body.ticket_field as { id: number }).id;
  const amountId = (amount.body.ticket_field as { id: number }).id;
  const created = await zendesk.call('POST', '/api/v2/tickets', {
    ticket: { subject: 'Invoice?', comment: { body: 'paid?' }, custom_fields: [{ id: fieldId, value: 'INV-1' }] },
  });
  return { fieldId, amountId, ticket: created.body.ticket as { id: number; updated_at: string } };
}

test('ticket updates validate field types and safe_update conflicts answer 409', async (t) => {
  const zendesk = await startZendesk();
  t.after(() => zendesk.close());
  const { amountId, ticket } = await ticketWithField(zendesk);
  const wrongType = await zendesk.call('PUT', `/api/v2/tickets/${ticket.id}`, {
    ticket: { custom_fields: [{ id: amountId, value: 'lots' }] },
  });
  assert.equal(wrongType.status, 422);
  assert.equal(wrongType.body.error, 'RecordInvalid');
  const ok = await zendesk.call('PUT', `/api/v2/tickets/${ticket.id}`, {
    ticket: { custom_fields: [{ id: amountId, value: '12.50' }], safe_update: true, updated_stamp: ticket.updated_at },
  });
  assert.equal(ok.status, 200);
  const stale = await zendesk.call('PUT', `/api/v2/tickets/${ticket.id}`, {
    ticket: { custom_fields: [{ id: amountId, value: 1 }], safe_update: true, updated_stamp: ticket.updated_at },
  });
  assert.equal(stale.status, 409);
  assert.equal(stale.body.error, 'UpdateConflict');
  const missing = await zendesk.call('POST', '/api/v2/tickets', { ticket: { subject: 'no body' } });
  assert.equal(missing.status, 422);
});

test('tickets update_many reports per-item conflicts and successes', async (t) => {
  const zendesk = await startZendesk();
  t.after(() => zendesk.close());
  const { amountId, ticket } = await ticketWithField(zendesk);
  const job = await zendesk.call('PUT', '/api/v2/tickets/update_many', {
    tickets: [
      {
        id: ticket.id,
        custom_fields: [{ id: amountId, value: 5 }],
        safe_update: true,
        updated_stamp: ticket.updated_at,
      },
      {
        id: ticket.id,
        custom_fields: [{ id: amountId, value: 6 }],
        safe_update: true,
        updated_stamp: ticket.updated_at,
      },
      { id: 1, custom_fields: [] },
    ],
  });
  const done = await zendesk.waitForJob((job.body.job_status as { id: string }).id);
  assert.deepEqual(
    (done.results as { success: boolean; error?: string }[]).map((result) => result.error ?? 'ok'),
    ['ok', 'UpdateConflict', 'TicketNotFound'],
  );
});

test('search by custom field is eventually consistent and capped at 1000 results', async (t) => {
  const zendesk = await startZendesk({ searchIndexDelayMs: 150 });
  t.after(() => zendesk.close());
  const { fieldId } = await ticketWithField(zendesk);
  const query = `/api/v2/search.json?query=${encodeURIComponent(`type:ticket custom_field_${fieldId}:INV-1`)}`;
  assert.equal((await zendesk.call('GET', query)).body.count, 0);
  await new Promise((resolve) => setTimeout(resolve, 200));
  const found = await zendesk.call('GET', query);
  assert.equal(found.body.count, 1);
  const count = await zendesk.call(
    'GET',
    `/api/v2/search/count?query=${encodeURIComponent(`type:ticket custom_field_${fieldId}:INV-1`)}`,
  );
  assert.equal(count.body.count, 1);
  const beyond = await zendesk.call('GET', `${query}&page=11&per_page=100`);
  assert.equal(beyond.status, 422);
});

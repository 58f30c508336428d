/**
 * Ticket enrichment end to end over separate processes: a ticket naming an invoice before the invoice is
 * synced gets its data, a payment-status change in CloudSuite reaches the ticket after the next run, and no
 * ticket is written twice with the same values.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { loadZendeskFieldIds } from '../../packages/common/src/zendesk-field-ids.ts';
import { keyOf } from '../../packages/simulators/src/cloudsuite/distributor-records.ts';
import { cloudSuiteSim, zendeskSim } from '../../scripts/start/simulator-control.ts';
import {
  type ConnectorPipeline,
  E2E_ZENDESK_OAUTH,
  type E2eTenant,
  startConnectorPipeline,
} from './support/connector-pipeline.ts';

const CANDIDATES = 8;
const INVOICE_NUMBER = 'mlc_invoice_number';
const PAYMENT_STATUS = 'mlc_invoice_payment_status';

let pipeline: ConnectorPipeline;
let tenant: E2eTenant;
let db: pg.Client;

before(async () => {
  // The scheduled sweep in seconds, not the production five minutes: the test waits on it.
  pipeline = await startConnectorPipeline({ records: 150, env: { LOADER_TICKET_SWEEP_MS: '2000' } });
  tenant = await pipeline.registerTenant();
  db = new pg.Client({ connectionString: pipeline.schema.connectionString });
  await db.connect();
});

after(async () => {
  await db?.end();
  await pipeline?.stop();
});

async function agentFor(accountUrl: string) {
  const tokenResponse = await fetch(`${accountUrl}/oauth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      grant_type: 'client_credentials',
      client_id: E2E_ZENDESK_OAUTH.identifier,
      client_secret: E2E_ZENDESK_OAUTH.secret,
    }),
  });
  const { access_token: token } = (await tokenResponse.json()) as { access_token: string };
  return async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${accountUrl}${path}`, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    assert.ok(response.ok, `${method} ${path}: ${response.status} ${await response.clone().text()}`);
    return (await response.json()) as { ticket: { id: number; custom_fields: { id: number; value: unknown }[] } };
  };
}

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined || Date.now() > deadline) return value;
    await sleep(500);
  }
}

test('a ticket naming an invoice before it is synced gets its data, then its payment-status change, each written once', {
  timeout: 90_000,
}, async () => {
  const fieldId = new Map(
    (await loadZendeskFieldIds(db, tenant.tenantId, 'ticket_field')).map((f) => [f.key, Number(f.zendeskId)]),
  );
  const numberField = fieldId.get(INVOICE_NUMBER);
  const statusField = fieldId.get(PAYMENT_STATUS);
  assert.ok(numberField !== undefined && statusField !== undefined, 'provisioning stored the ticket field ids');
  const agent = await agentFor(zendeskSim.accountUrl(pipeline.zendeskUrl, tenant.subdomain));

  // Before the first run: nothing of the tenant is in Zendesk yet.
  const tickets = new Map<string, number>();
  for (let index = 0; index < CANDIDATES; index += 1) {
    const invoiceNumber = keyOf('invoice', index);
    const { ticket } = await agent('POST', '/api/v2/tickets', {
      ticket: {
        subject: `Invoice ${invoiceNumber}`,
        comment: { body: 'Has it been paid?' },
        custom_fields: [{ id: numberField, value: invoiceNumber }],
      },
    });
    tickets.set(invoiceNumber, ticket.id);
  }
  const statusOf = async (ticketId: number) =>
    (await agent('GET', `/api/v2/tickets/${ticketId}`)).ticket.custom_fields.find((f) => f.id === statusField)?.value;
  const statuses = async () =>
    new Map(await Promise.all([...tickets].map(async ([invoice, id]) => [invoice, await statusOf(id)] as const)));

  const first = await pipeline.sync(tenant);
  assert.equal(first.timedOut, false, 'the first sync settled');
  const filled = await until(async () => {
    const now = await statuses();
    return [...now.values()].every((value) => typeof value === 'string' && value !== '') ? now : undefined;
  }, 20_000);
  assert.ok(filled, `every ticket got its invoice's payment status: ${JSON.stringify([...(await statuses())])}`);
  // The dataset is a pure function of its seed: some of the first invoices are open.
  const open = [...filled].find(([, status]) => status === 'open')?.[0];
  assert.ok(open !== undefined, `an open invoice among ${JSON.stringify([...filled])}`);

  // A change in CloudSuite pays the invoice (the simulator settles a changed invoice).
  const mutation = await cloudSuiteSim.mutate(pipeline.cloudSuiteUrl, tenant.ionTenant, 'invoice', {
    changeKeys: [open],
  });
  assert.deepEqual(mutation.changed, [open]);
  const second = await pipeline.sync(tenant);
  assert.equal(second.timedOut, false, 'the second sync settled');
  const paid = await until(async () => ((await statusOf(tickets.get(open)!)) === 'paid' ? true : undefined), 20_000);
  assert.equal(paid, true, `the ticket of ${open} shows it paid`);
  const others = await statuses();
  for (const [invoice, status] of filled)
    if (invoice !== open) assert.equal(others.get(invoice), status, `${invoice}: unchanged`);

  const auditedWrites = async () =>
    (
      await db.query<{ zendesk_target: string; content_hash: string; n: string }>(
        `SELECT zendesk_target, content_hash, count(*) AS n FROM posting_history
          WHERE tenant_id = $1 AND zendesk_target LIKE 'ticket:%' AND status = 'applied'
          GROUP BY zendesk_target, content_hash`,
        [tenant.tenantId],
      )
    ).rows;
  // The loader audits a write once it has polled the update_many job to completion, which is after the
  // ticket already shows the values: wait (bounded) for the audit of the payment-status write too.
  const paidTarget = `ticket:${tickets.get(open)}`;
  const everyWriteAudited = (audited: Awaited<ReturnType<typeof auditedWrites>>) =>
    [...tickets.values()].every((id) => audited.some((row) => row.zendesk_target === `ticket:${id}`)) &&
    audited.filter((row) => row.zendesk_target === paidTarget).length >= 2;
  const rows =
    (await until(async () => {
      const audited = await auditedWrites();
      return everyWriteAudited(audited) ? audited : undefined;
    }, 10_000)) ?? (await auditedWrites());
  assert.ok(
    everyWriteAudited(rows) && rows.length >= CANDIDATES + 1,
    `every ticket write is audited (${rows.length}): ${JSON.stringify(rows)}`,
  );
  assert.deepEqual(
    rows.filter((row) => Number(row.n) > 1),
    [],
    'no ticket was written twice with the same values',
  );
});

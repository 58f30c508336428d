import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadZendeskFieldIds } from '@mlc/common/zendesk-field-ids';
import { storedFieldKey, zendeskFieldPlan } from '@mlc/common/zendesk-field-plan';
import { DEFAULT_MAPPING } from '@mlc/common/zendesk-mapping';
import { buildZendeskSimulator } from '@mlc/simulators/zendesk/zendesk-simulator';
import { sampleTenantBody, startAdminApi } from './admin-api-harness.ts';

const ZENDESK_CLIENT = { identifier: 'mlc-loader', secret: 'zendesk-client-secret-0123456789' };

async function setup(t: { after: (fn: () => Promise<void>) => void }) {
  const zendesk = buildZendeskSimulator({ accounts: [{ subdomain: 'acme', oauthClients: [ZENDESK_CLIENT] }] });
  await zendesk.listen();
  t.after(() => zendesk.close());
  const api = await startAdminApi(t);
  const created = await api.call('POST', '/tenants', {
    body: sampleTenantBody('acme', {
      zendesk: {
        subdomain: 'acme',
        baseUrl: zendesk.baseUrl('acme'),
        oauth: { clientId: ZENDESK_CLIENT.identifier, clientSecret: ZENDESK_CLIENT.secret },
      },
    }),
  });
  assert.equal(created.status, 201, created.text);
  const account = zendesk.account('acme');
  const snapshot = () => ({
    ticketFields: account.ticketFields.map((field) => `${field.title}:${field.type}`).sort(),
    userFields: account.userFields
      .filter((field) => !field.system)
      .map((field) => `${field.key}:${field.type}`)
      .sort(),
    organizationFields: account.organizationFields
      .filter((field) => !field.system)
      .map((field) => `${field.key}:${field.type}`)
      .sort(),
    customObjects: [...account.customObjects.values()]
      .map((object) => `${object.key}(${object.fields.map((field) => `${field.key}:${field.type}`).join(',')})`)
      .sort(),
  });
  const writes = () =>
    zendesk.requestLog.entries().filter((entry) => entry.method !== 'GET' && entry.path.startsWith('/api/v2/'));
  return { api, zendesk, account, snapshot, writes };
}

const plan = zendeskFieldPlan(DEFAULT_MAPPING);

function expectedOf(kind: string) {
  return plan.filter((item) => item.kind === kind);
}

test('provisioning an empty account creates exactly the fields and objects the mapping needs', async (t) => {
  const { api, account, snapshot } = await setup(t);
  const before = snapshot();
  const response = await api.call('POST', '/tenants/acme/zendesk/provision', { body: {} });
  assert.equal(response.status, 200, response.text);
  assert.equal(response.body.created.length, plan.length);
  assert.deepEqual(response.body.conflicts, []);
  const after = snapshot();
  assert.deepEqual(
    after.ticketFields,
    [...before.ticketFields, ...expectedOf('ticket_field').map((item) => `${item.title}:${item.type}`)].sort(),
  );
  const keyed = (kind: string, existing: string[]) =>
    [...existing, ...expectedOf(kind).map((item) => `${item.key}:${item.type}`)].sort();
  assert.deepEqual(after.userFields, keyed('user_field', before.userFields));
  assert.deepEqual(after.organizationFields, keyed('organization_field', before.organizationFields));
  const objects = expectedOf('custom_object').map((object) => {
    const fields = plan.filter((item) => item.kind === 'custom_object_field' && item.customObjectKey === object.key);
    return `${object.key}(${fields.map((field) => `${field.key}:${field.type}`).join(',')})`;
  });
  assert.deepEqual(after.customObjects, objects.sort());
  assert.ok(
    after.customObjects.some((object) => object.startsWith('mlc_invoice(') && object.includes('organization:lookup')),
  );
  assert.equal(
    account.customObjects.get('mlc_invoice')?.fields.find((field) => field.key === 'organization')
      ?.relationship_target_type,
    'zen:organization',
  );

  // The ids Zendesk assigned are stored for the loader, ticket fields by our key.
  const stored = await loadZendeskFieldIds(api.db, 'acme');
  assert.equal(stored.length, plan.length);
  const invoiceNumber = stored.find((field) => field.kind === 'ticket_field' && field.key === 'mlc_invoice_number');
  assert.equal(
    account.ticketFields.find((field) => String(field.id) === invoiceNumber?.zendeskId)?.title,
    'Invoice number',
  );
  assert.ok(stored.some((field) => field.key === storedFieldKey(expectedOf('custom_object_field')[0]!)));

  const audit = await api.db.query("SELECT action, target FROM admin_audit WHERE action = 'tenant.zendesk.provision'");
  assert.deepEqual(audit.rows, [{ action: 'tenant.zendesk.provision', target: 'tenant:acme' }]);
});

test('a second provisioning creates nothing and reports everything as existing', async (t) => {
  const { api, snapshot, writes } = await setup(t);
  assert.equal((await api.call('POST', '/tenants/acme/zendesk/provision', { body: {} })).status, 200);
  const state = snapshot();
  const writesBefore = writes().length;
  const second = await api.call('POST', '/tenants/acme/zendesk/provision', { body: {} });
  assert.equal(second.status, 200, second.text);
  assert.deepEqual(second.body.created, []);
  assert.equal(second.body.existing.length, plan.length);
  assert.deepEqual(snapshot(), state);
  assert.equal(writes().length - writesBefore, 0, 'only the token request and reads');
});

test('a dry run reports the plan and changes nothing in Zendesk or the database', async (t) => {
  const { api, snapshot, writes } = await setup(t);
  const state = snapshot();
  const writesBefore = writes().length;
  const dry = await api.call('POST', '/tenants/acme/zendesk/provision', { body: { dryRun: true } });
  assert.equal(dry.status, 200, dry.text);
  assert.equal(dry.body.dryRun, true);
  assert.equal(dry.body.created.length, plan.length);
  assert.ok(dry.body.created.every((item: { zendeskId: string | null }) => item.zendeskId === null));
  assert.deepEqual(snapshot(), state);
  assert.equal(writes().length - writesBefore, 0);
  assert.deepEqual(await loadZendeskFieldIds(api.db, 'acme'), []);
  const audit = await api.db.query("SELECT 1 FROM admin_audit WHERE action = 'tenant.zendesk.provision'");
  assert.equal(audit.rowCount, 0);
});

test('an existing field with the same key and an incompatible type is reported and left as it is', async (t) => {
  const { api, zendesk, account } = await setup(t);
  const token = await fetch(`${zendesk.baseUrl('acme')}/oauth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      grant_type: 'client_credentials',
      client_id: ZENDESK_CLIENT.identifier,
      client_secret: ZENDESK_CLIENT.secret,
    }),
  }).then(async (response) => ((await response.json()) as { access_token: string }).access_token);
  const created = await fetch(`${zendesk.baseUrl('acme')}/api/v2/organization_fields`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ organization_field: { key: 'mlc_currency', type: 'integer', title: 'Their currency' } }),
  });
  assert.equal(created.status, 201);
  const response = await api.call('POST', '/tenants/acme/zendesk/provision', { body: {} });
  assert.equal(response.status, 200, response.text);
  assert.equal(response.body.conflicts.length, 1);
  const [conflict] = response.body.conflicts;
  assert.equal(conflict.kind, 'organization_field');
  assert.equal(conflict.key, 'mlc_currency');
  assert.equal(conflict.existingType, 'integer');
  assert.match(conflict.reason, /integer.*text/);
  const field = account.organizationFields.filter((candidate) => candidate.key === 'mlc_currency');
  assert.equal(field.length, 1);
  assert.equal(field[0]?.type, 'integer');
  assert.equal(field[0]?.title, 'Their currency');
  assert.equal(response.body.created.length, plan.length - 1);
});

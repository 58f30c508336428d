import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sampleTenantBody, secretsOf, startAdminApi } from './admin-api-harness.ts';

test('the auth matrix: no token and a bad token are 401, an operator is confined to its tenants, an admin is not', async (t) => {
  const api = await startAdminApi(t);
  for (const id of ['tenant-a', 'tenant-b']) {
    assert.equal((await api.call('POST', '/tenants', { body: sampleTenantBody(id) })).status, 201);
  }
  const created = await api.call('POST', '/tokens', {
    body: { name: 'ops-a', role: 'operator', tenantIds: ['tenant-a'] },
  });
  assert.equal(created.status, 201);
  const operator = created.body.token as string;
  assert.match(operator, /^mlc_/);

  const none = await api.call('GET', '/tenants', { token: null });
  assert.equal(none.status, 401);
  assert.equal(none.body.error.code, 'MLC_UNAUTHORIZED');
  const bad = await api.call('GET', '/tenants/tenant-a', { token: 'mlc_not-a-real-token' });
  assert.equal(bad.status, 401);
  assert.equal(
    (await api.call('GET', '/tenants', { headers: { authorization: 'Basic YWRtaW46YWRtaW4=' }, token: null })).status,
    401,
  );

  assert.equal((await api.call('GET', '/tenants/tenant-a', { token: operator })).status, 200);
  const list = await api.call('GET', '/tenants', { token: operator });
  assert.deepEqual(
    list.body.tenants.map((tenant: { id: string }) => tenant.id),
    ['tenant-a'],
  );
  const otherRead = await api.call('GET', '/tenants/tenant-b', { token: operator });
  assert.equal(otherRead.status, 403);
  assert.equal(otherRead.body.error.code, 'MLC_FORBIDDEN');
  for (const [method, url, body] of [
    ['PATCH', '/tenants/tenant-b', { name: 'taken over' }],
    ['POST', '/tenants/tenant-b/pause', undefined],
    ['POST', '/tenants/tenant-b/runs', {}],
    ['POST', '/tenants/tenant-b/replay', { from: 'earliest' }],
    ['GET', '/tenants/tenant-b/audit', undefined],
    ['GET', '/tenants/tenant-b/dlq', undefined],
    ['POST', '/tenants/tenant-b/test', undefined],
    ['DELETE', '/tenants/tenant-b', undefined],
  ] as const) {
    const response = await api.call(method, url, { token: operator, ...(body === undefined ? {} : { body }) });
    assert.equal(response.status, 403, `${method} ${url}`);
  }
  assert.equal((await api.call('GET', '/tenants/tenant-b')).body.name, 'Tenant tenant-b', 'tenant B unchanged');

  // Operators may tune their own tenant but neither register tenants nor touch credentials, tokens or keys.
  assert.equal(
    (await api.call('PATCH', '/tenants/tenant-a', { token: operator, body: { name: 'A renamed' } })).status,
    200,
  );
  const credentials = await api.call('PATCH', '/tenants/tenant-a', {
    token: operator,
    body: { zendesk: { baseUrl: 'https://attacker.example' } },
  });
  assert.equal(credentials.status, 403);
  assert.equal(credentials.body.error.field, 'zendesk');
  assert.equal(
    (await api.call('POST', '/tenants', { token: operator, body: sampleTenantBody('tenant-c') })).status,
    403,
  );
  assert.equal((await api.call('GET', '/tokens', { token: operator })).status, 403);
  assert.equal((await api.call('POST', '/vault/rotate', { token: operator })).status, 403);
  assert.equal((await api.call('GET', '/admin-audit', { token: operator })).status, 403);

  // The admin reaches everything.
  assert.equal((await api.call('GET', '/tenants/tenant-b')).status, 200);
  assert.equal((await api.call('PATCH', '/tenants/tenant-b', { body: { name: 'B renamed' } })).status, 200);
});

test('tokens are stored hashed, shown once, listed without value and revocable', async (t) => {
  const api = await startAdminApi(t);
  const created = await api.call('POST', '/tokens', { body: { name: 'second-admin', role: 'admin' } });
  assert.equal(created.status, 201);
  const token = created.body.token as string;
  const { rows } = await api.db.query<{ token_hash: string }>('SELECT token_hash FROM admin_tokens');
  assert.ok(rows.every((row) => /^[0-9a-f]{64}$/.test(row.token_hash) && row.token_hash !== token));
  const listed = await api.call('GET', '/tokens');
  assert.equal(listed.status, 200);
  assert.ok(!listed.text.includes(token) && !listed.text.includes(api.adminToken));
  assert.deepEqual(listed.body.tokens.map((entry: { name: string }) => entry.name).sort(), [
    'bootstrap',
    'second-admin',
  ]);
  assert.equal((await api.call('GET', '/tokens', { token })).status, 200);
  assert.equal((await api.call('DELETE', `/tokens/${created.body.id}`)).status, 204);
  assert.equal((await api.call('GET', '/tokens', { token })).status, 401);
  assert.equal((await api.call('DELETE', `/tokens/${created.body.id}`)).status, 404);
  const operatorWithout = await api.call('POST', '/tokens', { body: { name: 'ops', role: 'operator' } });
  assert.equal(operatorWithout.status, 400);
  assert.equal(operatorWithout.body.error.field, 'tenantIds');
});

test('every state-changing call lands in the admin audit without secrets', async (t) => {
  const api = await startAdminApi(t);
  const body = sampleTenantBody('audited');
  await api.call('POST', '/tenants', { body });
  await api.call('PATCH', '/tenants/audited', {
    body: {
      rateLimits: { ionRpm: 200 },
      zendesk: { oauth: { clientId: 'c2', clientSecret: 'rotated-secret-0123456789' } },
    },
  });
  await api.call('POST', '/tenants/audited/pause');
  await api.call('POST', '/tenants/audited/resume');
  await api.call('POST', '/tenants/audited/runs', { body: { entities: ['supplier'] } });
  await api.call('POST', '/tenants/audited/replay', { body: { from: 'earliest', entity: 'invoice', force: true } });
  const token = await api.call('POST', '/tokens', { body: { name: 'ops', role: 'operator', tenantIds: ['audited'] } });
  await api.call('POST', '/vault/rotate');
  await api.call('DELETE', `/tokens/${token.body.id}`);
  await api.call('DELETE', '/tenants/audited');
  const audit = await api.call('GET', '/admin-audit?limit=100');
  assert.equal(audit.status, 200);
  const actions = audit.body.entries.map((entry: { action: string }) => entry.action).reverse();
  assert.deepEqual(actions, [
    'tenant.create',
    'tenant.update',
    'tenant.pause',
    'tenant.resume',
    'run.request',
    'tenant.replay',
    'token.create',
    'vault.rotate',
    'token.revoke',
    'tenant.delete',
  ]);
  assert.ok(audit.body.entries.every((entry: { actor: string }) => entry.actor.startsWith('admin:bootstrap')));
  const everything = JSON.stringify((await api.db.query('SELECT * FROM admin_audit')).rows);
  for (const secret of [...secretsOf(body), 'rotated-secret-0123456789', token.body.token, api.adminToken]) {
    assert.ok(!everything.includes(secret), 'admin_audit holds no secret');
  }
  const paged = await api.call('GET', '/admin-audit?limit=3');
  assert.equal(paged.body.entries.length, 3);
  const next = await api.call('GET', `/admin-audit?limit=3&cursor=${paged.body.nextCursor}`);
  assert.ok(next.body.entries[0].id < paged.body.entries[2].id);
});

test('the bootstrap token is stored only while no admin token exists', async (t) => {
  const api = await startAdminApi(t);
  const { ensureBootstrapToken } = await import('@mlc/admin-api/auth/admin-token-store');
  assert.equal(await ensureBootstrapToken(api.db, 'another-bootstrap-token-0123456789abcdef'), false);
  const { rows } = await api.db.query<{ count: string }>("SELECT count(*) FROM admin_tokens WHERE role = 'admin'");
  assert.equal(Number(rows[0]?.count), 1);
});

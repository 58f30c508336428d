import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CLIENT, requestJson, startZendesk } from './zendesk-harness.ts';

test('client_credentials grant returns a bearer token pair that authenticates API calls', async (t) => {
  const zendesk = await startZendesk();
  t.after(() => zendesk.close());
  const me = await zendesk.call('GET', '/api/v2/users/me.json');
  assert.equal(me.status, 200);
  assert.equal((me.body.user as { role: string }).role, 'admin');
});

test('a wrong client secret gets 401 invalid_client and an unknown grant type 400 unsupported_grant_type', async (t) => {
  const zendesk = await startZendesk();
  t.after(() => zendesk.close());
  const wrongSecret = await requestJson(`${zendesk.base}/oauth/tokens`, 'POST', {
    grant_type: 'client_credentials',
    client_id: CLIENT.identifier,
    client_secret: 'nope',
  });
  assert.equal(wrongSecret.status, 401);
  assert.equal(wrongSecret.body.error, 'invalid_client');
  const password = await requestJson(`${zendesk.base}/oauth/tokens`, 'POST', {
    grant_type: 'password',
    client_id: CLIENT.identifier,
    client_secret: CLIENT.secret,
  });
  assert.equal(password.status, 400);
  assert.equal(password.body.error, 'unsupported_grant_type');
});

test('a refresh rotates the pair: the old access and refresh tokens stop working', async (t) => {
  const zendesk = await startZendesk();
  t.after(() => zendesk.close());
  const first = await requestJson(`${zendesk.base}/oauth/tokens`, 'POST', {
    grant_type: 'client_credentials',
    client_id: CLIENT.identifier,
    client_secret: CLIENT.secret,
  });
  const refresh = {
    grant_type: 'refresh_token',
    refresh_token: first.body.refresh_token,
    client_id: CLIENT.identifier,
    client_secret: CLIENT.secret,
  };
  const second = await requestJson(`${zendesk.base}/oauth/tokens`, 'POST', refresh);
  assert.equal(second.status, 200);
  assert.notEqual(second.body.access_token, first.body.access_token);
  const oldAccess = await requestJson(`${zendesk.base}/api/v2/users/me`, 'GET', undefined, {
    authorization: `Bearer ${first.body.access_token}`,
  });
  assert.equal(oldAccess.status, 401);
  assert.deepEqual(oldAccess.body, {
    error: 'invalid_token',
    error_description: 'The access token provided is expired, revoked, malformed or invalid for other reasons.',
  });
  const reused = await requestJson(`${zendesk.base}/oauth/tokens`, 'POST', refresh);
  assert.equal(reused.status, 400);
  assert.equal(reused.body.error, 'invalid_grant');
  const newAccess = await requestJson(`${zendesk.base}/api/v2/users/me`, 'GET', undefined, {
    authorization: `Bearer ${second.body.access_token}`,
  });
  assert.equal(newAccess.status, 200);
});

test('an expired or revoked access token gets 401 invalid_token', async (t) => {
  const zendesk = await startZendesk({ tokenExpiresInSec: 0.15 });
  t.after(() => zendesk.close());
  assert.equal((await zendesk.call('GET', '/api/v2/users/me')).status, 200);
  await new Promise((resolve) => setTimeout(resolve, 200));
  const expired = await zendesk.call('GET', '/api/v2/users/me');
  assert.equal(expired.status, 401);
  assert.equal(expired.body.error, 'invalid_token');

  const other = await startZendesk();
  t.after(() => other.close());
  other.simulator.revokeTokens('acme');
  assert.equal((await other.call('GET', '/api/v2/users/me')).status, 401);
});

test('no credentials get 401 "Couldn\'t authenticate you"; the legacy API token works as Basic email/token', async (t) => {
  const zendesk = await startZendesk({ apiTokens: ['legacy-token'], agentEmail: 'ops@acme.test' });
  t.after(() => zendesk.close());
  const anonymous = await requestJson(`${zendesk.base}/api/v2/users/me`, 'GET');
  assert.equal(anonymous.status, 401);
  assert.deepEqual(anonymous.body, { error: "Couldn't authenticate you" });
  const basic = (user: string) => ({ authorization: `Basic ${Buffer.from(user).toString('base64')}` });
  assert.equal(
    (await requestJson(`${zendesk.base}/api/v2/users/me`, 'GET', undefined, basic('ops@acme.test/token:legacy-token')))
      .status,
    200,
  );
  assert.equal(
    (await requestJson(`${zendesk.base}/api/v2/users/me`, 'GET', undefined, basic('ops@acme.test/token:wrong'))).status,
    401,
  );
});

test('a read-only token cannot write (403 Forbidden)', async (t) => {
  const zendesk = await startZendesk();
  t.after(() => zendesk.close());
  const grant = await requestJson(`${zendesk.base}/oauth/tokens`, 'POST', {
    grant_type: 'client_credentials',
    client_id: CLIENT.identifier,
    client_secret: CLIENT.secret,
    scope: 'read',
  });
  const write = await requestJson(
    `${zendesk.base}/api/v2/organizations/create_or_update`,
    'POST',
    { organization: { name: 'X' } },
    {
      authorization: `Bearer ${grant.body.access_token}`,
    },
  );
  assert.equal(write.status, 403);
  assert.equal(write.body.error, 'Forbidden');
});

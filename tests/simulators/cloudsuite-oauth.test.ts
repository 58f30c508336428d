import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { passwordGrantBody, startCloudSuite } from './cloudsuite-test-session.ts';

const form = { 'content-type': 'application/x-www-form-urlencoded' };

interface OAuthBody {
  access_token?: string;
  token_type?: string;
  expires_in?: number;
  refresh_token?: string;
  error?: string;
  error_description?: string;
  sask?: string;
}
const read = async (res: Response) => (await res.json()) as OAuthBody;

test('the generated .ionapi is a backend-service file pointing at the simulator', async (t) => {
  const s = await startCloudSuite();
  t.after(() => s.close());
  const { ionapi } = s;
  assert.equal(ionapi.ti, 'ACME_TST');
  assert.equal(ionapi.dt, '12');
  assert.ok(ionapi.saak.startsWith('ACME_TST#'));
  assert.ok(ionapi.pu.endsWith('/ACME_TST/as/'));
  assert.equal(ionapi.iu, s.sim.baseUrl());
  assert.deepEqual([ionapi.oa, ionapi.ot, ionapi.or], ['authorization.oauth2', 'token.oauth2', 'revoke_token.oauth2']);
  const downloaded = await read(await fetch(`${ionapi.iu}/__sim/tenants/ACME_TST/ionapi`));
  assert.equal(downloaded.sask, ionapi.sask);
});

test('password grant with client credentials in the body returns a bearer token', async (t) => {
  const s = await startCloudSuite({ tokenExpiresInSec: 1234 });
  t.after(() => s.close());
  const res = await fetch(s.tokenUrl, { method: 'POST', headers: form, body: passwordGrantBody(s.ionapi) });
  assert.equal(res.status, 200);
  const body = await read(res);
  assert.equal(body.token_type, 'Bearer');
  assert.equal(body.expires_in, 1234);
  assert.equal(typeof body.access_token, 'string');
  assert.equal(body.refresh_token, undefined);
  const api = await s.mi('CRS620MI/LstSuppliers', { maxrecs: '1' });
  assert.equal(api.status, 200);
});

test('password grant with client credentials as HTTP Basic returns a token', async (t) => {
  const s = await startCloudSuite();
  t.after(() => s.close());
  const basic = Buffer.from(`${s.ionapi.ci}:${s.ionapi.cs}`).toString('base64');
  const body = new URLSearchParams({ grant_type: 'password', username: s.ionapi.saak, password: s.ionapi.sask });
  const res = await fetch(s.tokenUrl, { method: 'POST', headers: { ...form, authorization: `Basic ${basic}` }, body });
  assert.equal(res.status, 200);
  assert.ok((await read(res)).access_token);
});

test('wrong service account secret is 400 invalid_grant, wrong client secret is 401 invalid_client', async (t) => {
  const s = await startCloudSuite();
  t.after(() => s.close());
  const badGrant = await fetch(s.tokenUrl, {
    method: 'POST',
    headers: form,
    body: passwordGrantBody(s.ionapi, { password: 'nope' }),
  });
  assert.equal(badGrant.status, 400);
  assert.equal((await read(badGrant)).error, 'invalid_grant');
  const badClient = await fetch(s.tokenUrl, {
    method: 'POST',
    headers: form,
    body: passwordGrantBody(s.ionapi, { client_secret: 'nope' }),
  });
  assert.equal(badClient.status, 401);
  assert.equal((await read(badClient)).error, 'invalid_client');
  const badType = await fetch(s.tokenUrl, {
    method: 'POST',
    headers: form,
    body: passwordGrantBody(s.ionapi, { grant_type: 'client_credentials' }),
  });
  assert.equal(badType.status, 400);
  assert.equal((await read(badType)).error, 'unsupported_grant_type');
  const json = await fetch(s.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(Object.fromEntries(passwordGrantBody(s.ionapi))),
  });
  assert.equal(json.status, 400);
  assert.equal((await read(json)).error, 'invalid_request');
});

test('a missing, unknown or expired bearer token gets 401 invalid_token', async (t) => {
  const s = await startCloudSuite({ tokenExpiresInSec: 0.3 });
  t.after(() => s.close());
  const missing = await s.get('/M3/m3api-rest/v2/execute/CRS620MI/LstSuppliers', { token: null });
  assert.equal(missing.status, 401);
  assert.equal((await read(missing)).error, 'invalid_token');
  const unknown = await s.get('/M3/m3api-rest/v2/execute/CRS620MI/LstSuppliers', { token: 'forged' });
  assert.equal(unknown.status, 401);
  const token = await s.token();
  assert.equal((await s.get('/M3/m3api-rest/v2/execute/CRS620MI/LstSuppliers', { token })).status, 200);
  await sleep(400);
  const expired = await s.get('/M3/m3api-rest/v2/execute/CRS620MI/LstSuppliers', { token });
  assert.equal(expired.status, 401);
  assert.match(expired.headers.get('www-authenticate') ?? '', /invalid_token/);
});

test('a revoked token gets 401 and revocation at pu + or answers 200', async (t) => {
  const s = await startCloudSuite();
  t.after(() => s.close());
  const token = await s.token();
  const revoke = await fetch(s.ionapi.pu + s.ionapi.or, {
    method: 'POST',
    headers: form,
    body: new URLSearchParams({ token, client_id: s.ionapi.ci, client_secret: s.ionapi.cs }),
  });
  assert.equal(revoke.status, 200);
  const res = await s.get('/M3/m3api-rest/v2/execute/CRS620MI/LstSuppliers', { token });
  assert.equal(res.status, 401);
  assert.match((await read(res)).error_description ?? '', /revoked/);
});

test('refresh_token grant works only for tenants that issue refresh tokens', async (t) => {
  const s = await startCloudSuite({ issuesRefreshTokens: true });
  t.after(() => s.close());
  const first = await read(
    await fetch(s.tokenUrl, { method: 'POST', headers: form, body: passwordGrantBody(s.ionapi) }),
  );
  assert.ok(first.refresh_token);
  const refreshed = await fetch(s.tokenUrl, {
    method: 'POST',
    headers: form,
    body: new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: first.refresh_token,
      client_id: s.ionapi.ci,
      client_secret: s.ionapi.cs,
    }),
  });
  assert.equal(refreshed.status, 200);
  const body = await read(refreshed);
  assert.notEqual(body.access_token, first.access_token);
  assert.equal(
    (await s.get('/M3/m3api-rest/v2/execute/CRS620MI/LstSuppliers', { token: body.access_token })).status,
    200,
  );
  const bogus = await fetch(s.tokenUrl, {
    method: 'POST',
    headers: form,
    body: new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: 'bogus',
      client_id: s.ionapi.ci,
      client_secret: s.ionapi.cs,
    }),
  });
  assert.equal(bogus.status, 400);
  assert.equal((await read(bogus)).error, 'invalid_grant');

  const plain = await startCloudSuite();
  t.after(() => plain.close());
  const res = await fetch(plain.tokenUrl, {
    method: 'POST',
    headers: form,
    body: new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: first.refresh_token,
      client_id: plain.ionapi.ci,
      client_secret: plain.ionapi.cs,
    }),
  });
  assert.equal(res.status, 400);
  assert.equal((await read(res)).error, 'unsupported_grant_type');
});

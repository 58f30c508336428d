import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildAdminApi } from '@mlc/admin-api/build-admin-api';
import { createCredentialVault } from '@mlc/common/credential-vault';
import { createLogger } from '@mlc/common/logger';
import { getTenant, openIonApiCredentials, openZendeskCredentials } from '@mlc/common/tenant-repository';
import { masterKey, sampleTenantBody, startAdminApi } from './admin-api-harness.ts';

test('rotate re-wraps every credential under the new key, and the old key is no longer needed', async (t) => {
  const oldKey = masterKey('k1');
  const newKey = masterKey('k2');
  const api = await startAdminApi(t, { masterKeys: oldKey, activeKeyId: 'k1' });
  const bodies = [
    sampleTenantBody('rot-a'),
    sampleTenantBody('rot-b', {
      zendesk: { subdomain: 'b', apiToken: { email: 'a@example.com', token: 'tok-0123456789' } },
    }),
  ];
  for (const body of bodies) assert.equal((await api.call('POST', '/tenants', { body })).status, 201);

  // Restarted with both keys, the new one active.
  const rotatingVault = createCredentialVault({ masterKeys: `${oldKey},${newKey}`, activeKeyId: 'k2' });
  const rotating = await buildAdminApi({
    config: {},
    db: api.db,
    vault: rotatingVault,
    logger: createLogger({ name: 'rotate', level: 'silent' }),
  });
  t.after(() => rotating.close());
  const auth = { authorization: `Bearer ${api.adminToken}` };
  const before = await rotating.inject({ method: 'GET', url: '/vault', headers: auth });
  assert.deepEqual(
    before.json().keys.map((key: { keyId: string; records: number }) => [key.keyId, key.records]),
    [
      ['k1', 4],
      ['k2', 0],
    ],
  );
  const rotated = await rotating.inject({ method: 'POST', url: '/vault/rotate', headers: auth });
  assert.equal(rotated.statusCode, 200);
  assert.deepEqual(
    { ...(rotated.json() as object), activeKeyFingerprint: undefined },
    { activeKeyId: 'k2', tenants: 2, rewrapped: 4, alreadyCurrent: 0, failed: [], activeKeyFingerprint: undefined },
  );
  const again = await rotating.inject({ method: 'POST', url: '/vault/rotate', headers: auth });
  assert.equal(again.json().alreadyCurrent, 4);

  // Only the new key configured: every tenant still opens, with the same plaintext.
  const newOnly = createCredentialVault({ masterKeys: newKey, activeKeyId: 'k2' });
  for (const body of bodies) {
    const tenant = await getTenant(api.db, body.id as string);
    assert.ok(tenant);
    assert.equal(tenant.ionApiKeyId, 'k2');
    assert.equal(openIonApiCredentials(newOnly, tenant).sask, (body.ionapi as { sask: string }).sask);
    const zendesk = openZendeskCredentials(newOnly, tenant);
    assert.ok(
      zendesk.kind === 'oauth' ? zendesk.clientSecret.startsWith('zd-') : zendesk.apiToken === 'tok-0123456789',
    );
  }
  const afterView = await rotating.inject({ method: 'GET', url: '/tenants/rot-a', headers: auth });
  assert.equal(afterView.json().ionapi.keyId, 'k2');
  assert.equal(afterView.json().ionapi.keyFingerprint, newOnly.keyFingerprint('k2'));
  // The old-key-only API can no longer open them and says so without failing the request.
  const stale = await api.call('GET', '/tenants/rot-a');
  assert.equal(stale.status, 200);
  assert.equal(stale.body.ionapi.error, 'MLC_VAULT_KEY_UNKNOWN');
});

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { createCredentialVault } from '@mlc/common/credential-vault';
import { createDbPool } from '@mlc/common/db-pool';
import { isMlcError } from '@mlc/common/errors';
import { migrate } from '@mlc/common/migrate';
import {
  createTenant,
  getTenant,
  listTenants,
  openIonApiCredentials,
  openZendeskCredentials,
  updateTenant,
} from '@mlc/common/tenant-repository';
import pg from 'pg';

const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const schema = `t_tenant_repo_${process.pid}_${Date.now().toString(36)}`;
const db = createDbPool(databaseUrl, { schema, max: 2 });
const vault = createCredentialVault({ masterKeys: `k1:${randomBytes(32).toString('base64')}`, activeKeyId: 'k1' });

const ionApiFile = {
  ti: 'ACME_TST',
  cn: 'ml-connector',
  dt: '12',
  ci: 'ACME_TST~client',
  cs: 'client-secret-value-123',
  iu: 'https://mingle-ionapi.eu1.inforcloudsuite.com',
  pu: 'https://mingle-sso.eu1.inforcloudsuite.com:443/ACME_TST/as/',
  oa: 'authorization.oauth2',
  ot: 'token.oauth2',
  or: 'revoke_token.oauth2',
  saak: 'ACME_TST#service-account-key',
  sask: 'service-account-secret-value-456',
};

before(async () => {
  await migrate(databaseUrl, { schema });
});

after(async () => {
  await db.end();
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.end();
});

test('a created tenant stores only ciphertext and opens its credentials back', async () => {
  const created = await createTenant(db, vault, {
    id: 'acme',
    name: 'ACME Distribution',
    product: 'm3',
    erpConfig: { company: '100', division: 'AM1' },
    ionApiFile: JSON.stringify(ionApiFile),
    zendeskSubdomain: 'acme',
    zendeskCredentials: { kind: 'oauth', clientId: 'zd-client', clientSecret: 'zd-secret-value-789' },
    ionRpm: 300,
    scheduleCron: '0 2 * * *',
    scheduleTz: 'Europe/Berlin',
  });
  assert.equal(created.hasIonApiCredentials, true);
  assert.equal(created.ionRpm, 300);
  const { rows } = await db.query('SELECT * FROM tenants WHERE id = $1', ['acme']);
  const dump = JSON.stringify(rows, (_k, v) => (v?.type === 'Buffer' ? Buffer.from(v.data).toString('utf8') : v));
  for (const secret of [ionApiFile.cs, ionApiFile.sask, 'zd-secret-value-789'])
    assert.equal(dump.includes(secret), false);
  const fetched = await getTenant(db, 'acme');
  assert.ok(fetched);
  assert.deepEqual(openIonApiCredentials(vault, fetched), ionApiFile);
  assert.deepEqual(openZendeskCredentials(vault, fetched), {
    kind: 'oauth',
    clientId: 'zd-client',
    clientSecret: 'zd-secret-value-789',
  });
});

test("a ciphertext copied to another tenant's row does not open", async () => {
  await createTenant(db, vault, { id: 'other', name: 'Other', product: 'csi' });
  await db.query(
    "UPDATE tenants SET ionapi_ciphertext = (SELECT ionapi_ciphertext FROM tenants WHERE id = 'acme'), ionapi_key_id = 'k1' WHERE id = 'other'",
  );
  const other = await getTenant(db, 'other');
  assert.ok(other);
  assert.throws(
    () => openIonApiCredentials(vault, other),
    (e: unknown) => isMlcError(e, 'MLC_VAULT_DECRYPT_FAILED'),
  );
});

test('a duplicate id is a conflict and a bad .ionapi names the key', async () => {
  await assert.rejects(createTenant(db, vault, { id: 'acme', name: 'Again', product: 'm3' }), (e: unknown) =>
    isMlcError(e, 'MLC_CONFLICT'),
  );
  const { ci: _ci, ...withoutClientId } = ionApiFile;
  await assert.rejects(
    createTenant(db, vault, { id: 'broken', name: 'Broken', product: 'm3', ionApiFile: withoutClientId }),
    (e: unknown) => isMlcError(e, 'MLC_IONAPI_MISSING_KEY') && e.field === 'ci',
  );
});

test('update pauses a tenant and list filters by status', async () => {
  await createTenant(db, vault, { id: 'paused-co', name: 'Paused Co', product: 'm3' });
  const updated = await updateTenant(db, vault, 'paused-co', { status: 'paused', ionRpm: 120 });
  assert.equal(updated?.status, 'paused');
  assert.equal(updated?.ionRpm, 120);
  const paused = await listTenants(db, { status: 'paused' });
  assert.deepEqual(
    paused.map((t) => t.id),
    ['paused-co'],
  );
  assert.equal(await updateTenant(db, vault, 'missing', { name: 'x' }), undefined);
  await assert.rejects(updateTenant(db, vault, 'paused-co', { ionRpm: 0 }), (e: unknown) =>
    isMlcError(e, 'MLC_VALIDATION'),
  );
});

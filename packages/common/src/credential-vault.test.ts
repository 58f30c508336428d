import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import {
  createCredentialVault,
  generateMasterKey,
  isSealedSecret,
  parseMasterKeys,
  type SealedSecret,
} from './credential-vault.ts';
import { isMlcError } from './errors.ts';

const credentials = { ci: 'ACME~client', cs: 'cl1ent-secret-value', sask: 's3rvice-secret', nested: { n: 1 } };
const CONTEXT = 'tenant:acme:ionapi';

function assertMlcError(fn: () => unknown, code: string): void {
  assert.throws(fn, (err: unknown) => isMlcError(err) && err.code === code);
}

function flip(base64: string): string {
  const bytes = Buffer.from(base64, 'base64');
  bytes[0] = (bytes[0] ?? 0) ^ 0x01;
  return bytes.toString('base64');
}

test('a sealed secret opens to the original value and its JSON holds no plaintext', () => {
  const vault = createCredentialVault({ masterKeys: generateMasterKey('k1'), activeKeyId: 'k1' });
  const sealed = vault.seal(credentials, CONTEXT);
  const stored = JSON.stringify(sealed);
  for (const value of [credentials.cs, credentials.sask, credentials.ci]) assert.ok(!stored.includes(value));
  assert.equal(sealed.keyId, 'k1');
  assert.ok(isSealedSecret(JSON.parse(stored)));
  assert.deepEqual(vault.open(JSON.parse(stored) as SealedSecret, CONTEXT), credentials);
});

test('sealing the same value twice yields different ciphertexts (random data key and IV)', () => {
  const vault = createCredentialVault({ masterKeys: generateMasterKey('k1'), activeKeyId: 'k1' });
  const a = vault.seal('same', CONTEXT);
  const b = vault.seal('same', CONTEXT);
  assert.notEqual(a.ciphertext, b.ciphertext);
  assert.notEqual(a.wrappedKey, b.wrappedKey);
});

test('any tampered field fails to open with MLC_VAULT_DECRYPT_FAILED', () => {
  const vault = createCredentialVault({ masterKeys: generateMasterKey('k1'), activeKeyId: 'k1' });
  const sealed = vault.seal(credentials, CONTEXT);
  for (const field of ['wrappedKey', 'wrapIv', 'wrapTag', 'iv', 'tag', 'ciphertext'] as const) {
    assertMlcError(() => vault.open({ ...sealed, [field]: flip(sealed[field]) }, CONTEXT), 'MLC_VAULT_DECRYPT_FAILED');
  }
  assertMlcError(() => vault.open({ ...sealed, tag: sealed.tag.slice(0, 8) }, CONTEXT), 'MLC_VAULT_DECRYPT_FAILED');
  assertMlcError(
    () => vault.open({ ...sealed, version: 2 } as unknown as SealedSecret, CONTEXT),
    'MLC_VAULT_DECRYPT_FAILED',
  );
  assertMlcError(() => vault.open(null as unknown as SealedSecret, CONTEXT), 'MLC_VAULT_DECRYPT_FAILED');
});

test('a ciphertext moved to another tenant (different context) does not open', () => {
  const vault = createCredentialVault({ masterKeys: generateMasterKey('k1'), activeKeyId: 'k1' });
  const sealed = vault.seal(credentials, 'tenant:acme:zendesk');
  assertMlcError(() => vault.open(sealed, 'tenant:globex:zendesk'), 'MLC_VAULT_DECRYPT_FAILED');
});

test('a data key wrapped by one master key cannot be relabelled as another key id', () => {
  const keys = `${generateMasterKey('a')},${generateMasterKey('b')}`;
  const vault = createCredentialVault({ masterKeys: keys, activeKeyId: 'a' });
  const sealed = vault.seal(credentials, CONTEXT);
  assertMlcError(() => vault.open({ ...sealed, keyId: 'b' }, CONTEXT), 'MLC_VAULT_DECRYPT_FAILED');
});

test('rotation: rewrap under the new key keeps the payload, and the old key can then be removed', () => {
  const oldKey = generateMasterKey('2024');
  const newKey = generateMasterKey('2025');
  const before = createCredentialVault({ masterKeys: oldKey, activeKeyId: '2024' });
  const sealed = before.seal(credentials, CONTEXT);

  const during = createCredentialVault({ masterKeys: `${newKey},${oldKey}`, activeKeyId: '2025' });
  assert.ok(during.needsRewrap(sealed));
  const rewrapped = during.rewrap(sealed);
  assert.equal(rewrapped.keyId, '2025');
  assert.equal(rewrapped.ciphertext, sealed.ciphertext, 'payload is not re-encrypted');
  assert.ok(!during.needsRewrap(rewrapped));

  const after = createCredentialVault({ masterKeys: newKey, activeKeyId: '2025' });
  assert.deepEqual(after.open(rewrapped, CONTEXT), credentials);
  assertMlcError(() => after.open(sealed, CONTEXT), 'MLC_VAULT_KEY_UNKNOWN');
});

test('a record sealed with an unconfigured key id fails with MLC_VAULT_KEY_UNKNOWN naming only the key id', () => {
  const vault = createCredentialVault({ masterKeys: generateMasterKey('k1'), activeKeyId: 'k1' });
  const other = createCredentialVault({ masterKeys: generateMasterKey('k9'), activeKeyId: 'k9' });
  const sealed = other.seal(credentials, CONTEXT);
  assert.throws(
    () => vault.open(sealed, CONTEXT),
    (err: unknown) => isMlcError(err, 'MLC_VAULT_KEY_UNKNOWN') && err.message.includes("'k9'"),
  );
  assertMlcError(() => vault.rewrap(sealed), 'MLC_VAULT_KEY_UNKNOWN');
  assertMlcError(() => vault.keyFingerprint('k9'), 'MLC_VAULT_KEY_UNKNOWN');
});

test('keyFingerprint is stable per key, differs between keys, and reveals no key material', () => {
  const entry = generateMasterKey('k1');
  const keyBase64 = entry.slice(3);
  const vault = createCredentialVault({ masterKeys: `${entry},${generateMasterKey('k2')}`, activeKeyId: 'k1' });
  const again = createCredentialVault({ masterKeys: { k1: Buffer.from(keyBase64, 'base64') }, activeKeyId: 'k1' });
  assert.match(vault.keyFingerprint(), /^[0-9a-f]{16}$/);
  assert.equal(vault.keyFingerprint('k1'), again.keyFingerprint('k1'));
  assert.notEqual(vault.keyFingerprint('k1'), vault.keyFingerprint('k2'));
  assert.ok(!Buffer.from(keyBase64, 'base64').toString('hex').includes(vault.keyFingerprint()));
  assert.deepEqual(vault.keyIds(), ['k1', 'k2']);
});

test('master key configuration errors name the key id, never the key', () => {
  const short = randomBytes(16).toString('base64');
  assert.throws(
    () => parseMasterKeys(`good:${randomBytes(32).toString('base64')},bad:${short}`),
    (err: unknown) =>
      isMlcError(err, 'MLC_CONFIG_INVALID') && err.message.includes("'bad'") && !err.message.includes(short),
  );
  assertMlcError(() => parseMasterKeys(''), 'MLC_CONFIG_INVALID');
  assertMlcError(() => parseMasterKeys('novalue'), 'MLC_CONFIG_INVALID');
  assertMlcError(() => parseMasterKeys(`${generateMasterKey('x')},${generateMasterKey('x')}`), 'MLC_CONFIG_INVALID');
  assertMlcError(
    () => createCredentialVault({ masterKeys: generateMasterKey('k1'), activeKeyId: 'k2' }),
    'MLC_CONFIG_INVALID',
  );
  assertMlcError(() => generateMasterKey('bad id'), 'MLC_CONFIG_INVALID');
});

test('the master key spec tolerates spaces around entries', () => {
  const spec = ` ${generateMasterKey('a')} , ${generateMasterKey('b')} `;
  assert.deepEqual([...parseMasterKeys(spec).keys()], ['a', 'b']);
});

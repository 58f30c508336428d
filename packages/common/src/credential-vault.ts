import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { MlcError } from './errors.ts';

/**
 * Envelope encryption for tenant credentials (DESIGN.md §2): each record gets a random 256-bit data key that
 * encrypts the JSON plaintext with AES-256-GCM; the data key is itself encrypted ("wrapped") with AES-256-GCM
 * under a master key chosen by key id. Rotation re-wraps the 32-byte data key only, so the payload is never
 * re-encrypted and the old master key can be dropped once every record is re-wrapped.
 */

/** JSON-serializable sealed record; every binary field is base64. */
export interface SealedSecret {
  version: 1;
  /** Id of the master key that wrapped `wrappedKey`. */
  keyId: string;
  wrappedKey: string;
  wrapIv: string;
  wrapTag: string;
  iv: string;
  tag: string;
  ciphertext: string;
}

export interface CredentialVaultOptions {
  /** `"keyId:base64(32 bytes)[,keyId2:…]"` (e.g. from `MLC_MASTER_KEYS`) or key id → 32-byte key. */
  masterKeys: string | ReadonlyMap<string, Uint8Array> | Readonly<Record<string, Uint8Array | string>>;
  /** Key that `seal` and `rewrap` use; must be one of `masterKeys`. */
  activeKeyId: string;
}

export interface CredentialVault {
  readonly activeKeyId: string;
  /**
   * Encrypts `plaintext` (any JSON value) bound to `context` (e.g. `tenant:<id>:ionapi`): the same context must
   * be given to `open`, so a ciphertext copied to another tenant's row does not decrypt.
   */
  seal(plaintext: unknown, context: string): SealedSecret;
  open(sealed: SealedSecret, context: string): unknown;
  /** Re-wraps the data key under the active master key; the payload ciphertext is kept as is. */
  rewrap(sealed: SealedSecret): SealedSecret;
  /** True when the record is wrapped by a key other than the active one (a rotation candidate). */
  needsRewrap(sealed: SealedSecret): boolean;
  /** Non-secret identifier of a master key: hex of the first 8 bytes of its SHA-256. */
  keyFingerprint(keyId?: string): string;
  keyIds(): string[];
}

const FORMAT_VERSION = 1;
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID_RE = /^[A-Za-z0-9._-]{1,64}$/;

function configError(message: string): MlcError {
  return new MlcError('MLC_CONFIG_INVALID', message, { field: 'masterKeys' });
}

// One message for every failure: which check failed (tag, AAD, format) is nothing an attacker should learn.
function decryptFailed(): MlcError {
  return new MlcError('MLC_VAULT_DECRYPT_FAILED', 'credential ciphertext could not be decrypted');
}

function decodeKey(keyId: string, value: Uint8Array | string): Buffer {
  if (!KEY_ID_RE.test(keyId)) throw configError(`master key id '${keyId.slice(0, 64)}' must match ${KEY_ID_RE}`);
  const key = typeof value === 'string' ? Buffer.from(value.trim(), 'base64') : Buffer.from(value);
  if (key.length !== KEY_BYTES) throw configError(`master key '${keyId}' must be ${KEY_BYTES} bytes (base64)`);
  return key;
}

/** Parses `"keyId:base64[,keyId:base64…]"`; messages name key ids, never key material. */
export function parseMasterKeys(spec: string): Map<string, Buffer> {
  const keys = new Map<string, Buffer>();
  for (const entry of spec.split(',')) {
    const trimmed = entry.trim();
    if (trimmed === '') continue;
    const colon = trimmed.indexOf(':');
    if (colon <= 0) throw configError('each master key must be written as keyId:base64');
    const keyId = trimmed.slice(0, colon).trim();
    if (keys.has(keyId)) throw configError(`master key id '${keyId}' is listed twice`);
    keys.set(keyId, decodeKey(keyId, trimmed.slice(colon + 1)));
  }
  if (keys.size === 0) throw configError('no master key configured');
  return keys;
}

/** A new random master key as a `keyId:base64` entry for `MLC_MASTER_KEYS` (development and rotation). */
export function generateMasterKey(keyId: string): string {
  decodeKey(keyId, Buffer.alloc(KEY_BYTES));
  return `${keyId}:${randomBytes(KEY_BYTES).toString('base64')}`;
}

export function isSealedSecret(value: unknown): value is SealedSecret {
  if (value === null || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return (
    v.version === FORMAT_VERSION &&
    ['keyId', 'wrappedKey', 'wrapIv', 'wrapTag', 'iv', 'tag', 'ciphertext'].every((k) => typeof v[k] === 'string')
  );
}

function encrypt(key: Uint8Array, plaintext: Uint8Array, aad: string) {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv, tag: cipher.getAuthTag(), ciphertext };
}

function decrypt(key: Uint8Array, iv: string, tag: string, ciphertext: string, aad: string): Buffer {
  const ivBytes = Buffer.from(iv, 'base64');
  const tagBytes = Buffer.from(tag, 'base64');
  if (ivBytes.length !== IV_BYTES || tagBytes.length !== TAG_BYTES) throw decryptFailed();
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, ivBytes, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(tagBytes);
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64')), decipher.final()]);
  } catch {
    throw decryptFailed();
  }
}

// The wrap is bound to the key id and format so a record cannot be relabelled; the payload to the caller's context.
const wrapAad = (keyId: string) => `mlc-vault:v${FORMAT_VERSION}:wrap:${keyId}`;
const payloadAad = (context: string) => `mlc-vault:v${FORMAT_VERSION}:payload:${context}`;

export function createCredentialVault(options: CredentialVaultOptions): CredentialVault {
  const keys: Map<string, Buffer> =
    typeof options.masterKeys === 'string'
      ? parseMasterKeys(options.masterKeys)
      : new Map(
          (options.masterKeys instanceof Map
            ? [...options.masterKeys.entries()]
            : Object.entries(options.masterKeys as Record<string, Uint8Array | string>)
          ).map(([id, key]) => [id, decodeKey(id, key)]),
        );
  const { activeKeyId } = options;
  if (!keys.has(activeKeyId)) throw configError(`active master key '${activeKeyId}' is not among the master keys`);

  const masterKey = (keyId: string): Buffer => {
    const key = keys.get(keyId);
    if (!key) {
      throw new MlcError(
        'MLC_VAULT_KEY_UNKNOWN',
        `credential was sealed with master key '${keyId}', which is not configured`,
        {
          details: { keyId },
        },
      );
    }
    return key;
  };

  const wrap = (dataKey: Buffer) => {
    const wrapped = encrypt(masterKey(activeKeyId), dataKey, wrapAad(activeKeyId));
    return {
      keyId: activeKeyId,
      wrappedKey: wrapped.ciphertext.toString('base64'),
      wrapIv: wrapped.iv.toString('base64'),
      wrapTag: wrapped.tag.toString('base64'),
    };
  };

  const unwrap = (sealed: SealedSecret): Buffer => {
    if (!isSealedSecret(sealed)) throw decryptFailed();
    const dataKey = decrypt(
      masterKey(sealed.keyId),
      sealed.wrapIv,
      sealed.wrapTag,
      sealed.wrappedKey,
      wrapAad(sealed.keyId),
    );
    if (dataKey.length !== KEY_BYTES) throw decryptFailed();
    return dataKey;
  };

  return {
    activeKeyId,
    seal(plaintext, context) {
      const json = JSON.stringify(plaintext);
      if (json === undefined) throw new TypeError('credential vault can only seal JSON values');
      const dataKey = randomBytes(KEY_BYTES);
      try {
        const payload = encrypt(dataKey, Buffer.from(json, 'utf8'), payloadAad(context));
        return {
          version: FORMAT_VERSION,
          ...wrap(dataKey),
          iv: payload.iv.toString('base64'),
          tag: payload.tag.toString('base64'),
          ciphertext: payload.ciphertext.toString('base64'),
        };
      } finally {
        dataKey.fill(0);
      }
    },
    open(sealed, context) {
      const dataKey = unwrap(sealed);
      let plaintext: Buffer;
      try {
        plaintext = decrypt(dataKey, sealed.iv, sealed.tag, sealed.ciphertext, payloadAad(context));
      } finally {
        dataKey.fill(0);
      }
      try {
        return JSON.parse(plaintext.toString('utf8'));
      } catch {
        throw decryptFailed();
      } finally {
        plaintext.fill(0);
      }
    },
    rewrap(sealed) {
      const dataKey = unwrap(sealed);
      try {
        return { ...sealed, ...wrap(dataKey) };
      } finally {
        dataKey.fill(0);
      }
    },
    needsRewrap(sealed) {
      return sealed.keyId !== activeKeyId;
    },
    keyFingerprint(keyId = activeKeyId) {
      return createHash('sha256').update(masterKey(keyId)).digest().subarray(0, 8).toString('hex');
    },
    keyIds() {
      return [...keys.keys()];
    },
  };
}

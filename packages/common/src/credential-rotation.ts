import type pg from 'pg';
import { type CredentialVault, isSealedSecret, type SealedSecret } from './credential-vault.ts';
import { isMlcError } from './errors.ts';

/**
 * Re-wraps every tenant credential under the vault's active master key (DESIGN.md §2 rotation). Only the
 * 32-byte data keys are re-encrypted, each row in its own transaction under a row lock, so a concurrent
 * tenant update is neither lost nor overwritten. Once `failed` is empty the old master key can be removed.
 */
export interface CredentialRotationReport {
  activeKeyId: string;
  tenants: number;
  /** Credential records wrapped by another key and now re-wrapped. */
  rewrapped: number;
  alreadyCurrent: number;
  failed: { tenantId: string; credential: 'ionapi' | 'zendesk'; code: string }[];
}

const CREDENTIAL_COLUMNS = [
  { credential: 'ionapi', ciphertext: 'ionapi_ciphertext', keyId: 'ionapi_key_id' },
  { credential: 'zendesk', ciphertext: 'zendesk_credential_ciphertext', keyId: 'zendesk_credential_key_id' },
] as const;

export async function rewrapTenantCredentials(db: pg.Pool, vault: CredentialVault): Promise<CredentialRotationReport> {
  const report: CredentialRotationReport = {
    activeKeyId: vault.activeKeyId,
    tenants: 0,
    rewrapped: 0,
    alreadyCurrent: 0,
    failed: [],
  };
  const { rows } = await db.query<{ id: string }>('SELECT id FROM tenants ORDER BY id');
  for (const { id } of rows) {
    report.tenants += 1;
    const client = await db.connect();
    try {
      await client.query('BEGIN');
      const locked = await client.query<Record<string, Buffer | null>>(
        'SELECT ionapi_ciphertext, zendesk_credential_ciphertext FROM tenants WHERE id = $1 FOR UPDATE',
        [id],
      );
      const row = locked.rows[0];
      for (const column of CREDENTIAL_COLUMNS) {
        const stored = row?.[column.ciphertext];
        if (stored === null || stored === undefined) continue;
        let sealed: SealedSecret;
        try {
          const parsed: unknown = JSON.parse(stored.toString('utf8'));
          if (!isSealedSecret(parsed)) throw new Error('not a sealed secret');
          sealed = parsed;
          if (!vault.needsRewrap(sealed)) {
            report.alreadyCurrent += 1;
            continue;
          }
          sealed = vault.rewrap(sealed);
        } catch (error) {
          report.failed.push({
            tenantId: id,
            credential: column.credential,
            code: isMlcError(error) ? error.code : 'MLC_VAULT_DECRYPT_FAILED',
          });
          continue;
        }
        await client.query(`UPDATE tenants SET ${column.ciphertext} = $2, ${column.keyId} = $3 WHERE id = $1`, [
          id,
          Buffer.from(JSON.stringify(sealed), 'utf8'),
          sealed.keyId,
        ]);
        report.rewrapped += 1;
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }
  return report;
}

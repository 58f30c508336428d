import { rewrapTenantCredentials } from '@mlc/common/credential-rotation';
import type { FastifyInstance } from 'fastify';
import type { AdminApiDeps } from '../admin-api-deps.ts';
import { recordAdminAction } from '../admin-audit/admin-audit-log.ts';
import { requireAdmin } from '../auth/admin-principal.ts';
import { principalOf } from '../auth/bearer-auth.ts';
import { bearerSecurity } from '../http/shared-schemas.ts';

/**
 * Key rotation: set MLC_MASTER_KEYS to old and new keys and MLC_ACTIVE_KEY_ID to the new one, restart, call
 * POST /vault/rotate; once it reports no failures, the old key can be removed from MLC_MASTER_KEYS.
 */
export async function vaultRoutes(app: FastifyInstance, deps: AdminApiDeps): Promise<void> {
  const tags = ['vault'];
  app.get(
    '/vault',
    { schema: { tags, security: bearerSecurity, summary: 'Master keys (ids and fingerprints)' } },
    async (request) => {
      requireAdmin(principalOf(request));
      const { rows } = await deps.db.query<{ key_id: string; records: string }>(
        `SELECT key_id, count(*) AS records FROM (
         SELECT ionapi_key_id AS key_id FROM tenants WHERE ionapi_key_id IS NOT NULL
         UNION ALL SELECT zendesk_credential_key_id FROM tenants WHERE zendesk_credential_key_id IS NOT NULL) k
       GROUP BY key_id ORDER BY key_id`,
      );
      const inUse = new Map(rows.map((row) => [row.key_id, Number(row.records)]));
      return {
        activeKeyId: deps.vault.activeKeyId,
        keys: deps.vault.keyIds().map((keyId) => ({
          keyId,
          fingerprint: deps.vault.keyFingerprint(keyId),
          active: keyId === deps.vault.activeKeyId,
          records: inUse.get(keyId) ?? 0,
        })),
        unknownKeys: [...inUse.keys()].filter((keyId) => !deps.vault.keyIds().includes(keyId)),
      };
    },
  );

  app.post(
    '/vault/rotate',
    { schema: { tags, security: bearerSecurity, summary: 'Re-wrap every credential under MLC_ACTIVE_KEY_ID' } },
    async (request) => {
      const principal = principalOf(request);
      requireAdmin(principal);
      const report = await rewrapTenantCredentials(deps.db, deps.vault);
      await recordAdminAction(deps.db, principal, {
        action: 'vault.rotate',
        target: `key:${report.activeKeyId}`,
        details: { ...report, activeKeyFingerprint: deps.vault.keyFingerprint() },
      });
      return { ...report, activeKeyFingerprint: deps.vault.keyFingerprint() };
    },
  );
}

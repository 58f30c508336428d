import { type ConfigEnv, type ConfigValues, loadConfig } from '@mlc/common/config';
import { ADMIN_API_CONFIG, CREDENTIAL_VAULT_CONFIG, SHARED_CONFIG } from '@mlc/common/config-definitions';

/** Every variable the admin API reads: the shared groups, the credential vault and its own. */
export const ADMIN_API_SERVICE_CONFIG = { ...SHARED_CONFIG, ...CREDENTIAL_VAULT_CONFIG, ...ADMIN_API_CONFIG };

export type AdminApiServiceConfig = ConfigValues<typeof ADMIN_API_SERVICE_CONFIG>;

export function loadAdminApiConfig(env: ConfigEnv = process.env): AdminApiServiceConfig {
  return loadConfig(ADMIN_API_SERVICE_CONFIG, env);
}

/** The active master key: MLC_ACTIVE_KEY_ID, or the first key of MLC_MASTER_KEYS. */
export function activeKeyIdOf(config: AdminApiServiceConfig): string {
  const first = config.masterKeys[0] ?? '';
  return config.activeKeyId ?? first.slice(0, first.indexOf(':'));
}

import { type ConfigEnv, loadConfig } from '@mlc/common/config';
import { CREDENTIAL_VAULT_CONFIG, EXTRACTOR_CONFIG, SHARED_CONFIG } from '@mlc/common/config-definitions';

export const EXTRACTOR_SERVICE_CONFIG = { ...SHARED_CONFIG, ...CREDENTIAL_VAULT_CONFIG, ...EXTRACTOR_CONFIG };

/** Every variable the extractor reads, validated at once (one error naming each bad variable). */
export function loadExtractorConfig(env: ConfigEnv = process.env) {
  return loadConfig(EXTRACTOR_SERVICE_CONFIG, env);
}
export type ExtractorConfig = ReturnType<typeof loadExtractorConfig>;

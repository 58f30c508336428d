/**
 * Development secrets for `npm start`: a credential master key and an admin bootstrap token, taken from the
 * environment when set, otherwise generated once and kept in `.data/dev-secrets.json` (mode 0600, gitignored)
 * so that tenants registered in an earlier start still decrypt. Never printed in full.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface DevSecrets {
  masterKeys: string;
  bootstrapToken: string;
  /** Where they came from, for the start-up report. */
  source: 'environment' | 'generated' | 'stored';
  file: string;
}

function generatedMasterKey(keyId: string): string {
  return `${keyId}:${randomBytes(32).toString('base64')}`;
}

export function loadOrCreateDevSecrets(dataDir: string, env: NodeJS.ProcessEnv = process.env): DevSecrets {
  const file = join(dataDir, 'dev-secrets.json');
  if (env.MLC_MASTER_KEYS && env.ADMIN_BOOTSTRAP_TOKEN) {
    return { masterKeys: env.MLC_MASTER_KEYS, bootstrapToken: env.ADMIN_BOOTSTRAP_TOKEN, source: 'environment', file };
  }
  let stored: Partial<DevSecrets> = {};
  try {
    stored = JSON.parse(readFileSync(file, 'utf8')) as Partial<DevSecrets>;
  } catch {
    // First start: nothing stored yet.
  }
  const masterKeys = env.MLC_MASTER_KEYS || stored.masterKeys || generatedMasterKey('dev1');
  const bootstrapToken = env.ADMIN_BOOTSTRAP_TOKEN || stored.bootstrapToken || randomBytes(32).toString('base64url');
  const source = stored.masterKeys && stored.bootstrapToken ? 'stored' : 'generated';
  if (source === 'generated') {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, `${JSON.stringify({ masterKeys, bootstrapToken }, null, 2)}\n`, { mode: 0o600 });
  }
  return { masterKeys, bootstrapToken, source, file };
}

/** Enough of a secret to recognise it, never enough to use it. */
export function secretHint(secret: string): string {
  return secret.length <= 8 ? '****' : `${secret.slice(0, 4)}…(${secret.length} chars)`;
}

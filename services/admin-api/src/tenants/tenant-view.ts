import type { CredentialVault } from '@mlc/common/credential-vault';
import { isMlcError } from '@mlc/common/errors';
import { describeIonApiFile, type IonApiFileDescription } from '@mlc/common/ionapi-file';
import { openIonApiCredentials, openZendeskCredentials, type TenantRecord } from '@mlc/common/tenant-repository';
import { Cron } from 'croner';

/** How a sealed credential is shown: which master key wraps it and that key's fingerprint, never its content. */
interface SealedFacts {
  keyId: string | null;
  keyFingerprint: string | null;
  /** Set when the credential cannot be opened (e.g. its master key was removed before a rotation). */
  error?: string;
}

function keyFingerprint(vault: CredentialVault, keyId: string | null): string | null {
  if (keyId === null) return null;
  try {
    return vault.keyFingerprint(keyId);
  } catch {
    return null;
  }
}

function openError(error: unknown): string {
  return isMlcError(error) ? error.code : 'MLC_VAULT_DECRYPT_FAILED';
}

function ionapiView(
  vault: CredentialVault,
  tenant: TenantRecord,
): (Partial<IonApiFileDescription> & SealedFacts) | null {
  if (!tenant.hasIonApiCredentials) return null;
  const sealed = { keyId: tenant.ionApiKeyId, keyFingerprint: keyFingerprint(vault, tenant.ionApiKeyId) };
  try {
    return { ...describeIonApiFile(openIonApiCredentials(vault, tenant)), ...sealed };
  } catch (error) {
    return { ...sealed, error: openError(error) };
  }
}

function zendeskView(vault: CredentialVault, tenant: TenantRecord) {
  const base = {
    subdomain: tenant.zendeskSubdomain,
    baseUrl:
      tenant.zendeskBaseUrl ??
      (tenant.zendeskSubdomain === null ? null : `https://${tenant.zendeskSubdomain}.zendesk.com`),
    baseUrlOverridden: tenant.zendeskBaseUrl !== null,
  };
  if (!tenant.hasZendeskCredentials) return { ...base, credentials: null };
  const sealed = { keyId: tenant.zendeskKeyId, keyFingerprint: keyFingerprint(vault, tenant.zendeskKeyId) };
  try {
    const credentials = openZendeskCredentials(vault, tenant);
    return {
      ...base,
      credentials:
        credentials.kind === 'oauth'
          ? { authKind: 'oauth' as const, clientId: credentials.clientId, ...sealed }
          : { authKind: 'api_token' as const, email: credentials.email, ...sealed },
    };
  } catch (error) {
    return { ...base, credentials: { ...sealed, error: openError(error) } };
  }
}

function nextRunAt(cron: string | null, timeZone: string): string | null {
  if (cron === null) return null;
  try {
    const job = new Cron(cron, { paused: true, timezone: timeZone });
    const next = job.nextRun();
    job.stop();
    return next?.toISOString() ?? null;
  } catch {
    return null;
  }
}

/**
 * The API's view of a tenant. Secrets are opened only to read non-secret facts (client ids, URLs, ION
 * tenant) and never copied: the view is built field by field, so a new secret field cannot leak by default.
 */
export function tenantView(vault: CredentialVault, tenant: TenantRecord) {
  const { company, division, mongooseConfig, deletes, m3LineSource, m3Inputs } = tenant.erpConfig;
  return {
    id: tenant.id,
    name: tenant.name,
    product: tenant.product,
    status: tenant.status,
    ...(tenant.product === 'm3'
      ? { m3: { company, division, deletes, m3LineSource, m3Inputs } }
      : { csi: { mongooseConfig, deletes } }),
    ionapi: ionapiView(vault, tenant),
    zendesk: zendeskView(vault, tenant),
    rateLimits: {
      ionRpm: tenant.ionRpm,
      zendeskPlanRpm: tenant.zendeskRpm,
      zendeskShare: tenant.zendeskShare,
      zendeskConnectorRpm: Math.max(1, Math.floor(tenant.zendeskRpm * tenant.zendeskShare)),
    },
    schedule:
      tenant.scheduleCron === null
        ? null
        : {
            cron: tenant.scheduleCron,
            timeZone: tenant.scheduleTz,
            nextRunAt: nextRunAt(tenant.scheduleCron, tenant.scheduleTz),
          },
    mapping: tenant.mapping,
    createdAt: tenant.createdAt.toISOString(),
    updatedAt: tenant.updatedAt.toISOString(),
  };
}

export type TenantView = ReturnType<typeof tenantView>;

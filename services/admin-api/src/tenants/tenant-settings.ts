import { isMlcError, MlcError } from '@mlc/common/errors';
import { type IonApiFile, parseIonApiFile } from '@mlc/common/ionapi-file';
import type {
  TenantErpConfig,
  TenantInput,
  TenantRecord,
  TenantUpdate,
  ZendeskCredentials,
} from '@mlc/common/tenant-repository';
import type { CreateTenantBody, PatchTenantBody } from './tenant-schemas.ts';

/** Parses the uploaded `.ionapi`; its errors name the key as `ionapi.<key>` (e.g. `ionapi.ci`). */
export function parseUploadedIonApi(content: string | Record<string, unknown>): IonApiFile {
  try {
    return parseIonApiFile(content);
  } catch (error) {
    if (isMlcError(error)) {
      throw new MlcError(error.code, error.message, {
        field: error.field === undefined ? 'ionapi' : `ionapi.${error.field}`,
      });
    }
    throw error;
  }
}

function zendeskCredentialsOf(zendesk: {
  oauth?: { clientId: string; clientSecret: string } | undefined;
  apiToken?: { email: string; token: string } | undefined;
}): ZendeskCredentials | undefined {
  if (zendesk.oauth !== undefined) return { kind: 'oauth', ...zendesk.oauth };
  if (zendesk.apiToken !== undefined)
    return { kind: 'api_token', email: zendesk.apiToken.email, apiToken: zendesk.apiToken.token };
  return undefined;
}

function erpConfigOf(body: {
  m3?: TenantErpConfig | undefined;
  csi?: TenantErpConfig | undefined;
}): TenantErpConfig | undefined {
  return body.m3 ?? body.csi;
}

export function tenantInputOf(body: CreateTenantBody): TenantInput {
  const credentials = zendeskCredentialsOf(body.zendesk);
  return {
    id: body.id,
    name: body.name,
    product: body.product,
    status: body.status,
    erpConfig: erpConfigOf(body) ?? {},
    ionApiFile: parseUploadedIonApi(body.ionapi),
    zendeskSubdomain: body.zendesk.subdomain,
    zendeskBaseUrl: body.zendesk.baseUrl ?? null,
    ...(credentials === undefined ? {} : { zendeskCredentials: credentials }),
    ionRpm: body.rateLimits.ionRpm,
    zendeskRpm: body.rateLimits.zendeskPlanRpm,
    zendeskShare: Math.round(body.rateLimits.zendeskShare * 1000) / 1000,
    scheduleCron: body.schedule?.cron ?? null,
    scheduleTz: body.schedule?.timeZone ?? 'UTC',
    mapping: body.mapping,
  };
}

export function tenantUpdateOf(body: PatchTenantBody, current: TenantRecord): TenantUpdate {
  const product = body.product ?? current.product;
  if (body.product !== undefined && body.product !== current.product && erpConfigOf(body) === undefined) {
    throw new MlcError('MLC_VALIDATION', `Changing the product to ${product} needs its ${product} settings`, {
      field: product,
    });
  }
  if ((product === 'm3' && body.csi !== undefined) || (product === 'csi' && body.m3 !== undefined)) {
    const field = product === 'm3' ? 'csi' : 'm3';
    throw new MlcError('MLC_VALIDATION', `${field} settings do not apply to product ${product}`, { field });
  }
  const update: TenantUpdate = {};
  if (body.name !== undefined) update.name = body.name;
  if (body.product !== undefined) update.product = body.product;
  const erp = erpConfigOf(body);
  if (erp !== undefined) update.erpConfig = erp;
  if (body.ionapi !== undefined) update.ionApiFile = parseUploadedIonApi(body.ionapi);
  if (body.zendesk !== undefined) {
    if (body.zendesk.subdomain !== undefined) update.zendeskSubdomain = body.zendesk.subdomain;
    if (body.zendesk.baseUrl !== undefined) update.zendeskBaseUrl = body.zendesk.baseUrl;
    const credentials = zendeskCredentialsOf(body.zendesk);
    if (credentials !== undefined) update.zendeskCredentials = credentials;
  }
  if (body.rateLimits?.ionRpm !== undefined) update.ionRpm = body.rateLimits.ionRpm;
  if (body.rateLimits?.zendeskPlanRpm !== undefined) update.zendeskRpm = body.rateLimits.zendeskPlanRpm;
  if (body.rateLimits?.zendeskShare !== undefined) {
    update.zendeskShare = Math.round(body.rateLimits.zendeskShare * 1000) / 1000;
  }
  if (body.schedule !== undefined) {
    update.scheduleCron = body.schedule?.cron ?? null;
    if (body.schedule !== null) update.scheduleTz = body.schedule.timeZone;
  }
  if (body.mapping !== undefined) update.mapping = body.mapping;
  return update;
}

/** Which top-level settings a call changed, for the admin audit: names and non-secret values only. */
export function auditedChanges(body: Record<string, unknown>): Record<string, unknown> {
  const details: Record<string, unknown> = { fields: Object.keys(body).sort() };
  for (const key of ['name', 'product', 'm3', 'csi', 'rateLimits', 'schedule', 'status'] as const) {
    if (body[key] !== undefined) details[key] = body[key];
  }
  const zendesk = body.zendesk as Record<string, unknown> | undefined;
  if (zendesk !== undefined) {
    details.zendesk = {
      subdomain: zendesk.subdomain,
      baseUrl: zendesk.baseUrl,
      credentials:
        zendesk.oauth !== undefined
          ? 'oauth (replaced)'
          : zendesk.apiToken !== undefined
            ? 'api token (replaced)'
            : undefined,
    };
  }
  if (body.ionapi !== undefined) details.ionapiReplaced = true;
  return details;
}

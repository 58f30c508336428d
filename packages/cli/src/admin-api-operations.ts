/**
 * Every admin API route the CLI and `npm start` use, in one place: when a route or a body changes in
 * services/admin-api, this file is the one to follow it. Bodies mirror TenantInput (packages/common).
 */
import type { AdminApiClient, QueryValue } from './admin-api-client.ts';

export interface TenantRegistration {
  id: string;
  name: string;
  product: 'm3' | 'csi';
  m3?: { company: string; division?: string };
  csi?: { mongooseConfig: string };
  /** The `.ionapi` file as uploaded (its JSON content or text): the admin API validates and seals it. */
  ionapi: unknown;
  zendesk: {
    subdomain: string;
    /** Where the tenant's Zendesk answers when not at https://{subdomain}.zendesk.com (simulator, proxy). */
    baseUrl?: string;
    oauth?: { clientId: string; clientSecret: string };
    apiToken?: { email: string; token: string };
  };
  rateLimits?: { ionRpm?: number; zendeskPlanRpm?: number | string; zendeskShare?: number };
  schedule?: { cron: string; timeZone?: string } | null;
  status?: 'active' | 'paused';
}

export interface AuditQuery {
  entity?: string;
  naturalKey?: string;
  status?: string;
  since?: string;
  limit?: number;
}

export interface ReplayRequest {
  entity?: string;
  from: string;
  naturalKeys?: string[];
  force?: boolean;
}

const tenantPath = (tenantId: string) => `/tenants/${encodeURIComponent(tenantId)}`;

/** Unwraps `{ items: [...] }`, `{ tenants: [...] }` and plain arrays alike. */
export function listOf(body: unknown, ...keys: string[]): Record<string, unknown>[] {
  if (Array.isArray(body)) return body as Record<string, unknown>[];
  if (typeof body === 'object' && body !== null) {
    for (const key of [...keys, 'items', 'data', 'results']) {
      const value = (body as Record<string, unknown>)[key];
      if (Array.isArray(value)) return value as Record<string, unknown>[];
    }
  }
  return [];
}

export const adminApi = {
  health: (api: AdminApiClient) => api.get('/healthz'),
  readiness: (api: AdminApiClient) => api.get('/readyz'),

  listTenants: async (api: AdminApiClient) => listOf(await api.get('/tenants'), 'tenants'),
  addTenant: (api: AdminApiClient, tenant: TenantRegistration) => api.post<Record<string, unknown>>('/tenants', tenant),
  updateTenant: (api: AdminApiClient, tenantId: string, changes: Partial<Omit<TenantRegistration, 'id'>>) =>
    api.request<Record<string, unknown>>('PATCH', tenantPath(tenantId), { body: changes }),
  showTenant: (api: AdminApiClient, tenantId: string) => api.get<Record<string, unknown>>(tenantPath(tenantId)),
  testTenant: (api: AdminApiClient, tenantId: string) =>
    api.post<Record<string, unknown>>(`${tenantPath(tenantId)}/test`),
  pauseTenant: (api: AdminApiClient, tenantId: string) =>
    api.post<Record<string, unknown>>(`${tenantPath(tenantId)}/pause`),
  resumeTenant: (api: AdminApiClient, tenantId: string) =>
    api.post<Record<string, unknown>>(`${tenantPath(tenantId)}/resume`),

  listRuns: async (api: AdminApiClient, tenantId: string, limit?: number) =>
    listOf(await api.get(`${tenantPath(tenantId)}/runs`, { limit }), 'runs'),
  /** Answers 202 with a `requestId`; the run gets its id when the extractor claims the request. */
  requestRun: (api: AdminApiClient, tenantId: string, options: { entities?: string[]; fullResync?: boolean } = {}) =>
    api.post<Record<string, unknown>>(`${tenantPath(tenantId)}/runs`, options),
  showRunRequest: (api: AdminApiClient, requestId: string) =>
    api.get<Record<string, unknown>>(`/run-requests/${encodeURIComponent(requestId)}`),
  showRun: (api: AdminApiClient, runId: string) =>
    api.get<Record<string, unknown>>(`/runs/${encodeURIComponent(runId)}`),

  audit: async (api: AdminApiClient, tenantId: string, query: AuditQuery) =>
    listOf(await api.get(`${tenantPath(tenantId)}/audit`, query as Record<string, QueryValue>), 'records'),
  auditHistory: async (api: AdminApiClient, tenantId: string, entity: string, naturalKey: string) =>
    listOf(
      await api.get(`${tenantPath(tenantId)}/audit/${encodeURIComponent(entity)}/${encodeURIComponent(naturalKey)}`),
      'postings',
    ),

  replay: (api: AdminApiClient, tenantId: string, request: ReplayRequest) =>
    api.post<Record<string, unknown>>(`${tenantPath(tenantId)}/replay`, request),

  listDeadLetters: async (api: AdminApiClient, tenantId: string, query: { entity?: string; limit?: number }) =>
    listOf(await api.get(`${tenantPath(tenantId)}/dlq`, query), 'deadLetters'),
  retryDeadLetters: (
    api: AdminApiClient,
    tenantId: string,
    request: { ids: string[] } | { all: true; entity?: string },
  ) => api.post<Record<string, unknown>>(`${tenantPath(tenantId)}/dlq/retry`, request),

  /** Issue 7's route; answers 404 until it exists. */
  provision: (api: AdminApiClient, tenantId: string, dryRun: boolean) =>
    api.post<Record<string, unknown>>(`${tenantPath(tenantId)}/zendesk/provision`, { dryRun }),

  /** Re-wraps every credential under the admin API's MLC_ACTIVE_KEY_ID. */
  rotateKey: (api: AdminApiClient) => api.post<Record<string, unknown>>('/vault/rotate'),
};

/**
 * Every admin API route the CLI and `npm start` use, in one place: when a route or a body changes in
 * services/admin-api, this file is the one to follow it. Bodies mirror TenantInput (packages/common).
 */
import type { AdminApiClient, QueryValue } from './admin-api-client.ts';

export type ZendeskCredentialsInput =
  | { kind: 'oauth'; clientId: string; clientSecret: string }
  | { kind: 'api_token'; email: string; apiToken: string };

export interface TenantRegistration {
  id: string;
  name: string;
  product: 'm3' | 'csi';
  /** The `.ionapi` file as uploaded: the admin API validates it and seals it. */
  ionApiFile: unknown;
  erpConfig?: Record<string, unknown>;
  zendeskSubdomain: string;
  /** Where the tenant's Zendesk answers when not at https://{subdomain}.zendesk.com (a simulator, a proxy). */
  zendeskBaseUrl?: string;
  zendeskCredentials: ZendeskCredentialsInput;
  ionRpm?: number;
  zendeskRpm?: number;
  zendeskShare?: number;
  scheduleCron?: string;
  scheduleTz?: string;
}

export interface AuditQuery {
  entity?: string;
  key?: string;
  status?: string;
  since?: string;
  limit?: number;
}

export interface ReplayRequest {
  entity?: string;
  from?: string;
  keys?: string[];
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
  showTenant: (api: AdminApiClient, tenantId: string) => api.get<Record<string, unknown>>(tenantPath(tenantId)),
  testTenant: (api: AdminApiClient, tenantId: string) =>
    api.post<Record<string, unknown>>(`${tenantPath(tenantId)}/test`),
  pauseTenant: (api: AdminApiClient, tenantId: string) =>
    api.post<Record<string, unknown>>(`${tenantPath(tenantId)}/pause`),
  resumeTenant: (api: AdminApiClient, tenantId: string) =>
    api.post<Record<string, unknown>>(`${tenantPath(tenantId)}/resume`),

  listRuns: async (api: AdminApiClient, tenantId: string, limit?: number) =>
    listOf(await api.get(`${tenantPath(tenantId)}/runs`, { limit }), 'runs'),
  startRun: (api: AdminApiClient, tenantId: string, options: { entities?: string[]; fullResync?: boolean } = {}) =>
    api.post<Record<string, unknown>>(`${tenantPath(tenantId)}/runs`, options),
  showRun: (api: AdminApiClient, runId: string) => api.get<Record<string, unknown>>(`/runs/${encodeURIComponent(runId)}`),

  audit: async (api: AdminApiClient, tenantId: string, query: AuditQuery) =>
    listOf(await api.get(`${tenantPath(tenantId)}/audit`, query as Record<string, QueryValue>), 'records', 'audit'),
  auditHistory: async (api: AdminApiClient, tenantId: string, entity: string, key: string) =>
    listOf(
      await api.get(`${tenantPath(tenantId)}/audit/${encodeURIComponent(entity)}/${encodeURIComponent(key)}/history`),
      'history',
      'postings',
    ),

  replay: (api: AdminApiClient, tenantId: string, request: ReplayRequest) =>
    api.post<Record<string, unknown>>(`${tenantPath(tenantId)}/replay`, request),

  listDeadLetters: async (api: AdminApiClient, query: { tenantId?: string; limit?: number }) =>
    listOf(await api.get('/dlq', query), 'deadLetters', 'entries'),
  retryDeadLetters: (api: AdminApiClient, request: { ids?: string[]; all?: boolean; tenantId?: string }) =>
    api.post<Record<string, unknown>>('/dlq/retry', request),

  provision: (api: AdminApiClient, tenantId: string, dryRun: boolean) =>
    api.post<Record<string, unknown>>(`${tenantPath(tenantId)}/zendesk/provision`, { dryRun }),

  rotateKey: (api: AdminApiClient, keyId?: string) =>
    api.post<Record<string, unknown>>('/keys/rotate', keyId === undefined ? {} : { keyId }),
};

/**
 * The simulators' `/__sim` control endpoints, called over HTTP from another process (npm start, e2e tests):
 * CloudSuite tenants and their `.ionapi`, record mutations; Zendesk accounts and their state.
 */
export interface CloudSuiteSimTenant {
  tenantId: string;
  product: string;
  /** The configuration CSI tenants name in `X-Infor-MongooseConfig`. */
  mongooseConfig: string;
  counts: Record<string, number>;
  ionapi?: Record<string, unknown>;
}

export interface ZendeskSimState {
  users: { id: number; external_id: string | null; name: string; user_fields: Record<string, unknown> }[];
  organizations: {
    id: number;
    external_id: string | null;
    name: string;
    organization_fields: Record<string, unknown>;
  }[];
  customObjectRecords: Record<
    string,
    { id: string; external_id: string | null; name: string; custom_object_fields: Record<string, unknown> }[]
  >;
  duplicateCount: number;
  writeCounts: Record<string, number>;
}

async function call<T>(method: string, url: string, body?: unknown): Promise<T> {
  const response = await fetch(url, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${url} answered ${response.status}: ${text.slice(0, 300)}`);
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

export const cloudSuiteSim = {
  addTenant: (
    baseUrl: string,
    options: { tenantId: string; records?: number; seed?: number; product?: 'm3' | 'csi' },
  ) => call<CloudSuiteSimTenant>('POST', `${baseUrl}/__sim/tenants`, options),
  tenant: (baseUrl: string, tenantId: string) =>
    call<CloudSuiteSimTenant>('GET', `${baseUrl}/__sim/tenants/${encodeURIComponent(tenantId)}`),
  ionapi: (baseUrl: string, tenantId: string) =>
    call<Record<string, unknown>>('GET', `${baseUrl}/__sim/tenants/${encodeURIComponent(tenantId)}/ionapi`),
  /** Changes (or deletes/adds) records of one entity; the changed ones get a new change stamp. */
  mutate: (
    baseUrl: string,
    tenantId: string,
    entity: string,
    mutation: { change?: number; delete?: number; add?: number; changeKeys?: string[]; deleteKeys?: string[] },
  ) =>
    call<{ changed: string[]; deleted: string[]; added: string[] }>(
      'POST',
      `${baseUrl}/__sim/tenants/${encodeURIComponent(tenantId)}/entities/${encodeURIComponent(entity)}/mutations`,
      mutation,
    ),
  requests: (baseUrl: string, tenantId: string) =>
    call<{ lastSeq: number; requests: { path?: string; program?: string }[] }>(
      'GET',
      `${baseUrl}/__sim/requests?tenant=${encodeURIComponent(tenantId)}`,
    ),
  /** Switches a fault rule on (see the simulator's `fault-injection.ts` for the fields). */
  addFault: (baseUrl: string, rule: Record<string, unknown>) =>
    call<{ id: string }>('POST', `${baseUrl}/__sim/faults`, rule),
  clearFaults: (baseUrl: string) => call<void>('DELETE', `${baseUrl}/__sim/faults`),
};

export const zendeskSim = {
  addAccount: (
    baseUrl: string,
    options: {
      subdomain: string;
      plan?: string;
      oauthClients: { identifier: string; secret: string }[];
      [key: string]: unknown;
    },
  ) => call<{ subdomain: string; baseUrl: string }>('POST', `${baseUrl}/__sim/accounts`, options),
  state: (baseUrl: string, subdomain: string) =>
    call<ZendeskSimState>('GET', `${baseUrl}/__sim/accounts/${encodeURIComponent(subdomain)}/state`),
  accountUrl: (baseUrl: string, subdomain: string) => `${baseUrl}/__account/${subdomain}`,
  /** Replaces every fault rule (see the simulator's `fault-injector.ts` for the fields). */
  setFaults: (baseUrl: string, rules: Record<string, unknown>[]) =>
    call<{ rules: unknown[] }>('PUT', `${baseUrl}/__sim/faults`, { rules }),
  /** The fault rules in force, each with how often it fired. */
  faults: (baseUrl: string) => call<{ rules: { path?: string; fired: number }[] }>('GET', `${baseUrl}/__sim/faults`),
};

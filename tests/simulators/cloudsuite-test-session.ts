/**
 * Starts an in-process CloudSuite simulator on port 0 with one tenant and gets a token the way the
 * connector does (password grant against `pu` + `ot` from the generated .ionapi).
 */
import {
  buildCloudSuiteSimulator,
  type CloudSuiteSimulator,
} from '../../packages/simulators/src/cloudsuite/cloudsuite-simulator.ts';
import type { TenantOptions } from '../../packages/simulators/src/cloudsuite/cloudsuite-tenant.ts';
import type { IonApiFile } from '../../packages/simulators/src/cloudsuite/ionapi-file.ts';

export interface CloudSuiteSession {
  sim: CloudSuiteSimulator;
  ionapi: IonApiFile;
  tokenUrl: string;
  token(): Promise<string>;
  get(path: string, init?: { token?: string | null; headers?: Record<string, string> }): Promise<Response>;
  mi(programTransaction: string, params?: Record<string, string>): Promise<Response>;
  close(): Promise<void>;
}

export function passwordGrantBody(ionapi: IonApiFile, overrides: Record<string, string> = {}): URLSearchParams {
  return new URLSearchParams({
    grant_type: 'password',
    username: ionapi.saak,
    password: ionapi.sask,
    client_id: ionapi.ci,
    client_secret: ionapi.cs,
    ...overrides,
  });
}

export async function startCloudSuite(tenant: Partial<TenantOptions> = {}): Promise<CloudSuiteSession> {
  const sim = buildCloudSuiteSimulator({ records: 1000, seed: 7 });
  const t = sim.addTenant({ tenantId: 'ACME_TST', ...tenant });
  await sim.app.listen({ port: 0, host: '127.0.0.1' });
  const ionapi = sim.ionapiFileFor(t.tenantId);
  const tokenUrl = ionapi.pu + ionapi.ot;
  let cached: string | undefined;
  const session: CloudSuiteSession = {
    sim,
    ionapi,
    tokenUrl,
    async token() {
      if (cached) return cached;
      const res = await fetch(tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: passwordGrantBody(ionapi),
      });
      if (res.status !== 200) throw new Error(`token request failed: ${res.status}`);
      cached = ((await res.json()) as { access_token: string }).access_token;
      return cached;
    },
    async get(path, init = {}) {
      const token = init.token === undefined ? await session.token() : init.token;
      const headers: Record<string, string> = { ...(init.headers ?? {}) };
      if (token) headers.authorization = `Bearer ${token}`;
      return fetch(`${ionapi.iu}/${ionapi.ti}${path}`, { headers });
    },
    async mi(programTransaction, params = {}) {
      const qs = new URLSearchParams(params).toString();
      return session.get(`/M3/m3api-rest/v2/execute/${programTransaction}${qs ? `?${qs}` : ''}`);
    },
    close: () => sim.close(),
  };
  return session;
}

import type { AddAccountOptions } from '../../packages/simulators/src/zendesk/account-state.ts';
import {
  buildZendeskSimulator,
  type ZendeskSimulator,
} from '../../packages/simulators/src/zendesk/zendesk-simulator.ts';

// Starts a simulator on port 0 with one account and hands out an authenticated JSON client for it.
export interface ZendeskHarness {
  simulator: ZendeskSimulator;
  base: string;
  token: string;
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse>;
  waitForJob(id: string): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

export const CLIENT = { identifier: 'loader', secret: 'loader-secret' };

export async function requestJson(
  url: string,
  method: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<ApiResponse> {
  const response = await fetch(url, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : {} };
}

export async function startZendesk(options: Partial<AddAccountOptions> = {}): Promise<ZendeskHarness> {
  const simulator = buildZendeskSimulator({
    accounts: [{ subdomain: 'acme', oauthClients: [CLIENT], jobQueuedMs: 5, jobWorkingMs: 5, ...options }],
  });
  await simulator.listen();
  const base = simulator.baseUrl('acme');
  const grant = await requestJson(`${base}/oauth/tokens`, 'POST', {
    grant_type: 'client_credentials',
    client_id: CLIENT.identifier,
    client_secret: CLIENT.secret,
    scope: 'read write',
  });
  const token = String(grant.body.access_token);
  const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    requestJson(`${base}${path}`, method, body, { authorization: `Bearer ${token}`, ...headers });
  return {
    simulator,
    base,
    token,
    call,
    async waitForJob(id) {
      for (let attempt = 0; attempt < 200; attempt += 1) {
        const { body } = await call('GET', `/api/v2/job_statuses/${id}.json`);
        const job = body.job_status as Record<string, unknown>;
        if (job.status === 'completed' || job.status === 'failed') return job;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      throw new Error(`job ${id} did not finish`);
    },
    close: () => simulator.close(),
  };
}

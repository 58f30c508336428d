/**
 * The two simulators as child processes (so they do not share the pipeline's event loop), started once
 * per bench run; every scenario creates its own CloudSuite tenants and Zendesk accounts on them, and reads
 * their request logs by tenant/account, so scenarios do not see each other's traffic.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ChildProcessGroup } from '../scripts/start/child-process-group.ts';
import { startSimulators } from '../scripts/start/connector-stack.ts';

const REPO_ROOT = resolve(import.meta.dirname, '..');

/** One line of the Zendesk simulator's request log (routing facts only). */
export interface ZendeskLogEntry {
  time: string;
  account: string | null;
  method: string;
  path: string;
  route: string;
  status: number;
}

/** One line of the CloudSuite simulator's request log. */
export interface IonLogEntry {
  seq: number;
  timestamp: string;
  method: string;
  path: string;
  tenant: string | null;
  status: number;
  program: string | null;
  transaction: string | null;
}

export interface BenchSimulators {
  cloudSuiteUrl: string;
  zendeskUrl: string;
  logDir: string;
  addCloudSuiteTenant(options: {
    tenantId: string;
    records: number;
    rpm?: number;
  }): Promise<{ counts: Record<string, number>; ionapi: Record<string, unknown> }>;
  mutate(tenantId: string, entity: string, change: number): Promise<void>;
  addZendeskAccount(options: {
    subdomain: string;
    rpm: number;
    oauth: { identifier: string; secret: string };
  }): Promise<void>;
  zendeskAccountUrl(subdomain: string): string;
  zendeskRequests(subdomain: string): Promise<ZendeskLogEntry[]>;
  ionRequests(tenantId: string, sinceSeq?: number): Promise<IonLogEntry[]>;
  clearZendeskRequests(): Promise<void>;
  stop(): Promise<void>;
}

async function call<T>(method: string, url: string, body?: unknown): Promise<T> {
  const response = await fetch(url, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(60_000),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${url} answered ${response.status}: ${text.slice(0, 300)}`);
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

export async function startBenchSimulators(): Promise<BenchSimulators> {
  const logDir = mkdtempSync(join(tmpdir(), 'mlc-bench-'));
  const group = new ChildProcessGroup({ cwd: REPO_ROOT, logDir });
  try {
    const sims = await startSimulators(group, { records: 10 });
    const { cloudSuiteUrl, zendeskUrl } = sims;
    return {
      cloudSuiteUrl,
      zendeskUrl,
      logDir,
      async addCloudSuiteTenant({ tenantId, records, rpm }) {
        const created = await call<{ counts: Record<string, number>; ionapi: Record<string, unknown> }>(
          'POST',
          `${cloudSuiteUrl}/__sim/tenants`,
          { tenantId, records, rpm: rpm ?? 0 },
        );
        return created;
      },
      async mutate(tenantId, entity, change) {
        await call(
          'POST',
          `${cloudSuiteUrl}/__sim/tenants/${encodeURIComponent(tenantId)}/entities/${encodeURIComponent(entity)}/mutations`,
          { change },
        );
      },
      async addZendeskAccount({ subdomain, rpm, oauth }) {
        await call('POST', `${zendeskUrl}/__sim/accounts`, {
          subdomain,
          plan: 'enterprise_plus',
          rpm,
          oauthClients: [oauth],
          jobQueuedMs: 0,
          jobWorkingMs: 0,
        });
      },
      zendeskAccountUrl: (subdomain) => `${zendeskUrl}/__account/${subdomain}`,
      async zendeskRequests(subdomain) {
        const answer = await call<{ requests: ZendeskLogEntry[] }>(
          'GET',
          `${zendeskUrl}/__sim/requests?account=${encodeURIComponent(subdomain)}`,
        );
        return answer.requests;
      },
      async ionRequests(tenantId, sinceSeq) {
        const query = new URLSearchParams({ tenant: tenantId, ...(sinceSeq ? { sinceSeq: String(sinceSeq) } : {}) });
        const answer = await call<{ requests: IonLogEntry[] }>('GET', `${cloudSuiteUrl}/__sim/requests?${query}`);
        return answer.requests;
      },
      async clearZendeskRequests() {
        await call('DELETE', `${zendeskUrl}/__sim/requests`);
      },
      stop: () => group.stopAll(10_000),
    };
  } catch (error) {
    await group.stopAll(5000);
    throw error;
  }
}

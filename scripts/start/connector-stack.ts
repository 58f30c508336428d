/**
 * Starts the product as separate processes: the two simulators and the three services, each with its log
 * file, each waited for until it answers. Used by `npm start` and by the end-to-end tests, so both run the
 * same thing the same way.
 */
import type { ChildProcessGroup, ManagedChild } from './child-process-group.ts';
import { freePort } from './free-port.ts';
import { waitForHttp } from './http-readiness.ts';

export const SERVICE_NAMES = ['admin-api', 'extractor', 'loader'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export interface InfraEnv {
  KAFKA_BROKERS: string;
  SCHEMA_REGISTRY_URL: string;
  DATABASE_URL: string;
}

export interface SimulatorOptions {
  /** Records per CloudSuite tenant dataset. */
  records: number;
  seed?: number;
  /** CloudSuite tenants created at start (ION ids such as DEMO_TST); more can be added over /__sim. */
  cloudSuiteTenants?: readonly string[];
  cloudSuitePort?: number;
  zendeskPort?: number;
  readyTimeoutMs?: number;
}

export interface Simulators {
  cloudSuiteUrl: string;
  zendeskUrl: string;
  children: ManagedChild[];
}

export async function startSimulators(group: ChildProcessGroup, options: SimulatorOptions): Promise<Simulators> {
  const cloudSuitePort = options.cloudSuitePort ?? (await freePort());
  const zendeskPort = options.zendeskPort ?? (await freePort());
  const cloudSuite = group.start({
    name: 'cloudsuite-simulator',
    script: 'packages/simulators/src/cloudsuite/main.ts',
    args: [
      '--port',
      String(cloudSuitePort),
      '--records',
      String(options.records),
      '--seed',
      String(options.seed ?? 42),
      '--tenants',
      (options.cloudSuiteTenants ?? []).join(','),
    ],
  });
  const zendesk = group.start({
    name: 'zendesk-simulator',
    script: 'packages/simulators/src/zendesk/main.ts',
    args: ['--port', String(zendeskPort)],
  });
  const cloudSuiteUrl = `http://127.0.0.1:${cloudSuitePort}`;
  const zendeskUrl = `http://127.0.0.1:${zendeskPort}`;
  const timeoutMs = options.readyTimeoutMs ?? 60_000;
  await Promise.all([
    waitForHttp({ urls: [`${cloudSuiteUrl}/__sim/tenants`], child: cloudSuite, timeoutMs }),
    waitForHttp({ urls: [`${zendeskUrl}/__sim/accounts`], child: zendesk, timeoutMs }),
  ]);
  return { cloudSuiteUrl, zendeskUrl, children: [cloudSuite, zendesk] };
}

export interface ServiceOptions {
  infra: InfraEnv;
  /** PostgreSQL schema of the connector tables (an e2e test uses its own). */
  databaseSchema?: string;
  masterKeys: string;
  bootstrapToken: string;
  /** Where every tenant's Zendesk answers: `{subdomain}` is replaced (the simulator's account prefix). */
  zendeskBaseUrlTemplate?: string;
  loaderGroupId?: string;
  /** Test isolation: prepended to every topic name, where the services support it. */
  topicPrefix?: string;
  adminApiPort?: number;
  logLevel?: string;
  /** Extra variables for every service (e.g. faster polls in tests). */
  env?: Readonly<Record<string, string>>;
  readyTimeoutMs?: number;
  services?: readonly ServiceName[];
}

export interface RunningService {
  name: ServiceName;
  child: ManagedChild;
  metricsUrl: string;
}

export interface Services {
  adminUrl: string;
  services: Partial<Record<ServiceName, RunningService>>;
}

const SERVICE_SCRIPTS: Record<ServiceName, string> = {
  'admin-api': 'services/admin-api/src/main.ts',
  extractor: 'services/extractor/src/main.ts',
  loader: 'services/loader/src/main.ts',
};

/** Starts one service and waits until its /readyz (on the metrics port, or the admin API's own port) is 2xx. */
export async function startService(
  group: ChildProcessGroup,
  name: ServiceName,
  options: ServiceOptions,
  adminApiPort: number,
): Promise<RunningService> {
  const metricsPort = await freePort();
  const env: Record<string, string> = {
    ...options.infra,
    DATABASE_SCHEMA: options.databaseSchema ?? 'public',
    MLC_MASTER_KEYS: options.masterKeys,
    METRICS_PORT: String(metricsPort),
    LOG_LEVEL: options.logLevel ?? 'info',
    ...(options.zendeskBaseUrlTemplate ? { ZENDESK_BASE_URL_TEMPLATE: options.zendeskBaseUrlTemplate } : {}),
    ...(options.topicPrefix ? { TOPIC_PREFIX: options.topicPrefix } : {}),
    ...(options.loaderGroupId ? { LOADER_GROUP_ID: options.loaderGroupId } : {}),
    ...(name === 'admin-api'
      ? {
          ADMIN_API_PORT: String(adminApiPort),
          ADMIN_API_HOST: '127.0.0.1',
          ADMIN_BOOTSTRAP_TOKEN: options.bootstrapToken,
        }
      : {}),
    ...options.env,
  };
  const child = group.start({ name, script: SERVICE_SCRIPTS[name], env });
  const metricsUrl = `http://127.0.0.1:${metricsPort}`;
  const urls = [`${metricsUrl}/readyz`];
  if (name === 'admin-api') urls.push(`http://127.0.0.1:${adminApiPort}/readyz`);
  await waitForHttp({ urls, child, timeoutMs: options.readyTimeoutMs ?? 90_000 });
  return { name, child, metricsUrl };
}

export async function startServices(group: ChildProcessGroup, options: ServiceOptions): Promise<Services> {
  const adminApiPort = options.adminApiPort ?? (await freePort());
  const names = options.services ?? SERVICE_NAMES;
  // The admin API first: it runs the migrations the other two would otherwise race to run.
  const services: Services['services'] = {};
  const ordered = [...names].sort((a, b) => Number(b === 'admin-api') - Number(a === 'admin-api'));
  const [first, ...rest] = ordered;
  if (first !== undefined) services[first] = await startService(group, first, options, adminApiPort);
  const started = await Promise.all(rest.map((name) => startService(group, name, options, adminApiPort)));
  for (const service of started) services[service.name] = service;
  return { adminUrl: `http://127.0.0.1:${adminApiPort}`, services };
}

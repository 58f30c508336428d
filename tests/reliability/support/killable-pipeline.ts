/**
 * The product as separate processes for reliability and security suites: both simulators and the three
 * services (the `npm start` launcher), in a fresh PostgreSQL schema, with its own topic prefix (so every
 * topic it writes can be read back whole and deleted afterwards) and its own loader consumer group. Unlike
 * the e2e pipeline it can SIGKILL and restart a service, and hands out what a suite needs to inspect.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { AdminApiClient } from '../../../packages/cli/src/admin-api-client.ts';
import { adminApi } from '../../../packages/cli/src/admin-api-operations.ts';
import { ChildProcessGroup } from '../../../scripts/start/child-process-group.ts';
import {
  type InfraEnv,
  type RunningService,
  type ServiceName,
  type ServiceOptions,
  startService,
  startSimulators,
} from '../../../scripts/start/connector-stack.ts';
import { freePort } from '../../../scripts/start/free-port.ts';
import { cloudSuiteSim, zendeskSim } from '../../../scripts/start/simulator-control.ts';
import { provisionDefaultMapping } from '../../../scripts/start/zendesk-default-provisioning.ts';
import { createIsolatedDatabaseSchema, type IsolatedDatabaseSchema } from '../../support/isolated-database-schema.ts';
import { deletePrefixedTopics, listPrefixedTopics } from '../../support/prefixed-topics.ts';
import { databaseUrl, kafkaBrokers, schemaRegistryUrl } from '../../support/test-env.ts';
import { uniqueName } from '../../support/unique-name.ts';

export const ENTITIES = ['supplier', 'customer', 'invoice', 'purchase-order', 'gl-account'] as const;
const REPO_ROOT = resolve(import.meta.dirname, '..', '..', '..');

export interface PipelineTenant {
  tenantId: string;
  ionTenant: string;
  subdomain: string;
  oauth: { identifier: string; secret: string };
  ionapi: Record<string, unknown>;
  /** Records per entity in the CloudSuite dataset. */
  counts: Record<string, number>;
}

export interface TenantOptions {
  tenantId?: string;
  ionTenant?: string;
  scheduleCron?: string;
  zendeskPlan?: string;
  ionRpm?: number;
  zendeskPlanRpm?: string | number;
  zendeskShare?: number;
  /** Zendesk account options passed to the simulator (job timings, rate limits). */
  account?: Record<string, unknown>;
  /** The ERP (default m3); a csi tenant names the simulator's Mongoose configuration. */
  product?: 'm3' | 'csi';
}

export interface KillablePipeline {
  api: AdminApiClient;
  /** Where the services find Kafka, the registry and PostgreSQL. */
  infra: InfraEnv;
  adminToken: string;
  /** MLC_MASTER_KEYS as handed to the services (`id:base64key`). */
  masterKeys: string;
  cloudSuiteUrl: string;
  zendeskUrl: string;
  schema: IsolatedDatabaseSchema;
  topicPrefix: string;
  logDir: string;
  services: Record<ServiceName, RunningService>;
  registerTenant(options?: TenantOptions): Promise<PipelineTenant>;
  /** SIGKILLs the service's whole process group and waits until it is gone. */
  kill(name: ServiceName): Promise<void>;
  /** Starts the service again (same settings, new metrics port) and waits until it is ready. */
  restart(name: ServiceName): Promise<RunningService>;
  /** Every log file the processes wrote. */
  logFiles(): string[];
  /** Topics of this pipeline (the ones under its prefix). */
  topics(): Promise<string[]>;
  logTails(lines?: number): string;
  stop(): Promise<void>;
}

export interface KillablePipelineOptions {
  records: number;
  /** Extra environment for every service. */
  env?: Record<string, string>;
  /** Servers other than the shared ones given by the test env (e.g. a private broker a suite restarts). */
  infra?: Partial<InfraEnv>;
  /** Simulators the caller runs (e.g. in-process, to see the tokens they issue); default: child processes. */
  simulators?: { cloudSuiteUrl: string; zendeskUrl: string };
}

export { listPrefixedTopics } from '../../support/prefixed-topics.ts';

export async function startKillablePipeline(options: KillablePipelineOptions): Promise<KillablePipeline> {
  const logDir = mkdtempSync(join(tmpdir(), 'mlc-reliability-'));
  const group = new ChildProcessGroup({ cwd: REPO_ROOT, logDir });
  const infra: InfraEnv = {
    KAFKA_BROKERS: kafkaBrokers().join(','),
    SCHEMA_REGISTRY_URL: schemaRegistryUrl(),
    DATABASE_URL: databaseUrl(),
    ...options.infra,
  };
  const brokers = infra.KAFKA_BROKERS.split(',');
  const schema = await createIsolatedDatabaseSchema('rel', infra.DATABASE_URL);
  const topicPrefix = `${uniqueName('rel')}.`;
  const stop = async () => {
    await group.stopAll(10_000);
    await schema.drop().catch(() => undefined);
    await deletePrefixedTopics(topicPrefix, brokers);
  };
  try {
    const sims = options.simulators ?? (await startSimulators(group, { records: options.records }));
    const adminToken = randomBytes(32).toString('base64url');
    const serviceOptions: ServiceOptions = {
      infra,
      databaseSchema: schema.schema,
      masterKeys: `rel:${randomBytes(32).toString('base64')}`,
      bootstrapToken: adminToken,
      loaderGroupId: uniqueName('rel_loader'),
      topicPrefix,
      zendeskBaseUrlTemplate: `${sims.zendeskUrl}/__account/{subdomain}`,
      env: { LOADER_LINGER_MS: '200', LOADER_JOB_POLL_INTERVAL_MS: '100', ...options.env },
    };
    const adminApiPort = await freePort();
    // The admin API first: it runs the migrations the other two would otherwise race to run.
    const adminService = await startService(group, 'admin-api', serviceOptions, adminApiPort);
    const [extractor, loader] = await Promise.all([
      startService(group, 'extractor', serviceOptions, adminApiPort),
      startService(group, 'loader', serviceOptions, adminApiPort),
    ]);
    const services: Record<ServiceName, RunningService> = { 'admin-api': adminService, extractor, loader };
    const api = new AdminApiClient({ baseUrl: `http://127.0.0.1:${adminApiPort}`, token: adminToken });
    return {
      api,
      infra,
      adminToken,
      masterKeys: serviceOptions.masterKeys,
      cloudSuiteUrl: sims.cloudSuiteUrl,
      zendeskUrl: sims.zendeskUrl,
      schema,
      topicPrefix,
      logDir,
      services,
      async registerTenant(tenantOptions = {}) {
        const suffix = randomBytes(4).toString('hex');
        const tenantId = tenantOptions.tenantId ?? `rel-${suffix}`;
        const ionTenant = tenantOptions.ionTenant ?? `REL${suffix.toUpperCase()}_TST`;
        const subdomain = `rel-${suffix}`;
        const oauth = { identifier: `rel-client-${suffix}`, secret: `zd-secret-${randomBytes(16).toString('hex')}` };
        const product = tenantOptions.product ?? 'm3';
        const created = await cloudSuiteSim.addTenant(sims.cloudSuiteUrl, {
          tenantId: ionTenant,
          records: options.records,
          product,
        });
        await zendeskSim.addAccount(sims.zendeskUrl, {
          subdomain,
          plan: tenantOptions.zendeskPlan ?? 'enterprise_plus',
          oauthClients: [oauth],
          jobQueuedMs: 0,
          jobWorkingMs: 0,
          ...tenantOptions.account,
        });
        const accountUrl = zendeskSim.accountUrl(sims.zendeskUrl, subdomain);
        const ionapi = created.ionapi ?? (await cloudSuiteSim.ionapi(sims.cloudSuiteUrl, ionTenant));
        await adminApi.addTenant(api, {
          id: tenantId,
          name: `reliability ${suffix}`,
          product,
          ...(product === 'm3' ? { m3: { company: '100' } } : { csi: { mongooseConfig: created.mongooseConfig } }),
          ionapi,
          zendesk: {
            subdomain,
            baseUrl: accountUrl,
            oauth: { clientId: oauth.identifier, clientSecret: oauth.secret },
          },
          rateLimits: {
            ionRpm: tenantOptions.ionRpm ?? 500,
            zendeskPlanRpm: tenantOptions.zendeskPlanRpm ?? 'enterprise_plus',
            zendeskShare: tenantOptions.zendeskShare ?? 1,
          },
          ...(tenantOptions.scheduleCron ? { schedule: { cron: tenantOptions.scheduleCron, timeZone: 'UTC' } } : {}),
        });
        await provisionDefaultMapping(accountUrl, oauth);
        return { tenantId, ionTenant, subdomain, oauth, ionapi, counts: created.counts };
      },
      async kill(name) {
        const child = services[name].child;
        if (child.exitInfo !== undefined) return;
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
        await child.exited;
      },
      async restart(name) {
        services[name] = await startService(group, name, serviceOptions, adminApiPort);
        return services[name];
      },
      logFiles: () => readdirSync(logDir).map((file) => join(logDir, file)),
      topics: () => listPrefixedTopics(topicPrefix, brokers),
      logTails: (lines = 20) =>
        group.children
          .filter((child) => child.exitInfo === undefined)
          .map((child) => `--- ${child.name} (${child.logFile}) ---\n${child.logTail(lines)}`)
          .join('\n'),
      stop,
    };
  } catch (error) {
    process.stderr.write(`pipeline start failed; logs in ${logDir}\n`);
    await stop();
    throw error;
  }
}

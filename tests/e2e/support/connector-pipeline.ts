/**
 * The product as separate processes for an end-to-end test: both simulators and the three services (the
 * same launcher as `npm start`), in a fresh PostgreSQL schema, with a unique loader consumer group, against
 * the Kafka, registry and PostgreSQL the test runner names (KAFKA_BROKERS, SCHEMA_REGISTRY_URL, DATABASE_URL).
 * Every process is stopped, the schema dropped and the run's prefixed Kafka topics deleted when the suite
 * ends, also on failure; on failure each process's log tail is printed.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { AdminApiClient } from '../../../packages/cli/src/admin-api-client.ts';
import { adminApi } from '../../../packages/cli/src/admin-api-operations.ts';
import { waitForRunOfRequest } from '../../../packages/cli/src/run-request-tracking.ts';
import { ChildProcessGroup } from '../../../scripts/start/child-process-group.ts';
import { startServices, startSimulators } from '../../../scripts/start/connector-stack.ts';
import { cloudSuiteSim, zendeskSim } from '../../../scripts/start/simulator-control.ts';
import { type SyncOutcome, watchSync } from '../../../scripts/start/sync-watch.ts';
import { createIsolatedDatabaseSchema, type IsolatedDatabaseSchema } from '../../support/isolated-database-schema.ts';
import { deletePrefixedTopics } from '../../support/prefixed-topics.ts';
import { databaseUrl, kafkaBrokers, schemaRegistryUrl } from '../../support/test-env.ts';
import { uniqueName } from '../../support/unique-name.ts';

export const ENTITIES = ['supplier', 'customer', 'invoice', 'purchase-order', 'gl-account'] as const;
const REPO_ROOT = resolve(import.meta.dirname, '..', '..', '..');

export interface E2eTenant {
  tenantId: string;
  ionTenant: string;
  subdomain: string;
  /** Records per entity in the CloudSuite dataset. */
  counts: Record<string, number>;
}

export interface ConnectorPipeline {
  api: AdminApiClient;
  cloudSuiteUrl: string;
  zendeskUrl: string;
  schema: IsolatedDatabaseSchema;
  logDir: string;
  /** Prepended to every topic of this run (deleted by `stop`). */
  topicPrefix: string;
  /** `m3`: extra M3 settings such as `{ deletes: true }` (company 100 is always set). */
  registerTenant(options?: {
    paused?: boolean;
    scheduleCron?: string;
    m3?: Record<string, unknown>;
  }): Promise<E2eTenant>;
  /** Requests a run and follows it until the run finished and Zendesk stopped changing. */
  sync(tenant: E2eTenant, timeoutMs?: number): Promise<SyncOutcome & { runId: string }>;
  /** Prints the end of every process log (for a failed test). */
  logTails(): string;
  stop(): Promise<void>;
}

/** The Zendesk OAuth client of every e2e account (tests also act as an agent with it). */
export const E2E_ZENDESK_OAUTH = { identifier: 'e2e-client', secret: 'e2e-client-secret' };
const OAUTH = E2E_ZENDESK_OAUTH;

/** `env`: extra variables for the three services (e.g. a short loader schedule a test waits on). */
export async function startConnectorPipeline(options: {
  records: number;
  env?: Readonly<Record<string, string>>;
}): Promise<ConnectorPipeline> {
  const logDir = mkdtempSync(join(tmpdir(), 'mlc-e2e-'));
  const group = new ChildProcessGroup({ cwd: REPO_ROOT, logDir });
  const schema = await createIsolatedDatabaseSchema('e2e');
  const topicPrefix = `${uniqueName('e2e')}.`;
  const stop = async () => {
    await group.stopAll(15_000);
    await schema.drop().catch(() => undefined);
    await deletePrefixedTopics(topicPrefix);
  };
  try {
    const sims = await startSimulators(group, { records: options.records });
    const bootstrapToken = randomBytes(32).toString('base64url');
    const services = await startServices(group, {
      infra: {
        KAFKA_BROKERS: kafkaBrokers().join(','),
        SCHEMA_REGISTRY_URL: schemaRegistryUrl(),
        DATABASE_URL: databaseUrl(),
      },
      databaseSchema: schema.schema,
      masterKeys: `e2e:${randomBytes(32).toString('base64')}`,
      bootstrapToken,
      loaderGroupId: uniqueName('e2e_loader'),
      topicPrefix,
      zendeskBaseUrlTemplate: `${sims.zendeskUrl}/__account/{subdomain}`,
      env: { LOADER_LINGER_MS: '200', LOADER_JOB_POLL_INTERVAL_MS: '100', ...options.env },
    });
    const api = new AdminApiClient({ baseUrl: services.adminUrl, token: bootstrapToken });
    return {
      api,
      cloudSuiteUrl: sims.cloudSuiteUrl,
      zendeskUrl: sims.zendeskUrl,
      schema,
      logDir,
      topicPrefix,
      async registerTenant(tenantOptions = {}) {
        const suffix = randomBytes(4).toString('hex');
        const tenant = {
          tenantId: `e2e-${suffix}`,
          ionTenant: `E2E${suffix.toUpperCase()}_TST`,
          subdomain: `e2e-${suffix}`,
        };
        const created = await cloudSuiteSim.addTenant(sims.cloudSuiteUrl, {
          tenantId: tenant.ionTenant,
          records: options.records,
        });
        await zendeskSim.addAccount(sims.zendeskUrl, {
          subdomain: tenant.subdomain,
          plan: 'enterprise_plus',
          oauthClients: [OAUTH],
          jobQueuedMs: 0,
          jobWorkingMs: 0,
        });
        const accountUrl = zendeskSim.accountUrl(sims.zendeskUrl, tenant.subdomain);
        await adminApi.addTenant(api, {
          id: tenant.tenantId,
          name: `e2e ${suffix}`,
          product: 'm3',
          // The CLI's registration type names only company and division; the admin API validates the rest.
          m3: { ...tenantOptions.m3, company: '100' } as { company: string },
          ionapi: created.ionapi ?? (await cloudSuiteSim.ionapi(sims.cloudSuiteUrl, tenant.ionTenant)),
          zendesk: {
            subdomain: tenant.subdomain,
            baseUrl: accountUrl,
            oauth: { clientId: OAUTH.identifier, clientSecret: OAUTH.secret },
          },
          rateLimits: { ionRpm: 500, zendeskPlanRpm: 'enterprise_plus', zendeskShare: 1 },
          ...(tenantOptions.scheduleCron ? { schedule: { cron: tenantOptions.scheduleCron, timeZone: 'UTC' } } : {}),
          ...(tenantOptions.paused ? { status: 'paused' as const } : {}),
        });
        await adminApi.provision(api, tenant.tenantId, false);
        return { ...tenant, counts: created.counts };
      },
      async sync(tenant, timeoutMs = 90_000) {
        const request = await adminApi.requestRun(api, tenant.tenantId);
        const runId = await waitForRunOfRequest(api, request, { timeoutMs: 30_000 });
        if (runId === undefined) throw new Error(`no run started for request ${String(request.requestId)}`);
        const outcome = await watchSync({
          api,
          runId,
          tenantId: tenant.tenantId,
          zendeskUrl: sims.zendeskUrl,
          subdomain: tenant.subdomain,
          entities: ENTITIES,
          timeoutMs,
          settleMs: 3000,
          intervalMs: 500,
        });
        return { ...outcome, runId };
      },
      logTails: () =>
        group.children.map((child) => `--- ${child.name} (${child.logFile}) ---\n${child.logTail(20)}`).join('\n'),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

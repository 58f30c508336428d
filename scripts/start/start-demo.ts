/**
 * `npm start`: the whole product on one command. Local Kafka + registry (+ PostgreSQL), both simulators with
 * the distributor dataset, the three services as separate processes (logs in .data/logs), a demo tenant
 * registered through the admin API, its Zendesk provisioned, one sync followed to Zendesk with per-entity
 * progress, a summary of where to look; then it keeps running on the tenant's schedule until Ctrl-C.
 * `--once` (or MLC_START_ONCE=1) stops after the first sync: exit 0 when every entity landed.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { AdminApiClient } from '../../packages/cli/src/admin-api-client.ts';
import { adminApi } from '../../packages/cli/src/admin-api-operations.ts';
import type { EntityProgress } from '../../packages/cli/src/run-progress.ts';
import { waitForRunOfRequest } from '../../packages/cli/src/run-request-tracking.ts';
import { ChildProcessGroup } from './child-process-group.ts';
import { type InfraEnv, startServices, startSimulators } from './connector-stack.ts';
import { loadOrCreateDevSecrets, secretHint } from './dev-secrets.ts';
import { cloudSuiteSim, zendeskSim } from './simulator-control.ts';
import { watchSync } from './sync-watch.ts';

const ENTITIES = ['supplier', 'customer', 'invoice', 'purchase-order', 'gl-account'] as const;
const DEMO = {
  tenantId: 'demo',
  ionTenant: 'DEMO_TST',
  subdomain: 'demo-distributor',
  oauthClient: { identifier: 'mlc-demo-client', secret: 'demo-client-secret-not-for-production' },
  schedule: '*/10 * * * *',
  /**
   * The simulators keep their data in memory, so every start meets an empty CloudSuite and Zendesk: the demo's
   * connector state (tenants, watermarks, posting history) lives in a schema of its own that each start resets.
   */
  databaseSchema: 'mlc_demo',
};

async function resetDemoSchema(databaseUrl: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.query(`CREATE SCHEMA ${schema}`);
  } finally {
    await client.end();
  }
}

interface InfraStack {
  ensureInfra(options: { log: (line: string) => void }): Promise<{
    env: InfraEnv;
    started: { kafka: boolean; registry: boolean };
    elapsedMs: number;
  }>;
  stopInfra(options: { which: { kafka: boolean; registry: boolean }; log: (line: string) => void }): Promise<void>;
}

const repoRoot = resolve(import.meta.dirname, '..', '..');
const startedAt = Date.now();
const elapsed = () => `${((Date.now() - startedAt) / 1000).toFixed(0).padStart(4)}s`;
const say = (line: string) => process.stdout.write(`${elapsed()}  ${line}\n`);

function progressLine(row: EntityProgress): string {
  return (
    `${row.entity.padEnd(15)} ${row.status.padEnd(10)} extracted ${String(row.extracted).padStart(5)}  ` +
    `published ${String(row.published).padStart(5)}  loaded ${String(row.loaded ?? 0).padStart(5)}  ` +
    `unchanged ${String(row.unchanged).padStart(5)}  failed ${row.failed}`
  );
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      once: { type: 'boolean', default: process.env.MLC_START_ONCE === '1' },
      records: { type: 'string', default: process.env.MLC_START_RECORDS ?? '2000' },
      'admin-port': { type: 'string', default: process.env.ADMIN_API_PORT ?? '3000' },
    },
  });
  const records = Number(values.records);
  const dataDir = join(repoRoot, '.data');
  const logDir = join(dataDir, 'logs');
  mkdirSync(logDir, { recursive: true });

  const group = new ChildProcessGroup({ cwd: repoRoot, logDir });
  const infraPath = new URL('../infra/infra-stack.mjs', import.meta.url).href;
  const infraStack = (await import(infraPath)) as InfraStack;
  let infraStarted = { kafka: false, registry: false };
  let stopping: Promise<void> | undefined;
  const stopEverything = () => {
    stopping ??= (async () => {
      say('stopping services and simulators…');
      await group.stopAll();
      if (infraStarted.kafka || infraStarted.registry) {
        await infraStack.stopInfra({ which: infraStarted, log: (line) => say(`  ${line}`) });
      }
      say('stopped.');
    })();
    return stopping;
  };
  // Ctrl-C at any moment, not only once everything runs: stop what has started, then leave with 0.
  const signalled = new Promise<void>((resolveSignal) => {
    process.once('SIGINT', () => resolveSignal());
    process.once('SIGTERM', () => resolveSignal());
  });
  void signalled.then(async () => {
    await stopEverything();
    process.exit(0);
  });

  try {
    say('ml-connector: starting the local stack (Kafka, schema registry, PostgreSQL)…');
    const infra = await infraStack.ensureInfra({ log: (line) => say(`  ${line}`) });
    infraStarted = infra.started;
    const secrets = loadOrCreateDevSecrets(dataDir);
    say(
      `dev secrets (${secrets.source}${secrets.source === 'environment' ? '' : `, ${secrets.file}`}): ` +
        `master key ${secretHint(secrets.masterKeys)}, admin token ${secretHint(secrets.bootstrapToken)}`,
    );

    say(`starting the simulators (distributor dataset, ${records} records)…`);
    const sims = await startSimulators(group, { records, cloudSuiteTenants: [DEMO.ionTenant] });
    say(`  CloudSuite simulator ${sims.cloudSuiteUrl}   Zendesk simulator ${sims.zendeskUrl}`);

    say(`starting admin-api, extractor and loader (PostgreSQL schema ${DEMO.databaseSchema}, reset)…`);
    await resetDemoSchema(infra.env.DATABASE_URL, DEMO.databaseSchema);
    const stack = await startServices(group, {
      infra: infra.env,
      databaseSchema: DEMO.databaseSchema,
      masterKeys: secrets.masterKeys,
      bootstrapToken: secrets.bootstrapToken,
      zendeskBaseUrlTemplate: `${sims.zendeskUrl}/__account/{subdomain}`,
      adminApiPort: Number(values['admin-port']),
    });
    say(`  admin API ${stack.adminUrl}; logs in ${logDir}`);
    const api = new AdminApiClient({ baseUrl: stack.adminUrl, token: secrets.bootstrapToken });

    say(`registering the demo tenant "${DEMO.tenantId}" through the admin API…`);
    const zendeskUrl = zendeskSim.accountUrl(sims.zendeskUrl, DEMO.subdomain);
    await zendeskSim
      .addAccount(sims.zendeskUrl, { subdomain: DEMO.subdomain, plan: 'enterprise', oauthClients: [DEMO.oauthClient] })
      .catch((error: Error) => {
        if (!/exists/.test(error.message)) throw error;
      });
    const ionapi = await cloudSuiteSim.ionapi(sims.cloudSuiteUrl, DEMO.ionTenant);
    const settings = {
      name: 'Demo Distributor (simulated)',
      product: 'm3' as const,
      m3: { company: '100' },
      ionapi,
      zendesk: {
        subdomain: DEMO.subdomain,
        baseUrl: zendeskUrl,
        oauth: { clientId: DEMO.oauthClient.identifier, clientSecret: DEMO.oauthClient.secret },
      },
      rateLimits: { zendeskPlanRpm: 'enterprise' },
      schedule: { cron: DEMO.schedule, timeZone: 'UTC' },
    };
    await adminApi.addTenant(api, { id: DEMO.tenantId, ...settings });

    const provisioned = await adminApi.provision(api, DEMO.tenantId, false);
    say(
      `  Zendesk provisioned through the admin API: ${(provisioned.created as unknown[]).length} created, ${(provisioned.existing as unknown[]).length} existing`,
    );

    say('first sync: CloudSuite → extractor → Kafka → loader → Zendesk');
    const request = await adminApi.requestRun(api, DEMO.tenantId);
    const runId = await waitForRunOfRequest(api, request, { timeoutMs: 60_000 });
    if (runId === undefined) throw new Error('the extractor did not pick up the run request within 60 s');
    const outcome = await watchSync({
      api,
      runId,
      tenantId: DEMO.tenantId,
      zendeskUrl: sims.zendeskUrl,
      subdomain: DEMO.subdomain,
      entities: ENTITIES,
      onProgress: (rows, run) => {
        say(`run ${runId.slice(0, 8)} ${String(run.status)}`);
        for (const row of rows) process.stdout.write(`        ${progressLine(row)}\n`);
      },
    });
    const complete = ENTITIES.every((entity) => (outcome.loaded.perEntity[entity] ?? 0) > 0);
    say(
      `${complete && !outcome.timedOut ? 'synced' : 'sync incomplete'}: run ${String(outcome.run.status)} in ` +
        `${(outcome.elapsedMs / 1000).toFixed(1)} s; in Zendesk: ` +
        `${ENTITIES.map((entity) => `${entity} ${outcome.loaded.perEntity[entity] ?? 0}`).join(', ')}; ` +
        `duplicates ${outcome.loaded.duplicates}`,
    );

    const state = await zendeskSim.state(sims.zendeskUrl, DEMO.subdomain);
    const invoice = state.customObjectRecords.mlc_invoice?.[0];
    process.stdout.write(`
Where to look
  admin API docs      ${stack.adminUrl}/docs
  admin token         in ${secrets.file} (bootstrapToken)
  CLI                 export MLC_ADMIN_URL=${stack.adminUrl} MLC_ADMIN_TOKEN=$(node -p "require('./.data/dev-secrets.json').bootstrapToken")
                      npx mlc runs list ${DEMO.tenantId}
  audit query         curl -s -H "authorization: Bearer $MLC_ADMIN_TOKEN" '${stack.adminUrl}/tenants/${DEMO.tenantId}/audit?entity=invoice&limit=5'
  Zendesk state       curl -s ${sims.zendeskUrl}/__sim/accounts/${DEMO.subdomain}/state
  an invoice record   ${invoice ? `${invoice.name} (${invoice.external_id}): ${JSON.stringify(invoice.custom_object_fields).slice(0, 240)}` : '(none yet)'}
  logs                ${logDir}
`);

    if (values.once) {
      await stopEverything();
      return complete && !outcome.timedOut ? 0 : 1;
    }
    say(`running on the tenant's schedule (${DEMO.schedule} UTC); Ctrl-C stops everything.`);
    await signalled;
    await stopEverything();
    return 0;
  } catch (error) {
    process.stderr.write(`\nnpm start failed: ${error instanceof Error ? error.message : String(error)}\n`);
    await stopEverything();
    return 1;
  }
}

process.exitCode = await main();

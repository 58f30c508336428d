/**
 * `npm run bench [-- --quick] [--only=throughput,budget,latency,tenants,scale] [--profile]
 * [--scale-records=N] [--throughput-records=N] [--baseline-records=N] [--stages-only]`: ensures Kafka, the registry and PostgreSQL,
 * starts the simulators, runs each scenario for the product and for the per-record baseline in the same
 * run, prints one JSON document and writes it to bench/results/<date>.json. Exits 1 when a ratio the
 * regression thresholds name is crossed (what CI runs with --quick).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { type BenchSimulators, startBenchSimulators } from './bench-simulators.ts';
import { regressionChecks } from './regression-thresholds.ts';
import { type ScenarioContext, scenarioContext } from './scenario-context.ts';
import { budgetUse } from './scenarios/budget-use.ts';
import { latency } from './scenarios/latency.ts';
import { scale } from './scenarios/scale.ts';
import { tenants } from './scenarios/tenants.ts';
import { throughputCostReplay } from './scenarios/throughput-cost-replay.ts';

interface InfraModules {
  settings: { KAFKA_VERSION: string; APICURIO_VERSION: string };
  stack: { ensureInfra(options: { log: (line: string) => void }): Promise<{ env: Record<string, string> }> };
}

// Plain .mjs scripts without type declarations, loaded the way scripts/start does.
async function infraModules(): Promise<InfraModules> {
  const settings = (await import(
    new URL('../scripts/infra/infra-settings.mjs', import.meta.url).href
  )) as InfraModules['settings'];
  const stack = (await import(
    new URL('../scripts/infra/infra-stack.mjs', import.meta.url).href
  )) as InfraModules['stack'];
  return { settings, stack };
}

const SCENARIOS: Record<string, (ctx: ScenarioContext) => Promise<unknown>> = {
  throughput: throughputCostReplay,
  budget: budgetUse,
  latency,
  tenants,
  scale,
};

function log(line: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

async function registryVersion(url: string): Promise<string | null> {
  const base = url.replace(/\/apis\/ccompat\/v\d+\/?$/, '');
  try {
    const response = await fetch(`${base}/apis/registry/v3/system/info`, { signal: AbortSignal.timeout(5000) });
    return ((await response.json()) as { version?: string }).version ?? null;
  } catch {
    return null;
  }
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const only = args
    .find((arg) => arg.startsWith('--only='))
    ?.slice('--only='.length)
    .split(',');
  const profile = args.includes('--profile');
  const numberArg = (name: string) => {
    const value = args.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
    return value === undefined ? undefined : Number(value);
  };
  // 1M at the loader's ~700 records/s is ~25 min on its own: the default keeps a full run within 40 min.
  const scaleRecords = numberArg('scale-records') ?? 500_000;
  const throughputRecords = numberArg('throughput-records');
  const baselineRecords = numberArg('baseline-records');
  const dir = join(import.meta.dirname, 'results');
  mkdirSync(dir, { recursive: true });
  const infraScripts = await infraModules();
  const { env } = await infraScripts.stack.ensureInfra({ log });
  const infra = {
    KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? env.KAFKA_BROKERS ?? '',
    SCHEMA_REGISTRY_URL: process.env.SCHEMA_REGISTRY_URL ?? env.SCHEMA_REGISTRY_URL ?? '',
    DATABASE_URL: process.env.DATABASE_URL ?? env.DATABASE_URL ?? '',
  };
  const startedAt = new Date();
  let sims: BenchSimulators | undefined;
  const scenarios: Record<string, unknown> = {};
  try {
    sims = await startBenchSimulators();
    const ctx = scenarioContext({
      quick,
      profile,
      scaleRecords,
      ...(throughputRecords ? { throughputRecords } : {}),
      ...(baselineRecords ? { baselineRecords } : {}),
      stagesOnly: args.includes('--stages-only'),
      infra,
      sims,
      log,
    });
    for (const [name, run] of Object.entries(SCENARIOS)) {
      if (only && !only.includes(name)) continue;
      // Scale (1M records) is a full-mode scenario: no CI smoke run can afford it.
      if (quick && name === 'scale' && !only?.includes('scale')) continue;
      const began = Date.now();
      try {
        scenarios[name] = await run(ctx);
      } catch (error) {
        log(`${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        scenarios[name] = { error: error instanceof Error ? error.message : String(error) };
      }
      log(`${name} done in ${Math.round((Date.now() - began) / 1000)} s`);
      await sims.clearZendeskRequests();
    }
  } finally {
    await sims?.stop();
  }
  const checks = regressionChecks(scenarios);
  const document = {
    startedAt: startedAt.toISOString(),
    mode: quick ? 'quick' : 'full',
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? null,
      memoryBytes: os.totalmem(),
      node: process.version,
      platform: `${os.platform()} ${os.release()}`,
      kafka: infraScripts.settings.KAFKA_VERSION,
      registry:
        (await registryVersion(infra.SCHEMA_REGISTRY_URL)) ?? `apicurio ${infraScripts.settings.APICURIO_VERSION}`,
    },
    scenarios,
    checks,
  };
  const text = JSON.stringify(document, null, 2);
  const file = join(dir, `${startedAt.toISOString().replace(/[:.]/g, '-')}${quick ? '-quick' : ''}.json`);
  writeFileSync(file, `${text}\n`);
  process.stdout.write(`${text}\n`);
  log(`written to ${file}`);
  const failed = checks.filter((c) => !c.ok);
  for (const c of failed) log(`threshold crossed: ${c.name} = ${c.value} (wanted ${c.threshold})`);
  const errored = Object.entries(scenarios).filter(([, v]) => v !== null && typeof v === 'object' && 'error' in v);
  return failed.length > 0 || errored.length > 0 ? 1 : 0;
}

// Explicit exit: a kafkajs or pg handle left by a failed scenario must not keep the bench running.
process.exit(await main());

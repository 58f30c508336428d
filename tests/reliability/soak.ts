/**
 * `npm run soak`: the long versions of the reliability suites, bounded, stopping by themselves, printing
 * their figures as JSON and exiting non-zero when a promise is broken.
 *   1. crash soak: 20,000 records, the loader and the extractor each SIGKILLed 20 times at random points;
 *   2. admin API fuzzing: every route, FUZZ_RUNS (default 10,000) property cases, 0 × 5xx.
 * Uses KAFKA_BROKERS / SCHEMA_REGISTRY_URL / DATABASE_URL when given, otherwise the local stack
 * (scripts/infra). SOAK_RECORDS, SOAK_KILLS and FUZZ_RUNS override the sizes.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { runCrashSoak } from './crash-soak.ts';

interface InfraStack {
  ensureInfra(options: { log: (line: string) => void }): Promise<{
    env: Record<string, string>;
    started: { kafka: boolean; registry: boolean };
  }>;
  stopInfra(options: { which: { kafka: boolean; registry: boolean }; log: (line: string) => void }): Promise<void>;
}

const REPO_ROOT = resolve(import.meta.dirname, '..', '..');
const say = (line: string) => process.stderr.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

function runFuzz(runs: number, env: Record<string, string>): Promise<{ exitCode: number; runs: number }> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--disable-warning=TimeoutNegativeWarning',
      '--test',
      '--test-timeout=3600000',
      'tests/security/admin-route-fuzz.test.ts',
    ],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env, FUZZ_RUNS: String(runs) },
      stdio: ['ignore', 2, 2],
    },
  );
  return new Promise((done) => child.on('close', (code) => done({ exitCode: code ?? 1, runs })));
}

async function main(): Promise<number> {
  const records = Number(process.env.SOAK_RECORDS ?? 20_000);
  const kills = Number(process.env.SOAK_KILLS ?? 20);
  const fuzzRuns = Number(process.env.FUZZ_RUNS ?? 10_000);
  let infra: InfraStack | undefined;
  let started = { kafka: false, registry: false };
  if (!process.env.KAFKA_BROKERS || !process.env.SCHEMA_REGISTRY_URL) {
    infra = (await import(new URL('../../scripts/infra/infra-stack.mjs', import.meta.url).href)) as InfraStack;
    const stack = await infra.ensureInfra({ log: say });
    started = stack.started;
    for (const [key, value] of Object.entries(stack.env)) process.env[key] ??= value;
  }
  const env = {
    KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '',
    SCHEMA_REGISTRY_URL: process.env.SCHEMA_REGISTRY_URL ?? '',
    DATABASE_URL: process.env.DATABASE_URL ?? '',
  };
  try {
    say(`crash soak: ${records} records, ${kills} SIGKILLs each of the loader and the extractor`);
    const crash = await runCrashSoak({
      records,
      killsPerService: kills,
      killGapMs: [1000, 6000],
      changesPerKill: 25,
      convergeTimeoutMs: 15 * 60_000,
      log: say,
    });
    say(`admin API fuzzing: ${fuzzRuns} cases`);
    const fuzz = await runFuzz(fuzzRuns, env);
    const crashOk =
      crash.converged &&
      crash.lost === 0 &&
      crash.duplicates === 0 &&
      crash.extra === 0 &&
      crash.stale === 0 &&
      crash.auditTopicKeys === crash.expected &&
      crash.auditHistoryKeys === crash.inZendesk;
    const report = {
      crash: { ...crash, killsSurvived: crash.kills.extractor + crash.kills.loader, ok: crashOk },
      fuzz: { cases: fuzz.runs, ok: fuzz.exitCode === 0, fiveHundredsSeen: fuzz.exitCode === 0 ? 0 : 'see output' },
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return crashOk && fuzz.exitCode === 0 ? 0 : 1;
  } finally {
    if (infra && (started.kafka || started.registry)) await infra.stopInfra({ which: started, log: say });
  }
}

process.exitCode = await main();

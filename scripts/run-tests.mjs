#!/usr/bin/env node
// The repo's one test runner: finds the servers (given, containers, or the local stack), runs every test
// file with node:test, then the benchmark's quick run (its ratio thresholds fail the build on a
// regression), and exits non-zero if either failed. MLC_SKIP_BENCH=1 leaves the benchmark out.
import { spawn } from 'node:child_process';
import { glob } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dockerEngineReachable, startContainerStack } from './infra/container-stack.mjs';
import { infraSettings } from './infra/infra-settings.mjs';
import { ensureInfra, stopInfra } from './infra/infra-stack.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const TEST_GLOBS = [
  'packages/**/src/**/*.test.ts',
  'services/**/src/**/*.test.ts',
  'bench/**/*.test.ts',
  'tests/**/*.test.ts',
];
const TEST_TIMEOUT_MS = Number(process.env.MLC_TEST_TIMEOUT_MS || 120_000);
const KEEP_INFRA = process.env.MLC_KEEP_INFRA === '1';
const SKIP_BENCH = process.env.MLC_SKIP_BENCH === '1';

function say(line) {
  console.log(`[run-tests] ${line}`);
}

async function testFiles() {
  const files = new Set();
  for (const pattern of TEST_GLOBS) {
    let matched = 0;
    for await (const file of glob(pattern, { cwd: ROOT, exclude: (path) => /(^|[\\/])node_modules$/.test(path) })) {
      files.add(file);
      matched += 1;
    }
    say(`${pattern}: ${matched} file(s)`);
  }
  return [...files].sort();
}

/** The servers' env and how to stop what this run started. */
async function provideServers() {
  if (process.env.KAFKA_BROKERS && process.env.SCHEMA_REGISTRY_URL) {
    const env = {
      KAFKA_BROKERS: process.env.KAFKA_BROKERS,
      SCHEMA_REGISTRY_URL: process.env.SCHEMA_REGISTRY_URL,
      DATABASE_URL: process.env.DATABASE_URL || infraSettings().databaseUrl,
    };
    say('using the servers given by KAFKA_BROKERS / SCHEMA_REGISTRY_URL / DATABASE_URL');
    return { env, stop: async () => {} };
  }
  const forced = process.env.MLC_TEST_INFRA;
  if (forced !== 'local' && (forced === 'docker' || (await dockerEngineReachable()))) {
    say('a Docker engine answers: starting Kafka, Apicurio Registry and PostgreSQL with testcontainers');
    return startContainerStack({ log: say });
  }
  say('no servers given and no Docker engine: using the local stack (scripts/infra)');
  const { env, started, elapsedMs } = await ensureInfra({ log: say });
  say(`local stack ready in ${(elapsedMs / 1000).toFixed(1)} s`);
  return { env, stop: () => stopInfra({ which: started, log: say }) };
}

function runChild(args, env) {
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: 'inherit' });
  const forward = (signal) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

function runNodeTest(files, env) {
  const args = [
    '--import',
    'tsx',
    // kafkajs 2.2.4 schedules a negative timeout on every connection under Node 24: harmless, but noisy.
    '--disable-warning=TimeoutNegativeWarning',
    '--test',
    '--test-concurrency=2',
    `--test-timeout=${TEST_TIMEOUT_MS}`,
    ...files,
  ];
  return runChild(args, env);
}

async function main() {
  say(`node --version: ${process.version}`);
  const files = await testFiles();
  if (files.length === 0) {
    say('no test files found: nothing to run is a failure');
    return 1;
  }
  say(`${files.length} test file(s) to run`);

  let interrupted = false;
  const onSignalBeforeTests = () => {
    interrupted = true;
  };
  process.on('SIGINT', onSignalBeforeTests);
  process.on('SIGTERM', onSignalBeforeTests);
  const servers = await provideServers();
  process.off('SIGINT', onSignalBeforeTests);
  process.off('SIGTERM', onSignalBeforeTests);
  for (const [key, value] of Object.entries(servers.env))
    say(`${key}=${key === 'DATABASE_URL' ? value.replace(/:[^:@/]*@/, ':***@') : value}`);

  let code = 130;
  try {
    if (!interrupted) {
      code = await runNodeTest(files, servers.env);
      say(`${files.length} test file(s) ran; node --test exited with ${code}`);
      if (SKIP_BENCH) {
        say('MLC_SKIP_BENCH=1: the benchmark quick run is left out');
      } else {
        // After the tests, on a quiet machine: the ratios it holds the build to compare like with like.
        const benchCode = await runChild(['--import', 'tsx', 'bench/run.ts', '--quick'], servers.env);
        say(`npm run bench -- --quick exited with ${benchCode}`);
        if (code === 0) code = benchCode;
      }
    }
  } finally {
    if (KEEP_INFRA) say('MLC_KEEP_INFRA=1: leaving the servers running');
    else await servers.stop();
  }
  return code;
}

try {
  process.exitCode = await main();
} catch (error) {
  console.error(`[run-tests] failed: ${error.message}`);
  process.exitCode = 1;
}

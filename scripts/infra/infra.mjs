#!/usr/bin/env node
// Local Kafka + Apicurio Registry (+ the machine's PostgreSQL) without Docker: `up`, `down`, `status`.
import { ensureInfra, infraStatus, stopInfra } from './infra-stack.mjs';

function printEnv(env) {
  console.log('# Use these to reach the local stack:');
  for (const [key, value] of Object.entries(env)) console.log(`${key}=${value}`);
}

async function up() {
  const { env, started, elapsedMs } = await ensureInfra();
  const what = Object.entries(started)
    .filter(([, didStart]) => didStart)
    .map(([name]) => name);
  console.error(
    `infra up in ${(elapsedMs / 1000).toFixed(1)} s (${what.length > 0 ? `started ${what.join(', ')}` : 'all reused'})`,
  );
  printEnv(env);
}

async function status() {
  const { env, report } = await infraStatus();
  for (const entry of Object.values(report)) {
    const state = entry.healthy ? 'healthy' : 'not answering';
    const pid = entry.pid ? ` pid ${entry.pid}` : '';
    const why = entry.problem ? ` (${entry.problem})` : '';
    const log = entry.log ? ` log ${entry.log}` : '';
    console.log(`${entry.name}: ${state}${pid} at ${entry.address}${why}${log}`);
  }
  printEnv(env);
  return Object.values(report).every((entry) => entry.healthy) ? 0 : 1;
}

const commands = {
  up: async () => {
    await up();
    return 0;
  },
  down: async () => {
    await stopInfra();
    return 0;
  },
  status,
};

const command = commands[process.argv[2] ?? ''];
if (command === undefined) {
  console.error('usage: infra.mjs up|down|status');
  process.exit(2);
}
try {
  process.exitCode = await command();
} catch (error) {
  console.error(`infra ${process.argv[2]} failed: ${error.message}`);
  process.exitCode = 1;
}

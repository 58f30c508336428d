/**
 * Every `mlc` command against a running admin API (a separate process in its own PostgreSQL schema), with the
 * simulators behind it: the exit code, and that what the CLI printed is what the API holds.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import type { CliIo } from '../../packages/cli/src/cli-program.ts';
import { runCli } from '../../packages/cli/src/main.ts';
import { ChildProcessGroup } from '../../scripts/start/child-process-group.ts';
import { startServices, startSimulators } from '../../scripts/start/connector-stack.ts';
import { cloudSuiteSim, zendeskSim } from '../../scripts/start/simulator-control.ts';
import { createIsolatedDatabaseSchema, type IsolatedDatabaseSchema } from '../support/isolated-database-schema.ts';
import { databaseUrl, kafkaBrokers, schemaRegistryUrl } from '../support/test-env.ts';

const REPO_ROOT = resolve(import.meta.dirname, '..', '..');
const OAUTH = { identifier: 'cli-client', secret: 'cli-client-secret-value' };
const TENANT = `cli-${randomBytes(3).toString('hex')}`;

let group: ChildProcessGroup;
let schema: IsolatedDatabaseSchema;
let env: Record<string, string>;
let ionapiPath: string;
let zendeskAccountUrl: string;

before(async () => {
  const logDir = mkdtempSync(join(tmpdir(), 'mlc-cli-'));
  group = new ChildProcessGroup({ cwd: REPO_ROOT, logDir });
  schema = await createIsolatedDatabaseSchema('e2e_cli');
  const sims = await startSimulators(group, { records: 50, cloudSuiteTenants: ['CLI_TST'] });
  const token = randomBytes(32).toString('base64url');
  const services = await startServices(group, {
    infra: {
      KAFKA_BROKERS: kafkaBrokers().join(','),
      SCHEMA_REGISTRY_URL: schemaRegistryUrl(),
      DATABASE_URL: databaseUrl(),
    },
    databaseSchema: schema.schema,
    masterKeys: `cli:${randomBytes(32).toString('base64')}`,
    bootstrapToken: token,
    services: ['admin-api'],
  });
  env = { MLC_ADMIN_URL: services.adminUrl, MLC_ADMIN_TOKEN: token, MLC_ZENDESK_CLIENT_SECRET: OAUTH.secret };
  await zendeskSim.addAccount(sims.zendeskUrl, { subdomain: 'cli', oauthClients: [OAUTH] });
  zendeskAccountUrl = zendeskSim.accountUrl(sims.zendeskUrl, 'cli');
  ionapiPath = join(logDir, 'CLI_TST.ionapi');
  writeFileSync(ionapiPath, JSON.stringify(await cloudSuiteSim.ionapi(sims.cloudSuiteUrl, 'CLI_TST')));
});

after(async () => {
  await group?.stopAll();
  await schema?.drop();
});

async function mlc(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    env,
    readFile: (path) => readFile(path, 'utf8'),
  };
  const code = await runCli(args, io);
  return { code, out: out.join(''), err: err.join('') };
}

async function mlcJson(...args: string[]): Promise<unknown> {
  const result = await mlc('--json', ...args);
  assert.equal(result.code, 0, result.err);
  return JSON.parse(result.out);
}

test('tenants add registers from a .ionapi file and never prints a secret', { timeout: 30_000 }, async () => {
  const result = await mlc(
    'tenants',
    'add',
    '--ionapi',
    ionapiPath,
    '--id',
    TENANT,
    '--company',
    '100',
    '--zendesk-subdomain',
    'cli',
    '--zendesk-url',
    zendeskAccountUrl,
    '--zendesk-client-id',
    OAUTH.identifier,
    '--schedule',
    '0 6 * * *',
    '--timezone',
    'Europe/Berlin',
  );
  assert.equal(result.code, 0, result.err);
  assert.match(result.out, new RegExp(`tenant ${TENANT} registered`));
  assert.doesNotMatch(result.out, new RegExp(OAUTH.secret));
  const again = await mlc(
    'tenants',
    'add',
    '--ionapi',
    ionapiPath,
    '--id',
    TENANT,
    '--company',
    '100',
    '--zendesk-subdomain',
    'cli',
    '--zendesk-client-id',
    'x',
  );
  assert.equal(again.code, 2);
  assert.match(again.err, /MLC_CONFLICT \(HTTP 409\)/);
});

test('tenants list, show, pause and resume reflect the stored tenant', { timeout: 30_000 }, async () => {
  const list = (await mlcJson('tenants', 'list')) as { id: string }[];
  assert.ok(list.some((tenant) => tenant.id === TENANT));
  assert.match((await mlc('tenants', 'list')).out, new RegExp(`^${TENANT}\\s+${TENANT}\\s+m3\\s+active`, 'm'));
  assert.equal(((await mlcJson('tenants', 'show', TENANT)) as { status: string }).status, 'active');
  assert.equal((await mlc('tenants', 'pause', TENANT)).code, 0);
  assert.equal(((await mlcJson('tenants', 'show', TENANT)) as { status: string }).status, 'paused');
  const refused = await mlc('runs', 'now', TENANT);
  assert.equal(refused.code, 2);
  assert.match(refused.err, /MLC_CONFLICT/);
  assert.equal((await mlc('tenants', 'resume', TENANT)).code, 0);
  assert.equal(((await mlcJson('tenants', 'show', TENANT)) as { status: string }).status, 'active');
  const missing = await mlc('tenants', 'show', 'no-such-tenant');
  assert.equal(missing.code, 2);
  assert.match(missing.err, /MLC_NOT_FOUND/);
});

test('tenants test reports both connections', { timeout: 30_000 }, async () => {
  const result = await mlc('--json', 'tenants', 'test', TENANT);
  assert.equal(result.code, 0, result.err);
  assert.doesNotMatch(result.out, new RegExp(OAUTH.secret));
});

test('runs now records a request that runs list shows as pending', { timeout: 30_000 }, async () => {
  const request = (await mlcJson('runs', 'now', TENANT, '--entities', 'supplier')) as { requestId: string };
  assert.match(request.requestId, /^[0-9a-f-]{36}$/);
  assert.equal((await mlc('runs', 'list', TENANT)).code, 0);
});

test('audit show, dlq list, dlq retry --all and replay answer for a tenant without postings', {
  timeout: 30_000,
}, async () => {
  assert.deepEqual(await mlcJson('audit', 'show', TENANT, '--entity', 'invoice'), []);
  assert.deepEqual(await mlcJson('audit', 'show', TENANT, '--entity', 'invoice', '--key', 'S1:SI1:2024'), []);
  assert.deepEqual(await mlcJson('dlq', 'list', TENANT), []);
  const retry = (await mlcJson('dlq', 'retry', TENANT, '--all')) as { retried: number };
  assert.equal(retry.retried, 0);
  const replay = await mlc('replay', TENANT, '--entity', 'invoice');
  assert.equal(replay.code, 0, replay.err);
});

test('key rotate re-wraps the stored credentials', { timeout: 30_000 }, async () => {
  const result = await mlc('--json', 'key', 'rotate');
  assert.equal(result.code, 0, result.err);
  assert.match(result.out, /activeKeyId/);
});

test('provision reports the API error while the route does not exist', { timeout: 30_000 }, async () => {
  const result = await mlc('provision', TENANT, '--dry-run');
  assert.ok(result.code === 0 || (result.code === 2 && /HTTP 404/.test(result.err)), result.err);
});

test('a wrong token exits 2 with the API unauthorized code', { timeout: 30_000 }, async () => {
  const result = await mlc('--token', 'x'.repeat(40), 'tenants', 'list');
  assert.equal(result.code, 2);
  assert.match(result.err, /MLC_UNAUTHORIZED \(HTTP 401\)/);
});

/**
 * A full run (two syncs, with every issued token revoked between them so the services re-authenticate)
 * and then a search for every tenant secret in everything the product left behind: each process's log,
 * every message on every topic of the run, a pg_dump of its schema and every admin API response.
 * Secrets: the `.ionapi` client secret, saak and sask, the Zendesk OAuth client secret, every token the
 * simulators issued (seen in-process), the admin bootstrap token and the credential master key.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { adminApi } from '../../packages/cli/src/admin-api-operations.ts';
import { waitForRunOfRequest } from '../../packages/cli/src/run-request-tracking.ts';
import { buildCloudSuiteSimulator } from '../../packages/simulators/src/cloudsuite/cloudsuite-simulator.ts';
import { buildZendeskSimulator } from '../../packages/simulators/src/zendesk/zendesk-simulator.ts';
import { cloudSuiteSim, zendeskSim } from '../../scripts/start/simulator-control.ts';
import { watchSync } from '../../scripts/start/sync-watch.ts';
import {
  ENTITIES,
  type KillablePipeline,
  type PipelineTenant,
  startKillablePipeline,
} from '../reliability/support/killable-pipeline.ts';
import { type NamedSecret, SecretScanner } from './secret-scan.ts';

const RECORDS = 300;
const cloudSuite = buildCloudSuiteSimulator({ records: RECORDS });
const zendesk = buildZendeskSimulator();
const issuedTokens: NamedSecret[] = [];

/** Every token an OAuth endpoint answers with is remembered: the services must never repeat one. */
function rememberIssuedTokens(simulator: string, payload: unknown): void {
  if (typeof payload !== 'string' || !payload.includes('access_token')) return;
  try {
    const body = JSON.parse(payload) as Record<string, unknown>;
    for (const key of ['access_token', 'refresh_token'])
      if (typeof body[key] === 'string') issuedTokens.push({ name: `${simulator} ${key}`, value: body[key] });
  } catch {
    // Not JSON: not a token answer.
  }
}
cloudSuite.app.addHook('onSend', async (_request, _reply, payload) => {
  rememberIssuedTokens('ION', payload);
  return payload;
});
zendesk.app.addHook('onSend', async (_request, _reply, payload) => {
  rememberIssuedTokens('Zendesk', payload);
  return payload;
});

let pipeline: KillablePipeline;
let tenant: PipelineTenant;
let runId: string;
const adminResponses: { route: string; body: string }[] = [];

async function sync(): Promise<string> {
  const request = await adminApi.requestRun(pipeline.api, tenant.tenantId);
  const id = await waitForRunOfRequest(pipeline.api, request, { timeoutMs: 30_000 });
  assert.ok(id, 'the extractor took the run request');
  const outcome = await watchSync({
    api: pipeline.api,
    runId: id,
    tenantId: tenant.tenantId,
    zendeskUrl: pipeline.zendeskUrl,
    subdomain: tenant.subdomain,
    entities: ENTITIES,
    timeoutMs: 60_000,
    settleMs: 2000,
    intervalMs: 500,
  });
  assert.equal(outcome.timedOut, false, 'the sync settled');
  return id;
}

/** GETs every route of the OpenAPI document, path parameters filled with this run's tenant, run and record. */
async function collectAdminResponses(): Promise<void> {
  const base = pipeline.api.baseUrl;
  const headers = { authorization: `Bearer ${pipeline.adminToken}` };
  const openapi = (await (await fetch(`${base}/openapi.json`, { headers })).json()) as {
    paths: Record<string, Record<string, unknown>>;
  };
  const audit = await adminApi.audit(pipeline.api, tenant.tenantId, { entity: 'invoice', limit: 1 });
  const naturalKey = String(audit[0]?.naturalKey ?? 'none');
  const values: Record<string, string> = { entity: 'invoice', naturalKey, runId, id: tenant.tenantId };
  const fill = (path: string) =>
    path.replace(/\{([^}]+)\}/g, (_m, name: string) =>
      encodeURIComponent(/tenant/i.test(name) ? tenant.tenantId : (values[name] ?? tenant.tenantId)),
    );
  for (const [path, methods] of Object.entries(openapi.paths)) {
    const route = fill(path);
    if ('get' in methods) {
      const response = await fetch(`${base}${route}`, { headers });
      adminResponses.push({ route: `GET ${route} (${response.status})`, body: await response.text() });
    }
  }
  // The connection test talks to both APIs with the stored credentials: its answer must not echo them.
  const tested = await fetch(`${base}/tenants/${tenant.tenantId}/test`, { method: 'POST', headers });
  adminResponses.push({ route: `POST /tenants/${tenant.tenantId}/test (${tested.status})`, body: await tested.text() });
}

before(async () => {
  await cloudSuite.app.listen({ port: 0, host: '127.0.0.1' });
  const zendeskUrl = await zendesk.listen({ port: 0, host: '127.0.0.1' });
  pipeline = await startKillablePipeline({
    records: RECORDS,
    simulators: { cloudSuiteUrl: cloudSuite.baseUrl(), zendeskUrl },
    // The most talkative level: a secret that only leaks at debug still leaks.
    env: { LOG_LEVEL: 'debug' },
  });
  tenant = await pipeline.registerTenant();
  await sync();
  await cloudSuiteSim.mutate(pipeline.cloudSuiteUrl, tenant.ionTenant, 'invoice', { change: 5 });
  cloudSuite.tokens.revokeAll(tenant.ionTenant);
  zendesk.revokeTokens(tenant.subdomain);
  runId = await sync();
  await collectAdminResponses();
  // Let the last audit messages and log lines land before reading them.
  await sleep(1000);
});

after(async () => {
  await pipeline?.stop();
  await cloudSuite.close();
  await zendesk.close();
});

test('no tenant secret, issued token or key appears in logs, topics, the database dump or API answers', {
  timeout: 110_000,
}, async () => {
  const scanner = new SecretScanner();
  const ionapi = tenant.ionapi as Record<string, string>;
  for (const key of ['cs', 'saak', 'sask'] as const) {
    assert.ok(typeof ionapi[key] === 'string', `the .ionapi has ${key}`);
    scanner.add({ name: `.ionapi ${key}`, value: ionapi[key] as string });
  }
  scanner.add({ name: 'Zendesk OAuth client secret', value: tenant.oauth.secret });
  scanner.add({ name: 'admin bootstrap token', value: pipeline.adminToken });
  scanner.add({ name: 'credential master key', value: pipeline.masterKeys.split(':')[1] ?? pipeline.masterKeys });
  const ionTokens = issuedTokens.filter((token) => token.name.startsWith('ION')).length;
  const zendeskTokens = issuedTokens.filter((token) => token.name.startsWith('Zendesk')).length;
  // Revocation between the syncs forced new tokens: at least two of each were issued and are scanned for.
  assert.ok(ionTokens >= 2, `ION tokens issued: ${ionTokens}`);
  assert.ok(zendeskTokens >= 2, `Zendesk tokens issued: ${zendeskTokens}`);
  for (const token of issuedTokens) scanner.add(token);

  const logFiles = pipeline.logFiles();
  assert.ok(logFiles.length >= 3, 'every service wrote a log');
  for (const file of logFiles) scanner.scanFile(file);
  const topics = await pipeline.topics();
  const messages = await scanner.scanTopics(topics);
  assert.ok(messages > RECORDS, `the topics were read (${messages} messages)`);
  await scanner.scanPgDump(pipeline.schema.connectionString, pipeline.schema.schema);
  assert.ok(adminResponses.length >= 8, `admin API routes read: ${adminResponses.length}`);
  for (const response of adminResponses) scanner.scan(`admin API ${response.route}`, response.body);
  const state = await zendeskSim.state(pipeline.zendeskUrl, tenant.subdomain);
  scanner.scan('Zendesk state (what the loader wrote)', JSON.stringify(state));

  process.stderr.write(
    `secret scan: ${scanner.secretCount} secrets over ${scanner.scannedItems} items ` +
      `(${logFiles.length} logs, ${topics.length} topics / ${messages} messages, pg_dump, ` +
      `${adminResponses.length} API answers), ${(scanner.scannedBytes / 1e6).toFixed(1)} MB: ${scanner.hits.length} hits\n`,
  );
  assert.deepEqual(scanner.hits, []);
});

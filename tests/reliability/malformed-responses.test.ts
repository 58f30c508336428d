/**
 * Bad answers from both APIs. ION: a corpus of malformed M3 MI responses (truncated JSON, an HTML error
 * page, wrong value types, missing keys, a 10 MB body) served by a small proxy in front of the CloudSuite
 * simulator; each must end the run as a clear failure, leave the extractor running and not stop the next
 * run. Zendesk: truncated response bodies; the loader must record the failure (audit or DLQ), keep running
 * and keep its partitions moving (later changes still land).
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { adminApi } from '../../packages/cli/src/admin-api-operations.ts';
import { isRunFinished } from '../../packages/cli/src/run-progress.ts';
import { waitForRunOfRequest } from '../../packages/cli/src/run-request-tracking.ts';
import { cloudSuiteSim, zendeskSim } from '../../scripts/start/simulator-control.ts';
import { type KillablePipeline, type PipelineTenant, startKillablePipeline } from './support/killable-pipeline.ts';

const RECORDS = 200;
const SUPPLIER_PROGRAM = '/M3/m3api-rest/v2/execute/CRS620MI/';

/** What the proxy answers instead of the simulator for the supplier list transaction. */
const MALFORMED_MI: Record<string, { contentType: string; body: () => string }> = {
  'truncated JSON': { contentType: 'application/json', body: () => '{"results":[{"transaction":"LstSuppliers","rec' },
  'HTML error page': {
    contentType: 'text/html',
    body: () => '<!DOCTYPE html><html><head><title>Error</title></head><body><h1>Service error</h1></body></html>',
  },
  'wrong value types': {
    contentType: 'application/json',
    body: () =>
      JSON.stringify({
        results: [{ transaction: 'LstSuppliers', records: [{ SUNO: 4711, SUNM: null, LMTS: { at: 1 }, CSCD: [] }] }],
        wasTerminated: 'false',
        nrOfSuccessfullTransactions: '1',
        nrOfFailedTransactions: 0,
      }),
  },
  'missing keys': { contentType: 'application/json', body: () => JSON.stringify({ wasTerminated: false }) },
  '10 MB body': {
    contentType: 'application/json',
    body: () =>
      JSON.stringify({
        results: [{ transaction: 'LstSuppliers', records: [{ SUNO: 'S9999999', SUNM: 'x'.repeat(10 * 1024 * 1024) }] }],
        wasTerminated: false,
        nrOfSuccessfullTransactions: 1,
        nrOfFailedTransactions: 0,
      }),
  },
};

let pipeline: KillablePipeline;
let tenant: PipelineTenant;
let proxy: Server;
let proxyUrl: string;
let malformed: string | null = null;

/** Forwards everything to the simulator, except the supplier list while a malformed case is on. */
async function startMiProxy(target: string): Promise<void> {
  proxy = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', async () => {
      const url = request.url ?? '/';
      const fault = malformed === null ? undefined : MALFORMED_MI[malformed];
      if (fault && url.includes(SUPPLIER_PROGRAM)) {
        response.writeHead(200, { 'content-type': fault.contentType });
        response.end(fault.body());
        return;
      }
      try {
        const headers = Object.fromEntries(
          Object.entries(request.headers).filter(
            (entry): entry is [string, string] => typeof entry[1] === 'string' && entry[0] !== 'host',
          ),
        );
        const upstream = await fetch(`${target}${url}`, {
          method: request.method ?? 'GET',
          headers,
          ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
        });
        const body = Buffer.from(await upstream.arrayBuffer());
        const contentType = upstream.headers.get('content-type');
        const retryAfter = upstream.headers.get('retry-after');
        response.writeHead(upstream.status, {
          ...(contentType ? { 'content-type': contentType } : {}),
          ...(retryAfter ? { 'retry-after': retryAfter } : {}),
        });
        response.end(body);
      } catch {
        response.writeHead(502).end();
      }
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
}

async function runSuppliers(): Promise<Record<string, unknown>> {
  const request = await adminApi.requestRun(pipeline.api, tenant.tenantId, { entities: ['supplier'] });
  const runId = await waitForRunOfRequest(pipeline.api, request, { timeoutMs: 30_000 });
  assert.ok(runId, 'the extractor took the run request');
  const deadline = Date.now() + 30_000;
  let run = await adminApi.showRun(pipeline.api, runId);
  while (!isRunFinished(run) && Date.now() < deadline) {
    await sleep(300);
    run = await adminApi.showRun(pipeline.api, runId);
  }
  assert.ok(isRunFinished(run), `run ${runId} finished (not stuck): ${JSON.stringify(run).slice(0, 300)}`);
  return run;
}

before(async () => {
  pipeline = await startKillablePipeline({ records: RECORDS });
  await startMiProxy(pipeline.cloudSuiteUrl);
  tenant = await pipeline.registerTenant({
    ionapi: (ionapi) => ({
      ...ionapi,
      iu: proxyUrl,
      pu: String(ionapi.pu).replace(pipeline.cloudSuiteUrl, proxyUrl),
    }),
  });
});

after(async () => {
  await pipeline?.stop();
  await new Promise((resolve) => proxy?.close(resolve));
});

test('every malformed MI answer ends the run as a clear failure; the extractor lives and the next run succeeds', {
  timeout: 110_000,
}, async () => {
  const outcomes: Record<string, string> = {};
  for (const name of Object.keys(MALFORMED_MI)) {
    malformed = name;
    const run = await runSuppliers();
    malformed = null;
    const text = JSON.stringify(run);
    // A bad answer fails the run (with its error), or, when the answer parses, the bad record is refused
    // and counted as failed (the 10 MB record: too large to publish).
    const refused = ((run.entities ?? []) as { failed?: number }[]).reduce((sum, row) => sum + (row.failed ?? 0), 0);
    outcomes[name] = `${String(run.status)}: ${String(run.error ?? `${refused} record(s) refused`).slice(0, 160)}`;
    if (run.status === 'succeeded')
      assert.ok(refused > 0, `${name}: the bad record is counted as failed (${text.slice(0, 300)})`);
    else assert.match(text, /"error":"[^"]+/, `${name}: the run says what went wrong`);
    assert.equal(pipeline.services.extractor.child.exitInfo, undefined, `${name}: the extractor is still running`);
  }
  process.stderr.write(`malformed MI outcomes: ${JSON.stringify(outcomes)}\n`);
  const recovered = await runSuppliers();
  assert.equal(recovered.status, 'succeeded', 'the next run after the bad answers succeeds');
});

test('truncated Zendesk answers are recorded as failures without stopping the loader or its partitions', {
  timeout: 110_000,
}, async () => {
  const db = new pg.Client({ connectionString: pipeline.schema.connectionString });
  await db.connect();
  try {
    await fetch(`${pipeline.zendeskUrl}/__sim/faults`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        rules: [
          {
            account: tenant.subdomain,
            path: '^/api/v2/(organizations|custom_objects|users)',
            times: 6,
            action: { kind: 'malformed-body' },
          },
        ],
      }),
    });
    await adminApi.requestRun(pipeline.api, tenant.tenantId);
    const expected = Object.values(tenant.counts).reduce((sum, count) => sum + count, 0);
    const settled = async () => {
      const { rows } = await db.query<{ n: string }>(
        `SELECT count(DISTINCT (entity, natural_key)) AS n FROM posting_history
          WHERE tenant_id = $1 AND zendesk_target NOT LIKE 'user:supplier-contact%'`,
        [tenant.tenantId],
      );
      return Number(rows[0]?.n ?? 0);
    };
    let deadline = Date.now() + 60_000;
    while (Date.now() < deadline && (await settled()) < expected) await sleep(1000);
    assert.equal(await settled(), expected, 'every record has an audited outcome despite the truncated answers');
    assert.equal(pipeline.services.loader.child.exitInfo, undefined, 'the loader is still running');
    // The partition moves on: records changed afterwards land.
    const mutation = await cloudSuiteSim.mutate(pipeline.cloudSuiteUrl, tenant.ionTenant, 'invoice', { change: 3 });
    await adminApi.requestRun(pipeline.api, tenant.tenantId);
    const changed = (mutation.changed as string[]).length;
    deadline = Date.now() + 45_000;
    let applied = 0;
    while (Date.now() < deadline && applied < changed) {
      const { rows } = await db.query<{ n: string }>(
        `SELECT count(DISTINCT natural_key) AS n FROM posting_history h JOIN published_records p USING (tenant_id, entity, natural_key, content_hash)
          WHERE h.tenant_id = $1 AND h.entity = 'invoice' AND h.status = 'applied' AND p.published_at > now() - interval '2 minutes'
            AND h.created_at >= p.published_at`,
        [tenant.tenantId],
      );
      applied = Number(rows[0]?.n ?? 0);
      if (applied < changed) await sleep(1000);
    }
    assert.ok(applied >= changed, `changed invoices applied after the truncated answers: ${applied}/${changed}`);
    const state = await zendeskSim.state(pipeline.zendeskUrl, tenant.subdomain);
    assert.equal(state.duplicateCount, 0);
  } finally {
    await db.end();
  }
});

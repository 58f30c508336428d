/**
 * Bad answers from both APIs, served by the simulators' fault rules to the real clients over real sockets.
 * ION (an M3 and a CSI tenant): a truncated JSON body, an HTML page with 200 and with 502, values of the
 * wrong type, the rows missing, a 10 MB value and an endless body. Each ends the run with a clear error code
 * (or, for the 10 MB value, the record dead-lettered), the extractor keeps running and the next run works.
 * Zendesk: answers cut short, HTML instead of JSON, re-typed values, missing keys, 10 MB and endless bodies
 * on the loader's write, lookup and job-status calls. Records end applied (after retries) or dead-lettered
 * with MLC_ZENDESK_MALFORMED_RESPONSE, the loader keeps running, later changes land, nothing is duplicated.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { adminApi } from '../../packages/cli/src/admin-api-operations.ts';
import { isRunFinished } from '../../packages/cli/src/run-progress.ts';
import { waitForRunOfRequest } from '../../packages/cli/src/run-request-tracking.ts';
import { cloudSuiteSim, zendeskSim } from '../../scripts/start/simulator-control.ts';
import { loadedCountsOf } from '../../scripts/start/zendesk-loaded-counts.ts';
import {
  ENTITIES,
  type KillablePipeline,
  type PipelineTenant,
  startKillablePipeline,
} from './support/killable-pipeline.ts';

const RECORDS = 200;

interface RunView {
  status?: string;
  error?: string | null;
  entities?: { status?: string; failed?: number; error?: string | null }[];
}

/** A malformed ION answer and what the supplier run must end with. */
interface IonCase {
  body: string;
  status?: number;
  /** Hits of the rule: more than one when the client retries (a 502 is retried up to 6 times). */
  times: number;
  run: 'failed' | 'partial';
  error: RegExp;
}

const ION_CASES: IonCase[] = [
  { body: 'truncated-json', times: 1, run: 'failed', error: /^MLC_ION_MALFORMED_RESPONSE: .*not valid JSON/ },
  { body: 'html', times: 1, run: 'failed', error: /^MLC_ION_MALFORMED_RESPONSE: .*an HTML page, not JSON/ },
  {
    body: 'html',
    status: 502,
    times: 6,
    run: 'failed',
    error: /^MLC_HTTP_RETRIES_EXHAUSTED: .*failed after 6 attempts, last status 502/,
  },
  { body: 'wrong-types', times: 1, run: 'failed', error: /^MLC_ION_MALFORMED_RESPONSE: .* is an object, not text/ },
  { body: 'missing-keys', times: 1, run: 'failed', error: /^MLC_ION_MALFORMED_RESPONSE: .*has no (results|Items)/ },
  { body: 'endless', times: 1, run: 'failed', error: /^MLC_HTTP_UPSTREAM: .*answered 200 with a body over \d+ bytes/ },
  { body: 'huge', times: 1, run: 'partial', error: /1 record\(s\) dead-lettered, .*value is 10485760 characters/ },
];

let pipeline: KillablePipeline;
let m3: PipelineTenant;
let csi: PipelineTenant;
/** Its own tenant: the ION cases dead-letter a supplier of theirs in the extractor. */
let loaded: PipelineTenant;

async function runSuppliers(tenant: PipelineTenant): Promise<RunView> {
  const request = await adminApi.requestRun(pipeline.api, tenant.tenantId, { entities: ['supplier'] });
  const runId = await waitForRunOfRequest(pipeline.api, request, { timeoutMs: 30_000 });
  assert.ok(runId, 'the extractor took the run request');
  const deadline = Date.now() + 45_000;
  let run = await adminApi.showRun(pipeline.api, runId);
  while (!isRunFinished(run) && Date.now() < deadline) {
    await sleep(300);
    run = await adminApi.showRun(pipeline.api, runId);
  }
  assert.ok(isRunFinished(run), `run ${runId} finished (not stuck): ${JSON.stringify(run).slice(0, 300)}`);
  return run as RunView;
}

before(async () => {
  // Four attempts per record instead of five: a record whose answers stay unreadable is dead-lettered sooner.
  pipeline = await startKillablePipeline({ records: RECORDS, env: { LOADER_MAX_ATTEMPTS: '4' } });
  [m3, csi, loaded] = await Promise.all([
    pipeline.registerTenant(),
    pipeline.registerTenant({ product: 'csi' }),
    pipeline.registerTenant(),
  ]);
});

after(async () => {
  await pipeline?.stop();
});

for (const product of ['m3', 'csi'] as const) {
  test(`${product}: each malformed answer ends the supplier run with a clear error, the extractor lives, the next run works`, {
    timeout: 110_000,
  }, async () => {
    const tenant = product === 'm3' ? m3 : csi;
    const outcomes: string[] = [];
    for (const ionCase of ION_CASES) {
      await cloudSuiteSim.addFault(pipeline.cloudSuiteUrl, {
        kind: 'malformed',
        body: ionCase.body,
        tenant: tenant.ionTenant,
        program: product === 'm3' ? 'CRS620MI' : 'SLVendors',
        times: ionCase.times,
        ...(ionCase.status === undefined ? {} : { status: ionCase.status }),
      });
      const run = await runSuppliers(tenant);
      await cloudSuiteSim.clearFaults(pipeline.cloudSuiteUrl);
      const name = `${ionCase.body}${ionCase.status ? ` ${ionCase.status}` : ''}`;
      outcomes.push(`${name} → ${run.status}: ${String(run.error).slice(0, 140)}`);
      assert.equal(run.status, ionCase.run, `${name}: ${JSON.stringify(run).slice(0, 400)}`);
      assert.match(String(run.error), ionCase.error, name);
      assert.equal(pipeline.services.extractor.child.exitInfo, undefined, `${name}: the extractor is still running`);
    }
    process.stderr.write(`${product} malformed ION answers:\n  ${outcomes.join('\n  ')}\n`);
    const recovered = await runSuppliers(tenant);
    assert.equal(recovered.status, 'succeeded', `the next run works: ${JSON.stringify(recovered).slice(0, 300)}`);
  });
}

test('malformed Zendesk answers: records are retried or dead-lettered with the reason, the partition keeps moving', {
  timeout: 110_000,
}, async () => {
  const db = new pg.Client({ connectionString: pipeline.schema.connectionString });
  await db.connect();
  try {
    const account = loaded.subdomain;
    const malformed = (path: string, body: string, times?: number) => ({
      account,
      path,
      ...(times === undefined ? {} : { times }),
      action: { kind: 'malformed-body', body },
    });
    await zendeskSim.setFaults(pipeline.zendeskUrl, [
      // Never readable: GL accounts end dead-lettered with the reason.
      malformed('^/api/v2/custom_objects/mlc_gl_account/jobs', 'html'),
      // Readable again on a retry: these records land.
      malformed('^/api/v2/organizations/create_many', 'truncated', 1),
      malformed('^/api/v2/organizations/show_many', 'missing-keys', 1),
      malformed('^/api/v2/job_statuses/show_many', 'wrong-types', 2),
      malformed('^/api/v2/users/create_or_update_many', 'huge', 1),
      malformed('^/api/v2/custom_objects/mlc_invoice/jobs', 'endless', 1),
    ]);
    await adminApi.requestRun(pipeline.api, loaded.tenantId);
    const expected = Object.values(loaded.counts).reduce((sum, count) => sum + count, 0);
    const settled = async () => {
      const { rows } = await db.query<{ n: string }>(
        `SELECT count(DISTINCT (entity, natural_key)) AS n FROM posting_history
          WHERE tenant_id = $1 AND zendesk_target NOT LIKE 'user:supplier-contact%'`,
        [loaded.tenantId],
      );
      return Number(rows[0]?.n ?? 0);
    };
    let deadline = Date.now() + 75_000;
    while (Date.now() < deadline && (await settled()) < expected) await sleep(1000);
    assert.equal(await settled(), expected, 'every record has an audited outcome despite the malformed answers');
    for (const rule of (await zendeskSim.faults(pipeline.zendeskUrl)).rules) {
      assert.ok(rule.fired > 0, `the fault on ${rule.path} was served`);
    }
    assert.equal(pipeline.services.loader.child.exitInfo, undefined, 'the loader is still running');

    const { rows: outcomes } = await db.query<{ entity: string; status: string; error_code: string | null; n: string }>(
      `SELECT h.entity, h.status, h.error_code, count(*) AS n
         FROM posting_state s JOIN posting_history h ON h.id = s.latest_id
        WHERE s.tenant_id = $1 AND s.zendesk_target NOT LIKE 'user:supplier-contact%'
        GROUP BY h.entity, h.status, h.error_code ORDER BY h.entity, h.status`,
      [loaded.tenantId],
    );
    process.stderr.write(`postings after malformed Zendesk answers: ${JSON.stringify(outcomes)}\n`);
    for (const entity of ENTITIES) {
      const rows = outcomes.filter((row) => row.entity === entity);
      const count = loaded.counts[entity] ?? 0;
      if (entity === 'gl-account') {
        assert.deepEqual(
          rows.map((row) => [row.status, row.error_code, Number(row.n)]),
          [['dead_lettered', 'MLC_ZENDESK_MALFORMED_RESPONSE', count]],
          'every GL account is dead-lettered with the reason',
        );
      } else {
        assert.deepEqual(
          rows.map((row) => [row.status, Number(row.n)]),
          [['applied', count]],
          `${entity}: applied after the retries`,
        );
      }
    }
    const dlq = (await adminApi.listDeadLetters(pipeline.api, loaded.tenantId, { entity: 'gl-account', limit: 5 })) as {
      errorCode?: string;
      error?: { description?: string };
    }[];
    assert.ok(dlq.length > 0, 'the DLQ view lists the GL accounts');
    for (const entry of dlq) {
      assert.equal(entry.errorCode, 'MLC_ZENDESK_MALFORMED_RESPONSE');
      assert.match(String(entry.error?.description), /an HTML page, not JSON/);
    }

    // The partition keeps moving: with Zendesk readable again, later changes land, GL accounts included.
    await zendeskSim.setFaults(pipeline.zendeskUrl, []);
    const changed = new Map<string, number>();
    for (const entity of ['invoice', 'gl-account']) {
      const mutation = await cloudSuiteSim.mutate(pipeline.cloudSuiteUrl, loaded.ionTenant, entity, { change: 3 });
      changed.set(entity, mutation.changed.length);
    }
    await adminApi.requestRun(pipeline.api, loaded.tenantId);
    const landed = async (entity: string) => {
      const { rows } = await db.query<{ n: string }>(
        `SELECT count(DISTINCT natural_key) AS n FROM posting_history h JOIN published_records p USING (tenant_id, entity, natural_key, content_hash)
          WHERE h.tenant_id = $1 AND h.entity = $2 AND h.status = 'applied' AND p.published_at > now() - interval '2 minutes'
            AND h.created_at >= p.published_at`,
        [loaded.tenantId, entity],
      );
      return Number(rows[0]?.n ?? 0);
    };
    deadline = Date.now() + 30_000;
    for (const [entity, count] of changed) {
      while (Date.now() < deadline && (await landed(entity)) < count) await sleep(500);
      assert.ok((await landed(entity)) >= count, `${entity}: the ${count} changed records landed afterwards`);
    }
    const state = await zendeskSim.state(pipeline.zendeskUrl, loaded.subdomain);
    assert.equal(loadedCountsOf(state, loaded.tenantId, ENTITIES).duplicates, 0, 'no record was written twice');
    assert.equal(state.duplicateCount, 0);
  } finally {
    await db.end();
  }
});

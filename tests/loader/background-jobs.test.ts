import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TenantZendeskDirectory } from '@mlc/loader/tenant-zendesk-directory';
import type { JobStatus } from '@mlc/loader/zendesk/job-status';
import { buildZendeskSimulator, type ZendeskSimulator } from '@mlc/simulators/zendesk/zendesk-simulator';

const OAUTH = { identifier: 'mlc-loader', secret: 'watcher-test-secret' };
let simulator: ZendeskSimulator;

before(async () => {
  simulator = buildZendeskSimulator({});
  await simulator.listen({ port: 0, host: '127.0.0.1' });
});
after(() => simulator.close());

async function tenant(subdomain: string, jobMs: number, timeoutMs = 10_000, maxQueued = 30) {
  simulator.addAccount({
    subdomain,
    endpointLimits: { maxConcurrentJobs: maxQueued },
    plan: 'enterprise_plus',
    oauthClients: [OAUTH],
    jobQueuedMs: jobMs,
    jobWorkingMs: jobMs,
  });
  const directory = new TenantZendeskDirectory({
    jobs: { intervalMs: 10, timeoutMs, maxQueued },
    loadTenant: async (tenantId) => ({
      tenantId,
      subdomain,
      baseUrl: simulator.baseUrl(subdomain),
      requestsPerMinute: 2500,
      share: 1,
      credentials: { kind: 'oauth', clientId: OAUTH.identifier, clientSecret: OAUTH.secret },
      mapping: null,
    }),
  });
  return directory.get(subdomain);
}

function jobRequests(subdomain: string) {
  const entries = simulator.requestLog.entries({ account: subdomain });
  return {
    single: entries.filter((entry) => /^\/api\/v2\/job_statuses\/(?!show_many)/.test(entry.path)).length,
    many: entries.filter((entry) => entry.path === '/api/v2/job_statuses/show_many').length,
  };
}

test('the jobs of concurrent bulk writes share their polls, and each gets its own results', async () => {
  const { client, jobs } = await tenant('watcher-shared', 60);
  const submitted = await Promise.all(
    Array.from({ length: 12 }, (_, batch) =>
      client.send<{ job_status: JobStatus }>({
        method: 'POST',
        path: '/api/v2/users/create_or_update_many',
        body: {
          users: Array.from({ length: 3 }, (_, n) => ({
            name: `User ${batch}-${n}`,
            external_id: `watcher-${batch}-${n}`,
          })),
        },
        endpoint: 'users/create_or_update_many',
        idempotent: true,
      }),
    ),
  );
  const finished = await Promise.all(submitted.map(({ job_status }) => jobs.wait(job_status)));
  for (const job of finished) {
    assert.equal(job.status, 'completed');
    assert.equal(job.results?.length, 3);
  }
  const requests = jobRequests('watcher-shared');
  assert.equal(requests.single, 0);
  assert.ok(requests.many >= 1, 'polled at least once');
  assert.ok(requests.many < submitted.length, `${requests.many} polls for ${submitted.length} jobs`);
});

test('no more than maxQueued jobs of a tenant are queued at once, so Zendesk never refuses one', async () => {
  const { client, jobs } = await tenant('watcher-capped', 30, 10_000, 2);
  const outcomes = await Promise.all(
    Array.from({ length: 7 }, (_, n) =>
      jobs.run(async () => {
        const { job_status } = await client.send<{ job_status: JobStatus }>({
          method: 'POST',
          path: '/api/v2/users/create_or_update_many',
          body: { users: [{ name: `Capped ${n}`, external_id: `capped-${n}` }] },
          endpoint: 'users/create_or_update_many',
          idempotent: true,
        });
        return job_status;
      }),
    ),
  );
  assert.deepEqual(
    outcomes.map((job) => job.status),
    Array(7).fill('completed'),
  );
  const writes = simulator.requestLog
    .entries({ account: 'watcher-capped' })
    .filter((entry) => entry.path === '/api/v2/users/create_or_update_many');
  assert.deepEqual(
    writes.map((entry) => entry.status),
    Array(7).fill(200),
  );
});

test('a job Zendesk does not know is given up after a few polls, as a retryable error', async () => {
  const { jobs } = await tenant('watcher-unknown', 0);
  await assert.rejects(jobs.wait({ id: 'no-such-job', status: 'queued' }), /no longer knows job no-such-job/);
  assert.equal(jobRequests('watcher-unknown').many, 3);
});

test('a job that does not finish in time is given up with its last status', async () => {
  const { jobs, client } = await tenant('watcher-slow', 5_000, 150);
  const { job_status } = await client.send<{ job_status: JobStatus }>({
    method: 'POST',
    path: '/api/v2/users/create_or_update_many',
    body: { users: [{ name: 'Slow', external_id: 'slow-1' }] },
    endpoint: 'users/create_or_update_many',
    idempotent: true,
  });
  await assert.rejects(jobs.wait(job_status), /did not finish within 150 ms \(status queued\)/);
});

test('a job that is already finished when submitted costs no poll', async () => {
  const { jobs } = await tenant('watcher-finished', 0);
  const done = await jobs.wait({ id: 'x', status: 'completed', results: [] });
  assert.equal(done.status, 'completed');
  assert.equal(jobRequests('watcher-finished').many, 0);
});

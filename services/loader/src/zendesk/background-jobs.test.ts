import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isMlcError } from '@mlc/common/errors';
import { BackgroundJobs } from './background-jobs.ts';
import type { ZendeskClient } from './zendesk-client.ts';

/** Jobs polled through a client whose every `show_many` answers `answer`. */
function jobsAnswering(answer: unknown): { jobs: BackgroundJobs; polls: () => number } {
  let polls = 0;
  const client = {
    async send() {
      polls++;
      return answer;
    },
  } as unknown as ZendeskClient;
  return { jobs: new BackgroundJobs(client, { intervalMs: 1, timeoutMs: 5_000, maxQueued: 4 }), polls: () => polls };
}

test('poll answers that stay unreadable fail the waiting jobs as malformed after 3 polls, not at the deadline', async () => {
  const unreadable: [unknown, RegExp][] = [
    [{}, /no job_statuses list/],
    [{ job_statuses: 'j1' }, /no job_statuses list/],
    [{ job_statuses: [{ id: { '#text': 'j1' }, status: { '#text': 'completed' } }] }, /a job_status without a text id/],
    [{ job_statuses: [{ id: 'j1', status: 'completed', results: [7] }] }, /results that are not a list of objects/],
  ];
  for (const [answer, problem] of unreadable) {
    const { jobs, polls } = jobsAnswering(answer);
    await assert.rejects(
      jobs.wait({ id: 'j1', status: 'queued' }),
      (e: unknown) =>
        isMlcError(e, 'MLC_ZENDESK_MALFORMED_RESPONSE') &&
        e.message.startsWith('Zendesk job_statuses/show_many answered 200') &&
        problem.test(e.message),
      JSON.stringify(answer),
    );
    assert.equal(polls(), 3, JSON.stringify(answer));
  }
});

test('one unreadable poll answer is only a miss: the next readable one finishes the job', async () => {
  const answers: unknown[] = [
    { job_statuses: [{ id: { '#text': 'j1' }, status: 'working' }] },
    { job_statuses: [{ id: 'j1', status: 'completed', results: [] }] },
  ];
  const client = { send: async () => answers.shift() } as unknown as ZendeskClient;
  const jobs = new BackgroundJobs(client, { intervalMs: 1, timeoutMs: 5_000, maxQueued: 4 });
  assert.equal((await jobs.wait({ id: 'j1', status: 'queued' })).status, 'completed');
  assert.equal(answers.length, 0);
});

test('a readable poll answer finishes the job', async () => {
  const { jobs } = jobsAnswering({ job_statuses: [{ id: 'j1', status: 'completed', results: [{ index: 0, id: 5 }] }] });
  assert.equal((await jobs.wait({ id: 'j1', status: 'queued' })).status, 'completed');
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isMlcError } from '@mlc/common/errors';
import { type JobStatus, jobItemOutcomes, jobStatusProblem, submittedJob } from './job-status.ts';

const ids = ['a', 'b', 'c'];

test('results are matched to items by index, whatever order Zendesk lists them in', () => {
  const job: JobStatus = {
    id: 'j',
    status: 'completed',
    results: [
      { index: 2, id: 30, action: 'create', status: 'Created' },
      { index: 0, id: 10, action: 'update', status: 'Updated' },
      { index: 1, error: 'RecordInvalid', details: { email: [{ description: 'is invalid', error: 'InvalidFormat' }] } },
    ],
  };
  const outcomes = jobItemOutcomes(job, ids);
  assert.deepEqual(outcomes[0], { ok: true, zendeskId: '10', action: 'update' });
  assert.deepEqual(outcomes[2], { ok: true, zendeskId: '30', action: 'create' });
  assert.equal(outcomes[1]?.ok, false);
  assert.ok(!outcomes[1]!.ok && outcomes[1]!.permanent && outcomes[1]!.error.error === 'RecordInvalid');
});

test('results without index are matched by external_id', () => {
  const job: JobStatus = {
    id: 'j',
    status: 'completed',
    results: [
      { external_id: 'c', id: 3, success: true },
      { external_id: 'a', id: 1, success: true },
      { external_id: 'b', success: false, errors: [{ code: 'X' }] },
    ],
  };
  const outcomes = jobItemOutcomes(job, ids);
  assert.equal(outcomes[0]?.ok && outcomes[0].zendeskId, '1');
  assert.equal(outcomes[2]?.ok && outcomes[2].zendeskId, '3');
  assert.equal(outcomes[1]?.ok, false);
});

test('an item a failed job left without result is a transient failure worth a retry', () => {
  const outcomes = jobItemOutcomes({ id: 'j', status: 'failed', results: null }, ids);
  assert.ok(outcomes.every((outcome) => !outcome.ok && !outcome.permanent));
});

test('a submitted job without a usable job_status fails as malformed (transient), naming the endpoint', () => {
  const job = { id: 'j1', status: 'queued', results: null };
  assert.deepEqual(submittedJob({ job_status: job }, 'users/create_or_update_many'), job);
  const unusable: [unknown, string][] = [
    [{}, 'no job_status object'],
    [{ job_status: 'queued' }, 'no job_status object'],
    [{ job_status: { id: { '#text': 'j1' }, status: 'queued' } }, 'a job_status without a text id'],
    [{ job_status: { id: 'j1', status: 3 } }, 'job_status j1 without a text status'],
    [
      { job_status: { id: 'j1', status: 'completed', results: [null] } },
      'job_status j1 with results that are not a list of objects',
    ],
    [
      { job_status: { id: 'j1', status: 'completed', results: 'ok' } },
      'job_status j1 with results that are not a list of objects',
    ],
  ];
  for (const [answer, problem] of unusable) {
    assert.equal(jobStatusProblem((answer as { job_status?: unknown }).job_status), problem);
    assert.throws(
      () => submittedJob(answer as { job_status?: unknown }, 'users/create_or_update_many'),
      (e: unknown) =>
        isMlcError(e, 'MLC_ZENDESK_MALFORMED_RESPONSE') &&
        e.message.startsWith('Zendesk users/create_or_update_many answered 200') &&
        e.message.endsWith(problem),
      JSON.stringify(answer),
    );
  }
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { summarizeZendesk } from './request-accounting.ts';

function entry(method: string, path: string, status = 200) {
  return { time: '2026-01-01T00:00:00Z', account: 'a', method, path, route: path, status };
}

test('requests are attributed per target; provisioning, job polls and OAuth are lines of their own', () => {
  const summary = summarizeZendesk([
    entry('POST', '/api/v2/custom_objects'),
    entry('POST', '/api/v2/custom_objects/mlc_invoice/fields'),
    entry('GET', '/api/v2/user_fields'),
    entry('POST', '/api/v2/custom_objects/mlc_invoice/jobs'),
    entry('GET', '/api/v2/custom_objects/mlc_invoice/records'),
    entry('POST', '/api/v2/users/create_or_update_many'),
    entry('GET', '/api/v2/organizations/show_many'),
    entry('GET', '/api/v2/job_statuses/show_many', 429),
    entry('POST', '/oauth/tokens'),
  ]);
  assert.deepEqual(summary.perTarget, {
    provisioning: 3,
    'custom_object_record:mlc_invoice': 2,
    user: 1,
    organization: 1,
    job_statuses: 1,
    oauth: 1,
  });
  assert.equal(summary.throttled, 1);
  assert.equal(summary.writes, 4);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMetrics, httpMetricsHooks, renderMetrics } from './metrics.ts';

test('createMetrics registers the shared metrics in its own registry and renders Prometheus text', async () => {
  const metrics = createMetrics({ processMetrics: false });
  metrics.records.inc({ service: 'extractor', entity: 'supplier', outcome: 'published' }, 3);
  metrics.rateBudgetWait.observe({ target: 'ion' }, 0.25);
  metrics.runDuration.observe({ service: 'extractor', status: 'succeeded' }, 12);
  metrics.lastSuccessfulRun.set({ service: 'extractor', tenant: 'acme' }, 1_700_000_000);
  const { contentType, body } = await renderMetrics(metrics.registry);
  assert.match(contentType, /^text\/plain/);
  assert.match(body, /mlc_records_total\{service="extractor",entity="supplier",outcome="published"\} 3/);
  assert.match(body, /mlc_rate_budget_wait_seconds_count\{target="ion"\} 1/);
  assert.match(body, /mlc_run_duration_seconds_sum\{service="extractor",status="succeeded"\} 12/);
  assert.match(body, /# TYPE mlc_http_requests_total counter/);
  assert.doesNotMatch(body, /process_cpu/);
});

test('two metric sets do not collide, so tests and services can each create one', () => {
  assert.doesNotThrow(() => {
    createMetrics({ processMetrics: false });
    createMetrics({ processMetrics: false });
  });
});

test('process metrics and default labels are included when asked for', async () => {
  const metrics = createMetrics({ defaultLabels: { instance: 'loader-0' } });
  metrics.records.inc({ service: 'loader', entity: 'invoice', outcome: 'applied' });
  const { body } = await renderMetrics(metrics.registry);
  assert.match(body, /mlc_process_cpu_user_seconds_total/);
  assert.match(body, /mlc_records_total\{service="loader",entity="invoice",outcome="applied",instance="loader-0"\} 1/);
});

test('httpMetricsHooks count attempts by status and retries by reason', async () => {
  const metrics = createMetrics({ processMetrics: false });
  const hooks = httpMetricsHooks(metrics);
  const base = { target: 'zendesk', method: 'POST' as const, url: 'https://x.zendesk.com/api/v2/jobs', durationMs: 5 };
  hooks.onAttempt({ ...base, attempt: 1, status: 429, error: undefined });
  hooks.onAttempt({ ...base, attempt: 2, status: undefined, error: 'timeout' });
  hooks.onAttempt({ ...base, attempt: 3, status: 200, error: undefined });
  hooks.onRetry({ ...base, attempt: 1, reason: 'rate_limited', status: 429, waitMs: 1000, retryAfterMs: 1000 });
  const { body } = await renderMetrics(metrics.registry);
  assert.match(body, /mlc_http_requests_total\{target="zendesk",status="429"\} 1/);
  assert.match(body, /mlc_http_requests_total\{target="zendesk",status="error"\} 1/);
  assert.match(body, /mlc_http_requests_total\{target="zendesk",status="200"\} 1/);
  assert.match(body, /mlc_http_retries_total\{target="zendesk",reason="rate_limited"\} 1/);
});

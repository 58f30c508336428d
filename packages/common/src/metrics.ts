import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { HttpAttemptEvent, HttpRetryEvent } from './http-client.ts';

/**
 * The Prometheus metrics every service shares, in one registry per process (services add their own to
 * `registry`). Names carry the `mlc_` namespace. Labels are bounded sets (targets, entities, outcomes, tenants),
 * never record keys or URLs with ids in them.
 */

export interface MlcMetrics {
  registry: Registry;
  /** Upstream attempts by target (`ion`, `zendesk`…) and status (`200`, `429`, or `error`). */
  httpRequests: Counter<'target' | 'status'>;
  httpRetries: Counter<'target' | 'reason'>;
  /** Time spent waiting for the rate budget, per target. */
  rateBudgetWait: Histogram<'target'>;
  /** Records handled, by service, entity and outcome (`published`, `unchanged`, `applied`, `failed`, `dead-lettered`…). */
  records: Counter<'service' | 'entity' | 'outcome'>;
  runDuration: Histogram<'service' | 'status'>;
  /** Unix time of the last successful run per service and tenant, for "stale tenant" alerts. */
  lastSuccessfulRun: Gauge<'service' | 'tenant'>;
}

export interface CreateMetricsOptions {
  /** Labels on every metric, e.g. `{ instance: 'loader-0' }`. */
  defaultLabels?: Record<string, string>;
  /** Node.js process metrics (heap, event loop lag, GC); default true. */
  processMetrics?: boolean;
}

export function createMetrics(options: CreateMetricsOptions = {}): MlcMetrics {
  const registry = new Registry();
  if (options.defaultLabels) registry.setDefaultLabels(options.defaultLabels);
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'mlc_' });
  const registers = [registry];
  return {
    registry,
    httpRequests: new Counter({
      name: 'mlc_http_requests_total',
      help: 'Upstream HTTP attempts by target and status',
      labelNames: ['target', 'status'] as const,
      registers,
    }),
    httpRetries: new Counter({
      name: 'mlc_http_retries_total',
      help: 'Upstream HTTP retries by target and reason',
      labelNames: ['target', 'reason'] as const,
      registers,
    }),
    rateBudgetWait: new Histogram({
      name: 'mlc_rate_budget_wait_seconds',
      help: 'Time a request waited for its rate budget',
      labelNames: ['target'] as const,
      buckets: [0.001, 0.01, 0.1, 0.5, 1, 2, 5, 10, 30, 60],
      registers,
    }),
    records: new Counter({
      name: 'mlc_records_total',
      help: 'Records handled by service, entity and outcome',
      labelNames: ['service', 'entity', 'outcome'] as const,
      registers,
    }),
    runDuration: new Histogram({
      name: 'mlc_run_duration_seconds',
      help: 'Duration of extractor runs and loader batches',
      labelNames: ['service', 'status'] as const,
      buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900, 1800, 3600],
      registers,
    }),
    lastSuccessfulRun: new Gauge({
      name: 'mlc_last_successful_run_timestamp_seconds',
      help: 'Unix time of the last successful run',
      labelNames: ['service', 'tenant'] as const,
      registers,
    }),
  };
}

/** `onAttempt`/`onRetry` hooks for `HttpClient.requestWithRetry` that feed the shared HTTP metrics. */
export function httpMetricsHooks(metrics: MlcMetrics): {
  onAttempt: (event: HttpAttemptEvent) => void;
  onRetry: (event: HttpRetryEvent) => void;
} {
  return {
    onAttempt: (event) =>
      metrics.httpRequests.inc({
        target: event.target,
        status: event.status === undefined ? 'error' : String(event.status),
      }),
    onRetry: (event) => metrics.httpRetries.inc({ target: event.target, reason: event.reason }),
  };
}

/** The `/metrics` response: mount as `GET /metrics` → `reply.type(contentType).send(body)`. */
export async function renderMetrics(registry: Registry): Promise<{ contentType: string; body: string }> {
  return { contentType: registry.contentType, body: await registry.metrics() };
}

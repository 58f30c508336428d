import type { MlcMetrics } from '@mlc/common/metrics';
import { Counter, Gauge } from 'prom-client';
import { CONTACT_TARGET } from './mapping/record-mapper.ts';
import type { Posting } from './posting/posting.ts';
import type { PostingSink } from './posting/posting-batch-processor.ts';
import type { ZendeskResponseObservation } from './zendesk/zendesk-client.ts';

const ZENDESK = 'zendesk';

/**
 * The loader's metrics: the shared ones (records by entity and outcome, Zendesk attempts by status, retries,
 * budget waits) plus per-tenant postings, Zendesk requests by endpoint and consumer lag. Tenants, targets
 * and endpoints are bounded label sets; record keys never become labels.
 */
export interface LoaderMetrics {
  common: MlcMetrics;
  postings: Counter<'tenant' | 'target' | 'status'>;
  zendeskRequests: Counter<'endpoint' | 'status'>;
  bulkRecordsWritten: Counter<'tenant' | 'target'>;
  writeRetries: Counter<'tenant' | 'target'>;
  consumerLag: Gauge<'topic' | 'partition'>;
}

export function createLoaderMetrics(common: MlcMetrics): LoaderMetrics {
  const registers = [common.registry];
  return {
    common,
    postings: new Counter({
      name: 'mlc_loader_postings_total',
      help: 'Postings by tenant, Zendesk target and status (applied, unchanged, failed, dead_lettered)',
      labelNames: ['tenant', 'target', 'status'] as const,
      registers,
    }),
    zendeskRequests: new Counter({
      name: 'mlc_loader_zendesk_requests_total',
      help: 'Zendesk requests by endpoint and HTTP status (0 = no answer)',
      labelNames: ['endpoint', 'status'] as const,
      registers,
    }),
    bulkRecordsWritten: new Counter({
      name: 'mlc_loader_records_written_total',
      help: 'Records sent to Zendesk in write requests, by tenant and target',
      labelNames: ['tenant', 'target'] as const,
      registers,
    }),
    writeRetries: new Counter({
      name: 'mlc_loader_write_retries_total',
      help: 'Re-sent batches of records that failed transiently, by tenant and target',
      labelNames: ['tenant', 'target'] as const,
      registers,
    }),
    consumerLag: new Gauge({
      name: 'mlc_loader_consumer_lag',
      help: 'Change events behind the end of the partition after the last committed batch',
      labelNames: ['topic', 'partition'] as const,
      registers,
    }),
  };
}

/** The hooks of the Zendesk client, the directory, the processor and the consumer, feeding the metrics. */
export function loaderMetricHooks(metrics: LoaderMetrics) {
  const { common } = metrics;
  return {
    onResponse(observation: ZendeskResponseObservation): void {
      const status = observation.status === 0 ? 'error' : String(observation.status);
      common.httpRequests.inc({ target: ZENDESK, status });
      metrics.zendeskRequests.inc({ endpoint: observation.endpoint, status });
    },
    onClientRetry(_endpoint: string, reason: string): void {
      common.httpRetries.inc({ target: ZENDESK, reason });
    },
    onBudgetWait(_tenantId: string, waitedMs: number): void {
      common.rateBudgetWait.observe({ target: ZENDESK }, waitedMs / 1000);
    },
    onBatchWritten(tenantId: string, target: string, records: number): void {
      metrics.bulkRecordsWritten.inc({ tenant: tenantId, target }, records);
    },
    onWriteRetry(tenantId: string, target: string): void {
      metrics.writeRetries.inc({ tenant: tenantId, target });
    },
    onBatch(topic: string, partition: number, _messages: number, lag: number): void {
      metrics.consumerLag.set({ topic, partition: String(partition) }, lag);
    },
    /** Counts postings once they are durable (the last sink). */
    sink: {
      async record(postings: readonly Posting[]): Promise<void> {
        for (const posting of postings) {
          common.records.inc({ service: 'loader', entity: posting.entity, outcome: posting.status });
          // One contact target per contact would be an unbounded label: they count as one.
          const target = posting.zendeskTarget.startsWith(CONTACT_TARGET) ? CONTACT_TARGET : posting.zendeskTarget;
          metrics.postings.inc({ tenant: posting.tenantId, target, status: posting.status });
        }
      },
    } satisfies PostingSink,
  };
}

/**
 * Scenario 7: many tenants at once (unthrottled), one run each started together. Aggregate records/s
 * (all runs started → last tenant fully confirmed) and fairness: the slowest tenant's records/s as a
 * share of the mean tenant's. A tenant is done when posting_history holds a posting for every event its
 * run published.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchTenant, LoaderMode } from '../bench-pipeline.ts';
import { round } from '../request-accounting.ts';
import type { ScenarioContext } from '../scenario-context.ts';

async function runMode(ctx: ScenarioContext, mode: LoaderMode, tenantCount: number, records: number) {
  const pipeline = await ctx.pipeline(`tenants_${mode}`, {
    topicPartitions: 6,
    env: { EXTRACTOR_MAX_PARALLEL_TENANTS: '8' },
  });
  try {
    const tenants: BenchTenant[] = [];
    for (let i = 0; i < tenantCount; i++) tenants.push(await pipeline.addTenant({ records }));
    const loader = await pipeline.startLoader(mode);
    const extractor = await pipeline.startExtractor();
    const started = Date.now();
    const published = new Map<string, number>();
    const requests = await Promise.all(tenants.map((tenant) => pipeline.requestExtraction(tenant.tenantId)));
    const runs = Promise.all(
      tenants.map(async (tenant, i) => {
        const run = await pipeline.waitForRun(requests[i]!, ctx.timeoutMs);
        published.set(tenant.tenantId, run.published);
      }),
    );
    const doneAt = new Map<string, number>();
    let runsDone = false;
    void runs.then(() => {
      runsDone = true;
    });
    const deadline = Date.now() + ctx.timeoutMs;
    while (Date.now() < deadline && doneAt.size < tenants.length) {
      const { rows } = await pipeline.pool.query<{ tenant_id: string; n: string }>(
        'select tenant_id, count(distinct (source_topic, source_partition, source_offset)) as n from posting_history group by tenant_id',
      );
      const now = Date.now();
      for (const row of rows) {
        const expected = published.get(row.tenant_id);
        if (!doneAt.has(row.tenant_id) && expected !== undefined && Number(row.n) >= expected)
          doneAt.set(row.tenant_id, now);
      }
      if (runsDone) for (const [id, n] of published) if (n === 0 && !doneAt.has(id)) doneAt.set(id, now);
      await sleep(250);
    }
    await runs;
    await extractor.stop();
    await loader.stop();
    const rates = tenants.map((tenant) => {
      const finished = doneAt.get(tenant.tenantId) ?? Date.now();
      return ((published.get(tenant.tenantId) ?? 0) / (finished - started)) * 1000;
    });
    const total = [...published.values()].reduce((sum, n) => sum + n, 0);
    const last = Math.max(...[...doneAt.values()], started + 1);
    const mean = rates.reduce((sum, r) => sum + r, 0) / Math.max(1, rates.length);
    return {
      tenants: tenantCount,
      recordsPerTenant: records,
      records: total,
      aggregateRecordsPerSec: round((total / (last - started)) * 1000, 1),
      slowestTenantRecordsPerSec: round(Math.min(...rates), 1),
      meanTenantRecordsPerSec: round(mean, 1),
      fairness: round(Math.min(...rates) / Math.max(mean, 1e-9), 3),
      unfinishedTenants: tenants.length - doneAt.size,
    };
  } finally {
    await pipeline.close();
  }
}

export async function tenants(ctx: ScenarioContext) {
  const product = ctx.quick ? { tenants: 5, records: 200 } : { tenants: 50, records: 2000 };
  const baseline = ctx.quick ? { tenants: 3, records: 20 } : { tenants: 50, records: 10 };
  ctx.log(`tenants: product ${JSON.stringify(product)}, baseline ${JSON.stringify(baseline)}`);
  const productFigures = await runMode(ctx, 'product', product.tenants, product.records);
  ctx.log(`tenants product: ${JSON.stringify(productFigures)}`);
  const baselineFigures = await runMode(ctx, 'baseline', baseline.tenants, baseline.records);
  return {
    note: 'fairness = slowest tenant records/s ÷ mean tenant records/s; baseline on fewer records per tenant',
    product: productFigures,
    baseline: baselineFigures,
  };
}

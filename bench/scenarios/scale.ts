/**
 * Scenario 5 (full mode): a large data set through the extractor and loader processes. Peak RSS per
 * service (VmHWM from /proc/<pid>/status, read before each stops) and whether throughput holds: records/s
 * of the loader over its first and its last 10 % of postings (posting_history created_at).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { round } from '../request-accounting.ts';
import type { ScenarioContext } from '../scenario-context.ts';

const MB = 2 ** 20;

export async function scale(ctx: ScenarioContext) {
  const records = ctx.quick ? 20_000 : ctx.scaleRecords;
  ctx.log(`scale: ${records} records, product only`);
  const pipeline = await ctx.pipeline('scale');
  try {
    const tenant = await pipeline.addTenant({ records });
    const extractor = await pipeline.startExtractor();
    const loader = await pipeline.startLoader('product');
    const peaks = { extractor: 0, loader: 0 };
    const sample = () => {
      peaks.extractor = Math.max(peaks.extractor, extractor.peakRssBytes() ?? 0);
      peaks.loader = Math.max(peaks.loader, loader.peakRssBytes() ?? 0);
    };
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        sample();
        await sleep(2000);
      }
    })();
    const extraction = await pipeline.runExtraction(tenant.tenantId, { timeoutMs: ctx.timeoutMs });
    const drained = await pipeline.waitForDrain(ctx.timeoutMs, 1000);
    sampling = false;
    await sampler;
    sample();
    await loader.stop();
    await extractor.stop();
    const { rows } = await pipeline.pool.query<{ marks: Date[]; n: string }>(
      `select percentile_disc(array[0, 0.1, 0.9, 1]) within group (order by created_at) as marks, count(*) as n
       from posting_history`,
    );
    const n = Number(rows[0]?.n ?? 0);
    const [t0, t10, t90, t100] = (rows[0]?.marks ?? []).map((d) => d.getTime());
    const rate = (from?: number, to?: number) =>
      from === undefined || to === undefined ? null : round(((n * 0.1) / Math.max(1, to - from)) * 1000, 1);
    const firstTenth = rate(t0, t10);
    const lastTenth = rate(t90, t100);
    const elapsedMs = drained.drainedAt - extraction.started;
    return {
      note: 'product only: the per-record baseline would take hours at this size',
      product: {
        records: extraction.published,
        endToEndRecordsPerSec: round((extraction.published / elapsedMs) * 1000, 1),
        extractPublishRecordsPerSec: round(
          (extraction.published / Math.max(1, extraction.finished - extraction.started)) * 1000,
          1,
        ),
        elapsedMs,
        timedOut: drained.timedOut,
        peakRssMb: { extractor: round(peaks.extractor / MB, 1), loader: round(peaks.loader / MB, 1) },
        loaderPostingsPerSec: { first10Percent: firstTenth, last10Percent: lastTenth },
        throughputHeld: firstTenth === null || lastTenth === null ? null : round(lastTenth / firstTenth, 3),
      },
      baseline: null,
    };
  } finally {
    await pipeline.close();
  }
}

/**
 * Scenario 3: simulators that enforce 700 rpm (Zendesk) and 300 rpm (ION), one window per side. First the
 * extractor lists a large tenant for the window (the ION side, budget-bound); then the loader drains the
 * backlog that left in Kafka for the window (the Zendesk side). Run together, the ION budget would starve
 * the loader: at 300 rpm the extractor supplies fewer records than 700 Zendesk rpm can write. Per side: the
 * most requests in any 60 s of the busy span (what a per-minute limit counts) ÷ allowed rpm, the mean rpm
 * over the busy span, and the 429s. Product and baseline run at the same time on their own tenants and
 * accounts (each has its own budgets), so each window is spent once.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchPipeline, LoaderMode } from '../bench-pipeline.ts';
import type { IonLogEntry, ZendeskLogEntry } from '../bench-simulators.ts';
import { round } from '../request-accounting.ts';
import type { ScenarioContext } from '../scenario-context.ts';

const ZENDESK_RPM = 700;
const ION_RPM = 300;

function usage(
  entries: readonly { time: number; status: number }[],
  windowStart: number,
  windowEnd: number,
  allowed: number,
) {
  const inWindow = entries.filter((entry) => entry.time >= windowStart && entry.time <= windowEnd);
  const last = inWindow.at(-1)?.time ?? windowStart;
  // Busy span: while the backlog lasted on this side (it may run out before the window ends).
  const busyMs = Math.max(1, Math.min(windowEnd, last) - windowStart);
  const times = inWindow.map((entry) => entry.time);
  let peakMinute = 0;
  for (let first = 0, end = 0; first < times.length; first++) {
    while (end < times.length && times[end]! < times[first]! + 60_000) end++;
    peakMinute = Math.max(peakMinute, end - first);
  }
  return {
    requests: inWindow.length,
    busySeconds: round(busyMs / 1000, 1),
    meanRpm: round(inWindow.length / (busyMs / 60_000), 1),
    peakMinuteRequests: peakMinute,
    allowedRpm: allowed,
    // Over a busy span shorter than a minute no 60 s window is full: the share is of the span's pro rata budget.
    usedShare: round(peakMinute / (allowed * Math.min(1, busyMs / 60_000)), 3),
    throttled: inWindow.filter((entry) => entry.status === 429).length,
  };
}

async function runMode(
  ctx: ScenarioContext,
  pipeline: BenchPipeline,
  mode: LoaderMode,
  records: number,
  windowMs: number,
) {
  const tenant = await pipeline.addTenant({ records, ionRpm: ION_RPM, zendeskRpm: ZENDESK_RPM });
  // Small pages keep the ION side busy for the window (the default 500 would list the backlog in seconds).
  const extractor = await pipeline.startExtractor({ EXTRACTOR_PAGE_SIZE: '200' });
  const ionStart = Date.now();
  await pipeline.requestExtraction(tenant.tenantId);
  await sleep(windowMs);
  const ionEnd = Date.now();
  // The window is over: what the extractor would still list is not measured, so no long grace.
  await extractor.stop(3000);
  const loader = await pipeline.startLoader(mode);
  const zendeskStart = Date.now();
  await sleep(windowMs);
  const zendeskEnd = Date.now();
  await loader.stop(3000);
  const zendesk = (await ctx.sims.zendeskRequests(tenant.subdomain)).map((e: ZendeskLogEntry) => ({
    time: Date.parse(e.time),
    status: e.status,
  }));
  const ion = (await ctx.sims.ionRequests(tenant.ionTenant))
    .filter((e: IonLogEntry) => e.program !== null || e.status === 429)
    .map((e) => ({ time: Date.parse(e.timestamp), status: e.status }));
  const applied = Object.values(await pipeline.appliedPerTarget()).reduce((sum, n) => sum + n, 0);
  return {
    windowSeconds: round(windowMs / 1000, 1),
    zendesk: usage(zendesk, zendeskStart, zendeskEnd, ZENDESK_RPM),
    ion: usage(ion, ionStart, ionEnd, ION_RPM),
    recordsWritten: applied,
    recordsPerMinute: round(applied / ((zendeskEnd - zendeskStart) / 60_000), 1),
  };
}

export async function budgetUse(ctx: ScenarioContext) {
  // At 300 ION rpm and 200 records a page the extractor lists 60,000 records a minute: enough backlog for
  // the loader to spend 700 Zendesk rpm (about 70,000 records a minute) for most of its window.
  const windowMs = ctx.quick ? 20_000 : 120_000;
  const records = ctx.quick ? 30_000 : 150_000;
  ctx.log(`budget: ${records} records, ${windowMs / 1000} s per side, product and baseline side by side`);
  const product = await ctx.pipeline('budget_product');
  const baseline = await ctx.pipeline('budget_baseline');
  try {
    const [productFigures, baselineFigures] = await Promise.all([
      runMode(ctx, product, 'product', records, windowMs),
      runMode(ctx, baseline, 'baseline', records, windowMs),
    ]);
    ctx.log(`budget: ${JSON.stringify({ productFigures, baselineFigures })}`);
    return {
      note: 'ION window (extraction), then Zendesk window (the loader drains the backlog); usedShare = most requests in any 60 s of the busy span ÷ allowed rpm (pro rata when busy < 60 s)',
      product: productFigures,
      baseline: baselineFigures,
    };
  } finally {
    await product.close();
    await baseline.close();
  }
}

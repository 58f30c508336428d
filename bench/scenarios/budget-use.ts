/**
 * Scenario 3: a backlog against simulators that enforce 700 rpm (Zendesk) and 300 rpm (ION), for a fixed
 * window. Achieved rpm per side over the time it was busy (first to last request, at most the window),
 * divided by the allowed rpm, and the 429s. Product and baseline run at the same time on their own
 * tenants and accounts (each has its own budget), so the window is spent once.
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
  // Busy span: while the backlog lasted on this side (the extractor may finish before the window ends).
  const busyMs = Math.max(1, Math.min(windowEnd, last) - windowStart);
  const minutes = busyMs / 60_000;
  const achieved = inWindow.length / minutes;
  return {
    requests: inWindow.length,
    busySeconds: round(busyMs / 1000, 1),
    achievedRpm: round(achieved, 1),
    allowedRpm: allowed,
    usedShare: round(achieved / allowed, 3),
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
  const loader = await pipeline.startLoader(mode);
  // Small pages keep the ION side busy for the window too (the default 500 would list the backlog in seconds).
  const extractor = await pipeline.startExtractor({ EXTRACTOR_PAGE_SIZE: '100' });
  const windowStart = Date.now();
  await pipeline.requestExtraction(tenant.tenantId);
  await sleep(windowMs);
  const windowEnd = Date.now();
  // The window is over: what the services would still drain or commit is not measured, so no long grace.
  await Promise.all([extractor.stop(3000), loader.stop(3000)]);
  const zendesk = (await ctx.sims.zendeskRequests(tenant.subdomain)).map((e: ZendeskLogEntry) => ({
    time: Date.parse(e.time),
    status: e.status,
  }));
  const ion = (await ctx.sims.ionRequests(tenant.ionTenant))
    .filter((e: IonLogEntry) => e.program !== null || e.status === 429)
    .map((e) => ({ time: Date.parse(e.timestamp), status: e.status }));
  const applied = Object.values(await pipeline.appliedPerTarget()).reduce((sum, n) => sum + n, 0);
  return {
    windowSeconds: round((windowEnd - windowStart) / 1000, 1),
    zendesk: usage(zendesk, windowStart, windowEnd, ZENDESK_RPM),
    ion: usage(ion, windowStart, windowEnd, ION_RPM),
    recordsWritten: applied,
    recordsPerMinute: round(applied / ((windowEnd - windowStart) / 60_000), 1),
  };
}

export async function budgetUse(ctx: ScenarioContext) {
  const windowMs = ctx.quick ? 20_000 : 180_000;
  const records = ctx.quick ? 20_000 : 120_000;
  ctx.log(`budget: ${records} records backlog, ${windowMs / 1000} s window, product and baseline side by side`);
  const product = await ctx.pipeline('budget_product');
  const baseline = await ctx.pipeline('budget_baseline');
  try {
    const [productFigures, baselineFigures] = await Promise.all([
      runMode(ctx, product, 'product', records, windowMs),
      runMode(ctx, baseline, 'baseline', records, windowMs),
    ]);
    ctx.log(`budget: ${JSON.stringify({ productFigures, baselineFigures })}`);
    return {
      note: 'usedShare = requests in the window ÷ busy minutes ÷ allowed rpm; busy = until the last request of that side',
      product: productFigures,
      baseline: baselineFigures,
    };
  } finally {
    await product.close();
    await baseline.close();
  }
}

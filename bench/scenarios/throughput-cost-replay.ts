/**
 * Scenarios 1, 2 and 4 on one data set per mode: end to end (loader process running, extractor run started
 * → loader group committed everything, i.e. every Zendesk write confirmed), then a no-change poll and a
 * full replay of the unchanged data on the same pipeline; the two stages alone on a second pipeline
 * (extract+publish with no loader; then consume+write of the full topics, optionally under a CPU profile).
 */
import { mkdirSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LoaderMode } from '../bench-pipeline.ts';
import { topSelfFrames } from '../cpu-profile-summary.ts';
import { perRecordByTarget, round, summarizeIon, summarizeZendesk } from '../request-accounting.ts';
import type { ScenarioContext } from '../scenario-context.ts';

function sum(values: Record<string, number>): number {
  return Object.values(values).reduce((total, n) => total + n, 0);
}

async function endToEndWithPollAndReplay(ctx: ScenarioContext, mode: LoaderMode, records: number) {
  const pipeline = await ctx.pipeline(`e2e_${mode}`);
  try {
    const tenant = await pipeline.addTenant({ records });
    const extractor = await pipeline.startExtractor();
    let loader = await pipeline.startLoader(mode);
    const extraction = await pipeline.runExtraction(tenant.tenantId, { timeoutMs: ctx.timeoutMs });
    const drained = await pipeline.waitForDrain(ctx.timeoutMs);
    const zendeskAfterLoad = await ctx.sims.zendeskRequests(tenant.subdomain);
    const ionAfterLoad = await ctx.sims.ionRequests(tenant.ionTenant);
    const zendesk = summarizeZendesk(zendeskAfterLoad);
    const ion = summarizeIon(ionAfterLoad);
    const applied = await pipeline.appliedPerTarget();
    const postings = await pipeline.postingCounts();

    // No-change poll: the baseline has no memory of what it published (a full re-read and re-publish).
    const lastIonSeq = ionAfterLoad.at(-1)?.seq ?? 0;
    const beforePoll = await pipeline.postingMark();
    const poll = await pipeline.runExtraction(tenant.tenantId, {
      fullResync: mode === 'baseline',
      timeoutMs: ctx.timeoutMs,
    });
    await pipeline.waitForDrain(ctx.timeoutMs);
    await sleep(500);
    const pollIon = summarizeIon(await ctx.sims.ionRequests(tenant.ionTenant, lastIonSeq));
    const afterPoll = await ctx.sims.zendeskRequests(tenant.subdomain);
    const pollZendesk = summarizeZendesk(afterPoll.slice(zendeskAfterLoad.length));
    await extractor.stop();

    // Full replay of unchanged data: the group back to earliest, the loader reads everything again.
    await loader.stop();
    await pipeline.resetLoaderOffsets();
    const beforeReplay = await pipeline.postingMark();
    const replayRecords = await pipeline.published();
    const replayStarted = Date.now();
    loader = await pipeline.startLoader(mode);
    const replayDrained = await pipeline.waitForDrain(ctx.timeoutMs);
    const replayZendesk = summarizeZendesk((await ctx.sims.zendeskRequests(tenant.subdomain)).slice(afterPoll.length));
    const replayPostings = await pipeline.postingsSince(beforeReplay);
    await loader.stop();

    const elapsedMs = drained.drainedAt - extraction.started;
    return {
      records: extraction.published,
      endToEnd: {
        recordsPerSec: round((extraction.published / elapsedMs) * 1000, 1),
        elapsedMs,
        timedOut: drained.timedOut,
      },
      cost: {
        zendeskRequestsPerRecord: round(zendesk.total / Math.max(1, extraction.published), 5),
        zendeskRequestsPerRecordByTarget: perRecordByTarget(zendesk, applied),
        zendeskRequestsByTarget: zendesk.perTarget,
        zendeskThrottled: zendesk.throttled,
        ionCallsPerRecord: round(ion.calls / Math.max(1, extraction.recordsRead), 5),
        ionCalls: ion.calls,
        appliedPerTarget: applied,
        appliedTotal: sum(applied),
        postings,
      },
      noChangePoll: {
        ionCalls: pollIon.calls,
        ionCallsPerEntity: round(pollIon.calls / Math.max(1, poll.entities), 2),
        published: poll.published,
        zendeskRequests: pollZendesk.total,
        zendeskWrites: pollZendesk.writes,
        postings: await pipeline.postingsSince(beforePoll),
      },
      replay: {
        records: replayRecords,
        elapsedMs: replayDrained.drainedAt - replayStarted,
        zendeskRequests: replayZendesk.total,
        zendeskWrites: replayZendesk.writes,
        zendeskRequestsPerRecord: round(replayZendesk.total / Math.max(1, replayRecords), 5),
        /** Postings that wrote a record already applied with the same content: 0 for the product. */
        rewritesOfAppliedUnchanged: replayPostings.rewriteOfApplied,
        /** Postings of records whose last attempt had failed: retried by design. */
        retriesOfFailed: replayPostings.retryOfFailed,
        skippedUnchanged: replayPostings.skippedUnchanged,
        timedOut: replayDrained.timedOut,
      },
    };
  } finally {
    await pipeline.close();
  }
}

async function stagesAlone(ctx: ScenarioContext, mode: LoaderMode, records: number, profileDir?: string) {
  const pipeline = await ctx.pipeline(`stages_${mode}`);
  try {
    const tenant = await pipeline.addTenant({ records });
    const extractor = await pipeline.startExtractor(
      {},
      profileDir ? { cpuProfileDir: join(profileDir, 'extractor') } : {},
    );
    const extraction = await pipeline.runExtraction(tenant.tenantId, { timeoutMs: ctx.timeoutMs });
    await extractor.stop();
    const published = await pipeline.published();
    const loader = await pipeline.startLoader(
      mode,
      {},
      profileDir ? { cpuProfileDir: join(profileDir, 'loader') } : {},
    );
    const started = Date.now();
    const drained = await pipeline.waitForDrain(ctx.timeoutMs);
    const peakRss = loader.peakRssBytes();
    await loader.stop();
    const extractMs = extraction.finished - extraction.started;
    const writeMs = drained.drainedAt - started;
    return {
      extractPublish: { recordsPerSec: round((extraction.published / extractMs) * 1000, 1), elapsedMs: extractMs },
      consumeWrite: {
        recordsPerSec: round((published / writeMs) * 1000, 1),
        elapsedMs: writeMs,
        timedOut: drained.timedOut,
        loaderPeakRssMb: peakRss === null ? null : round(peakRss / 2 ** 20, 1),
      },
    };
  } finally {
    await pipeline.close();
  }
}

function serviceProfile(dir: string) {
  const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
  if (file === undefined) return { written: false, dir };
  return { file: join(dir, file), ...topSelfFrames(join(dir, file), 10) };
}

function profiles(dir: string) {
  return {
    loaderProfile: serviceProfile(join(dir, 'loader')),
    extractorProfile: serviceProfile(join(dir, 'extractor')),
  };
}

export async function throughputCostReplay(ctx: ScenarioContext) {
  const sizes = {
    product: ctx.throughputRecords ?? (ctx.quick ? 3000 : 100_000),
    baseline: ctx.baselineRecords ?? (ctx.quick ? 150 : 500),
  };
  // Profiles are megabytes: kept outside the repository, summarised into the JSON.
  const profileDir = ctx.profile ? join(tmpdir(), `mlc-bench-profile-${Date.now()}`) : undefined;
  if (profileDir)
    for (const service of ['loader', 'extractor']) mkdirSync(join(profileDir, service), { recursive: true });
  if (ctx.stagesOnly) {
    const stages = await stagesAlone(ctx, 'product', sizes.product, profileDir);
    ctx.log(`product stages: ${JSON.stringify(stages)}`);
    return { product: { stages }, ...(profileDir ? profiles(profileDir) : {}) };
  }
  const result: Partial<Record<LoaderMode, unknown>> = {};
  for (const mode of ['product', 'baseline'] as const) {
    ctx.log(`throughput/cost/replay: ${mode}, ${sizes[mode]} records end to end`);
    const e2e = await endToEndWithPollAndReplay(ctx, mode, sizes[mode]);
    // The baseline's stages alone cost a minute a run and guard no ratio: full mode only.
    const stages =
      ctx.quick && mode === 'baseline'
        ? null
        : await stagesAlone(ctx, mode, sizes[mode], mode === 'product' ? profileDir : undefined);
    result[mode] = { ...e2e, stages };
    ctx.log(`${mode}: ${JSON.stringify(result[mode])}`);
  }
  return {
    note:
      'extractor and loader (or the per-record baseline) run as separate child processes; so do the simulators. ' +
      'The baseline runs on a smaller data set (per-record sync is slow); every figure is a rate or a per-record ratio.',
    product: result.product,
    baseline: result.baseline,
    ...(profileDir ? profiles(profileDir) : {}),
  };
}

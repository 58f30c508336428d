/**
 * Scenarios 1, 2 and 4 on one data set per mode: end to end (loader running, extractor run started →
 * loader group committed everything, i.e. every Zendesk write confirmed), then a no-change poll and a
 * full replay of the unchanged data on the same pipeline; the two stages alone on a second pipeline
 * (extract+publish with no loader; then consume+write of the full topics).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchPipeline, BenchTenant, LoaderMode } from '../bench-pipeline.ts';
import { perRecordByTarget, round, summarizeIon, summarizeZendesk } from '../request-accounting.ts';
import type { ScenarioContext } from '../scenario-context.ts';

async function runExtraction(pipeline: BenchPipeline, tenant: BenchTenant, fullResync = false) {
  const extractor = await pipeline.startExtractor();
  const started = Date.now();
  const result = await extractor.scheduler.runTenantNow(tenant.tenantId, { trigger: 'manual', fullResync });
  const finished = Date.now();
  await extractor.stop();
  if (result.status !== 'ran') throw new Error(`extraction ${result.status}: ${JSON.stringify(result)}`);
  const stats = Object.values(result.summary.entities);
  return {
    started,
    finished,
    status: result.summary.status,
    recordsRead: stats.reduce((sum, s) => sum + (s?.recordsRead ?? 0), 0),
    published: stats.reduce((sum, s) => sum + (s?.published ?? 0), 0),
    entities: stats.length,
  };
}

export interface ModeFigures {
  records: number;
  endToEnd: { recordsPerSec: number; elapsedMs: number; timedOut: boolean };
  stages: {
    extractPublish: { recordsPerSec: number; elapsedMs: number };
    consumeWrite: { recordsPerSec: number; elapsedMs: number; timedOut: boolean };
  };
  cost: {
    zendeskRequestsPerRecord: number;
    zendeskRequestsPerRecordByTarget: Record<string, number>;
    zendeskRequestsByTarget: Record<string, number>;
    ionCallsPerRecord: number;
    ionCalls: number;
    appliedPerTarget: Record<string, number>;
    postings: Record<string, number>;
  };
  noChangePoll: {
    ionCalls: number;
    ionCallsPerEntity: number;
    published: number;
    zendeskRequests: number;
    zendeskWrites: number;
  };
  replay: {
    records: number;
    elapsedMs: number;
    zendeskRequests: number;
    zendeskWrites: number;
    zendeskRequestsPerRecord: number;
    timedOut: boolean;
  };
}

async function endToEndWithPollAndReplay(ctx: ScenarioContext, mode: LoaderMode, records: number) {
  const pipeline = await ctx.pipeline(`e2e_${mode}`);
  try {
    const tenant = await pipeline.addTenant({ records });
    let loader = await pipeline.startLoader(mode);
    await sleep(3000); // the consumer group's first join, outside the measurement
    const extraction = await runExtraction(pipeline, tenant);
    const drained = await pipeline.waitForDrain(ctx.timeoutMs);
    const zendeskAfterLoad = await ctx.sims.zendeskRequests(tenant.subdomain);
    const ionAfterLoad = await ctx.sims.ionRequests(tenant.ionTenant);
    const zendesk = summarizeZendesk(zendeskAfterLoad);
    const ion = summarizeIon(ionAfterLoad);
    const applied = await pipeline.appliedPerTarget();
    const postings = await pipeline.postingCounts();
    const appliedTotal = Object.values(applied).reduce((sum, n) => sum + n, 0);

    // No-change poll: the baseline has no memory of what it published (a full re-read and re-publish).
    const lastIonSeq = ionAfterLoad.at(-1)?.seq ?? 0;
    const poll = await runExtraction(pipeline, tenant, mode === 'baseline');
    await pipeline.waitForDrain(ctx.timeoutMs);
    await sleep(1000);
    const pollIon = summarizeIon(await ctx.sims.ionRequests(tenant.ionTenant, lastIonSeq));
    const afterPoll = await ctx.sims.zendeskRequests(tenant.subdomain);
    const pollZendesk = summarizeZendesk(afterPoll.slice(zendeskAfterLoad.length));

    // Full replay of unchanged data: the group back to earliest, the loader reads everything again.
    await loader.stop();
    await pipeline.resetLoaderOffsets();
    const replayRecords = await pipeline.published();
    const replayStarted = Date.now();
    loader = await pipeline.startLoader(mode);
    const replayDrained = await pipeline.waitForDrain(ctx.timeoutMs);
    const replayZendesk = summarizeZendesk((await ctx.sims.zendeskRequests(tenant.subdomain)).slice(afterPoll.length));
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
        ionCallsPerRecord: round(ion.calls / Math.max(1, extraction.recordsRead), 5),
        ionCalls: ion.calls,
        appliedPerTarget: applied,
        appliedTotal,
        postings,
      },
      noChangePoll: {
        ionCalls: pollIon.calls,
        ionCallsPerEntity: round(pollIon.calls / Math.max(1, poll.entities), 2),
        published: poll.published,
        zendeskRequests: pollZendesk.total,
        zendeskWrites: pollZendesk.writes,
      },
      replay: {
        records: replayRecords,
        elapsedMs: replayDrained.drainedAt - replayStarted,
        zendeskRequests: replayZendesk.total,
        zendeskWrites: replayZendesk.writes,
        zendeskRequestsPerRecord: round(replayZendesk.total / Math.max(1, replayRecords), 5),
        timedOut: replayDrained.timedOut,
      },
    };
  } finally {
    await pipeline.close();
  }
}

async function stagesAlone(ctx: ScenarioContext, mode: LoaderMode, records: number) {
  const pipeline = await ctx.pipeline(`stages_${mode}`);
  try {
    const tenant = await pipeline.addTenant({ records });
    const extraction = await runExtraction(pipeline, tenant);
    const published = await pipeline.published();
    const started = Date.now();
    const loader = await pipeline.startLoader(mode);
    const drained = await pipeline.waitForDrain(ctx.timeoutMs);
    await loader.stop();
    const extractMs = extraction.finished - extraction.started;
    const writeMs = drained.drainedAt - started;
    return {
      extractPublish: { recordsPerSec: round((extraction.published / extractMs) * 1000, 1), elapsedMs: extractMs },
      consumeWrite: {
        recordsPerSec: round((published / writeMs) * 1000, 1),
        elapsedMs: writeMs,
        timedOut: drained.timedOut,
      },
    };
  } finally {
    await pipeline.close();
  }
}

export async function throughputCostReplay(ctx: ScenarioContext) {
  const sizes = { product: ctx.quick ? 5000 : 100_000, baseline: ctx.quick ? 500 : 2000 };
  const result: Record<LoaderMode, ModeFigures & { appliedTotal?: number }> = {} as never;
  for (const mode of ['product', 'baseline'] as const) {
    ctx.log(`throughput/cost/replay: ${mode}, ${sizes[mode]} records end to end`);
    const e2e = await endToEndWithPollAndReplay(ctx, mode, sizes[mode]);
    ctx.log(`throughput: ${mode}, stages alone`);
    const stages = await stagesAlone(ctx, mode, sizes[mode]);
    result[mode] = { ...e2e, stages };
    ctx.log(`${mode}: ${JSON.stringify(result[mode])}`);
  }
  return {
    note:
      'extractor and loader run in the bench process as library calls (one event loop); simulators are child processes. ' +
      'The baseline runs on a smaller data set (per-record sync is slow); every figure is a rate or a per-record ratio.',
    product: result.product,
    baseline: result.baseline,
  };
}

/**
 * Scenario 6: publish → Zendesk-confirmed latency at a steady rate. An extractor run fills a side set of
 * change topics (its own TOPIC_PREFIX); the bench then re-publishes those Avro messages to the loader's
 * topics at a steady rate, noting when Kafka acknowledged each, and takes the confirmation time of every
 * record from posting_history (its last posting's created_at: written after the Zendesk job completed).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Message } from 'kafkajs';
import type { BenchPipeline, LoaderMode } from '../bench-pipeline.ts';
import { round } from '../request-accounting.ts';
import type { ScenarioContext } from '../scenario-context.ts';

const RATE_PER_SEC = 1000;
const TICK_MS = 20;

interface SourcedMessage {
  topic: string;
  partition: number;
  message: Message;
  key: string;
}

/** Every message of the side topics, in source order per topic (suppliers first, as ENTITY_NAMES lists them). */
async function readSideTopics(pipeline: BenchPipeline, sidePrefix: string, expected: number) {
  const consumer = pipeline.kafka.consumer({ groupId: `${pipeline.groupId}_latency_reader` });
  const collected: SourcedMessage[] = [];
  await consumer.connect();
  try {
    for (const topic of pipeline.changeTopics()) {
      await consumer.subscribe({ topic: topic.replace(pipeline.prefix, sidePrefix), fromBeginning: true });
    }
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        collected.push({
          topic: topic.replace(sidePrefix, pipeline.prefix),
          partition,
          key: message.key?.toString() ?? '',
          message: { key: message.key, value: message.value, headers: message.headers },
        });
      },
    });
    const deadline = Date.now() + 120_000;
    while (collected.length < expected && Date.now() < deadline) await sleep(100);
  } finally {
    await consumer.disconnect();
  }
  const order = pipeline.changeTopics();
  return collected.sort((a, b) => order.indexOf(a.topic) - order.indexOf(b.topic));
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function runMode(ctx: ScenarioContext, mode: LoaderMode, records: number) {
  const pipeline = await ctx.pipeline(`latency_${mode}`);
  try {
    const tenant = await pipeline.addTenant({ records });
    const sidePrefix = `${pipeline.prefix}side.`;
    const extractor = await pipeline.startExtractor({ TOPIC_PREFIX: sidePrefix });
    const extraction = await pipeline.runExtraction(tenant.tenantId, { timeoutMs: ctx.timeoutMs });
    await extractor.stop();
    const messages = await readSideTopics(pipeline, sidePrefix, extraction.published);
    const loader = await pipeline.startLoader(mode);
    const producer = pipeline.kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    const publishedAt = new Map<string, number>();
    const perTick = (RATE_PER_SEC * TICK_MS) / 1000;
    const started = Date.now();
    try {
      for (let i = 0; i < messages.length; i += perTick) {
        // Steady schedule: tick i is due at started + i/rate, whatever the previous send took.
        const due = started + (i / RATE_PER_SEC) * 1000;
        if (due > Date.now()) await sleep(due - Date.now());
        const slice = messages.slice(i, i + perTick);
        const byTopic = new Map<string, Message[]>();
        for (const m of slice)
          byTopic.set(m.topic, [...(byTopic.get(m.topic) ?? []), { ...m.message, partition: m.partition }]);
        await producer.sendBatch({
          acks: -1,
          topicMessages: [...byTopic].map(([topic, list]) => ({ topic, messages: list })),
        });
        const ackedAt = Date.now();
        for (const m of slice) publishedAt.set(m.key, ackedAt);
      }
    } finally {
      await producer.disconnect();
    }
    const publishSeconds = (Date.now() - started) / 1000;
    const drained = await pipeline.waitForDrain(ctx.timeoutMs);
    await loader.stop();
    const { rows } = await pipeline.pool.query<{ entity: string; natural_key: string; confirmed: Date }>(
      'select entity, natural_key, max(created_at) as confirmed from posting_history group by 1, 2',
    );
    const latencies: number[] = [];
    for (const row of rows) {
      const published = publishedAt.get(`${tenant.tenantId}|${row.entity}|${row.natural_key}`);
      if (published !== undefined) latencies.push(Math.max(0, row.confirmed.getTime() - published));
    }
    latencies.sort((a, b) => a - b);
    return {
      targetRatePerSec: RATE_PER_SEC,
      achievedPublishRatePerSec: round(messages.length / publishSeconds, 1),
      records: messages.length,
      measured: latencies.length,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      maxMs: latencies.at(-1) ?? null,
      timedOut: drained.timedOut,
    };
  } finally {
    await pipeline.close();
  }
}

export async function latency(ctx: ScenarioContext) {
  const sizes = { product: ctx.quick ? 2000 : 60_000, baseline: ctx.quick ? 100 : 500 };
  ctx.log(`latency: ${RATE_PER_SEC} records/s steady, product ${sizes.product}, baseline ${sizes.baseline} records`);
  const product = await runMode(ctx, 'product', sizes.product);
  ctx.log(`latency product: ${JSON.stringify(product)}`);
  const baseline = await runMode(ctx, 'baseline', sizes.baseline);
  return {
    note: 'publish = Kafka ack of the steady re-publish; confirmed = last posting_history row of the record (after Zendesk confirmed); baseline on fewer records at the same rate',
    product,
    baseline,
  };
}

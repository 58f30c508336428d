/**
 * The crash soak: a tenant syncs N records while the loader and the extractor are SIGKILLed at random points
 * and restarted, and records keep changing in CloudSuite between kills. When the kills are over and the
 * pipeline has caught up, Zendesk must hold exactly the dataset's records (by external id, none missing,
 * none extra, none twice), each in the latest version the extractor published, and the audit (the
 * posting_history table and the keys of the compacted audit topic) must say the same.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { adminApi } from '../../packages/cli/src/admin-api-operations.ts';
import { keyOf } from '../../packages/simulators/src/cloudsuite/distributor-records.ts';
import { cloudSuiteSim, zendeskSim } from '../../scripts/start/simulator-control.ts';
import { kafkaBrokers } from '../support/test-env.ts';
import {
  ENTITIES,
  type KillablePipeline,
  type PipelineTenant,
  startKillablePipeline,
} from './support/killable-pipeline.ts';

export interface CrashSoakOptions {
  records: number;
  killsPerService: number;
  /** Random pause before each kill (ms): the kill lands somewhere in the work in flight. */
  killGapMs: [number, number];
  /** Records changed in CloudSuite before each kill, so there is always work to interrupt. */
  changesPerKill: number;
  convergeTimeoutMs: number;
  seed?: number;
  log?: (line: string) => void;
}

export interface CrashSoakFigures {
  records: number;
  expected: number;
  kills: { extractor: number; loader: number };
  changedRecords: number;
  inZendesk: number;
  /** Not in Zendesk and no failure on record for it: silently lost. */
  lost: number;
  /** Not in Zendesk, with a failed or dead-lettered posting on record (Zendesk refused it). */
  rejected: number;
  missing: number;
  extra: number;
  duplicates: number;
  /** Records (not rejected) whose latest posting does not carry the content the extractor last published. */
  stale: number;
  auditHistoryKeys: number;
  auditTopicKeys: number;
  auditFailedOrDeadLettered: number;
  converged: boolean;
  elapsedMs: number;
  examples: string[];
  failureReasons: string[];
}

function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Every external id the dataset's records should have in Zendesk (contacts are not records of their own). */
async function expectedExternalIds(pipeline: KillablePipeline, tenant: PipelineTenant): Promise<Set<string>> {
  const { counts } = await cloudSuiteSim.tenant(pipeline.cloudSuiteUrl, tenant.ionTenant);
  const ids = new Set<string>();
  for (const entity of ENTITIES)
    for (let i = 0; i < (counts[entity] ?? 0); i += 1) ids.add(`mlc:${tenant.tenantId}:${entity}:${keyOf(entity, i)}`);
  return ids;
}

/**
 * The dataset's key of a record from its external id: an invoice's natural key is `supplier:number:year`,
 * the dataset keys invoices by number alone; every other entity's natural key is the dataset key.
 */
function datasetIdOf(externalId: string): string {
  const match = /^(mlc:[^:]+:invoice:)[^:]+:([^:]+):[^:]+$/.exec(externalId);
  return match ? `${match[1]}${match[2]}` : externalId;
}

interface ZendeskView {
  ids: Map<string, number>;
  /** The simulator's own count of objects sharing an external id (case-insensitive), contacts included. */
  simulatorDuplicates: number;
}

async function zendeskView(pipeline: KillablePipeline, tenant: PipelineTenant): Promise<ZendeskView> {
  const state = await zendeskSim.state(pipeline.zendeskUrl, tenant.subdomain);
  const ids = new Map<string, number>();
  const all = [
    ...state.users.map((user) => user.external_id),
    ...state.organizations.map((organization) => organization.external_id),
    ...Object.values(state.customObjectRecords).flatMap((records) => records.map((record) => record.external_id)),
  ];
  for (const id of all) {
    if (typeof id !== 'string' || id.includes(':contact:')) continue;
    const key = datasetIdOf(id);
    ids.set(key, (ids.get(key) ?? 0) + 1);
  }
  return { ids, simulatorDuplicates: state.duplicateCount };
}

/** Published (extractor) vs latest applied-or-unchanged posting (loader), per record, for one tenant. */
async function staleRecords(db: pg.Client, tenantId: string): Promise<string[]> {
  const { rows } = await db.query<{ entity: string; natural_key: string }>(
    `SELECT p.entity, p.natural_key
       FROM published_records p
       LEFT JOIN LATERAL (
         SELECT h.content_hash FROM posting_history h
          WHERE h.tenant_id = p.tenant_id AND h.entity = p.entity AND h.natural_key = p.natural_key
            AND h.zendesk_target NOT LIKE 'user:supplier-contact%' AND h.status IN ('applied', 'unchanged')
          ORDER BY h.id DESC LIMIT 1) latest ON true
      WHERE p.tenant_id = $1 AND latest.content_hash IS DISTINCT FROM p.content_hash`,
    [tenantId],
  );
  return rows.map((row) => datasetIdOf(`mlc:${tenantId}:${row.entity}:${row.natural_key}`));
}

/** Records whose latest posting (main target) failed or was dead-lettered, by dataset id. */
async function rejectedRecords(db: pg.Client, tenantId: string): Promise<Set<string>> {
  const { rows } = await db.query<{ entity: string; natural_key: string }>(
    `SELECT entity, natural_key FROM (
       SELECT entity, natural_key, status,
              row_number() OVER (PARTITION BY entity, natural_key ORDER BY id DESC) AS n
         FROM posting_history WHERE tenant_id = $1 AND zendesk_target NOT LIKE 'user:supplier-contact%') h
      WHERE n = 1 AND status IN ('failed', 'dead_lettered')`,
    [tenantId],
  );
  return new Set(rows.map((row) => datasetIdOf(`mlc:${tenantId}:${row.entity}:${row.natural_key}`)));
}

/** Why the latest posting of records failed, grouped, for the report of a failed soak. */
async function failureReasons(db: pg.Client, tenantId: string): Promise<string[]> {
  const { rows } = await db.query<{ reason: string; n: string }>(
    `SELECT status || ' ' || coalesce(error_code, '') || ' ' || left(coalesce(error, ''), 160) AS reason, count(*) AS n
       FROM posting_history WHERE tenant_id = $1 AND status IN ('failed', 'dead_lettered')
      GROUP BY 1 ORDER BY 2 DESC LIMIT 5`,
    [tenantId],
  );
  return rows.map((row) => `${row.n}× ${row.reason}`);
}

async function auditHistory(db: pg.Client, tenantId: string): Promise<{ keys: number; failed: number }> {
  const { rows } = await db.query<{ keys: string; failed: string }>(
    `SELECT count(DISTINCT (entity, natural_key)) FILTER (WHERE status = 'applied') AS keys,
            count(*) FILTER (WHERE status IN ('failed', 'dead_lettered') AND last) AS failed
       FROM (SELECT entity, natural_key, status,
                    row_number() OVER (PARTITION BY entity, natural_key, zendesk_target ORDER BY id DESC) = 1 AS last
               FROM posting_history WHERE tenant_id = $1 AND zendesk_target NOT LIKE 'user:supplier-contact%') h`,
    [tenantId],
  );
  return { keys: Number(rows[0]?.keys ?? 0), failed: Number(rows[0]?.failed ?? 0) };
}

/** Distinct record keys of the tenant on the audit topic (keys are plain `tenant|entity|key|target`). */
export async function auditTopicKeys(topicPrefix: string, tenantId: string): Promise<Set<string>> {
  const topic = `${topicPrefix}mlc.audit.v1`;
  const kafka = new Kafka({ clientId: 'mlc-reliability-audit', brokers: kafkaBrokers(), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
  const remaining = new Map(offsets.filter((o) => o.high !== o.low).map((o) => [o.partition, BigInt(o.high)]));
  const keys = new Set<string>();
  if (remaining.size === 0) return keys;
  const consumer = kafka.consumer({ groupId: `mlc-reliability-audit-${Date.now()}-${Math.random()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`audit topic not read to its end in 60 s`)), 60_000);
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          const key = message.key?.toString('utf8') ?? '';
          const [keyTenant, entity, naturalKey, target = ''] = key.split('|');
          if (keyTenant === tenantId && !target.startsWith('user:supplier-contact'))
            keys.add(`${entity}|${naturalKey}`);
          if (BigInt(message.offset) + 1n >= (remaining.get(partition) ?? 0n)) remaining.delete(partition);
          if (remaining.size === 0) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return keys;
}

export async function runCrashSoak(options: CrashSoakOptions): Promise<CrashSoakFigures> {
  const log = options.log ?? (() => undefined);
  const random = seeded(options.seed ?? Date.now());
  const between = ([low, high]: [number, number]) => low + Math.floor(random() * (high - low));
  const started = Date.now();
  // A short session timeout: a killed loader's partitions go to its successor in seconds, not 30 s.
  const pipeline = await startKillablePipeline({
    records: options.records,
    env: { LOADER_SESSION_TIMEOUT_MS: '6000' },
  });
  const db = new pg.Client({ connectionString: pipeline.schema.connectionString });
  let failed = true;
  try {
    await db.connect();
    // A schedule brings a killed extractor's tenant back to work as soon as it restarts.
    // The highest ION budget the admin API allows: PO lines cost one call per PO.
    const tenant = await pipeline.registerTenant({ scheduleCron: '*/5 * * * * *', ionRpm: 500 });
    await adminApi.requestRun(pipeline.api, tenant.tenantId);
    log(`crash soak: tenant ${tenant.tenantId}, ${options.records} records, logs in ${pipeline.logDir}`);

    const order = [
      ...Array.from({ length: options.killsPerService }, () => 'extractor' as const),
      ...Array.from({ length: options.killsPerService }, () => 'loader' as const),
    ].sort(() => random() - 0.5);
    const kills = { extractor: 0, loader: 0 };
    let changedRecords = 0;
    for (const [index, name] of order.entries()) {
      if (options.changesPerKill > 0) {
        const entity = ENTITIES[Math.floor(random() * ENTITIES.length)] ?? 'invoice';
        const result = await cloudSuiteSim.mutate(pipeline.cloudSuiteUrl, tenant.ionTenant, entity, {
          change: options.changesPerKill,
        });
        changedRecords += Array.isArray(result.changed) ? result.changed.length : 0;
      }
      await sleep(between(options.killGapMs));
      await pipeline.kill(name);
      kills[name] += 1;
      await sleep(between([0, 800]));
      await pipeline.restart(name);
      log(`  kill ${index + 1}/${order.length}: ${name} (SIGKILL, restarted)`);
    }

    const expected = await expectedExternalIds(pipeline, tenant);
    await adminApi.requestRun(pipeline.api, tenant.tenantId);
    const deadline = Date.now() + options.convergeTimeoutMs;
    let view = await zendeskView(pipeline, tenant);
    let stale = await staleRecords(db, tenant.tenantId);
    let converged = false;
    let lastMissing = Number.POSITIVE_INFINITY;
    while (Date.now() < deadline) {
      view = await zendeskView(pipeline, tenant);
      stale = await staleRecords(db, tenant.tenantId);
      const rejected = await rejectedRecords(db, tenant.tenantId);
      const missing = [...expected].filter((id) => !view.ids.has(id) && !rejected.has(id)).length;
      if (missing === 0 && stale.every((id) => rejected.has(id))) {
        converged = true;
        break;
      }
      if (missing !== lastMissing) log(`  catching up: ${missing} missing in Zendesk, ${rejected.size} rejected`);
      lastMissing = missing;
      await sleep(2000);
    }
    // A little longer: late duplicates from a write re-sent after a kill would show up now.
    await sleep(3000);
    view = await zendeskView(pipeline, tenant);
    stale = await staleRecords(db, tenant.tenantId);
    const history = await auditHistory(db, tenant.tenantId);
    const topicKeys = await auditTopicKeys(pipeline.topicPrefix, tenant.tenantId);
    const missing = [...expected].filter((id) => !view.ids.has(id));
    const rejected = await rejectedRecords(db, tenant.tenantId);
    stale = stale.filter((id) => !rejected.has(id));
    const extra = [...view.ids.keys()].filter((id) => !expected.has(id));
    const duplicates = Math.max(
      [...view.ids.values()].reduce((sum, count) => sum + count - 1, 0),
      view.simulatorDuplicates,
    );
    failed = !converged;
    return {
      records: options.records,
      expected: expected.size,
      kills,
      changedRecords,
      inZendesk: view.ids.size,
      lost: missing.filter((id) => !rejected.has(id)).length,
      rejected: missing.filter((id) => rejected.has(id)).length,
      missing: missing.length,
      extra: extra.length,
      duplicates,
      stale: stale.length,
      auditHistoryKeys: history.keys,
      auditTopicKeys: topicKeys.size,
      auditFailedOrDeadLettered: history.failed,
      converged,
      elapsedMs: Date.now() - started,
      examples: [...missing.slice(0, 5), ...extra.slice(0, 5), ...stale.slice(0, 5)],
      failureReasons: await failureReasons(db, tenant.tenantId),
    };
  } finally {
    if (failed) log(`process logs (${pipeline.logDir}):\n${pipeline.logTails(30)}`);
    await db.end().catch(() => undefined);
    await pipeline.stop();
  }
}

/**
 * Whether a tenant's sync has converged after a disturbance (kills, outages): Zendesk holds exactly the
 * dataset's records (by external id, none missing, none extra, none twice), each in the latest version the
 * extractor published, and the audit (the posting_history table and the keys of the compacted audit topic)
 * says the same. Shared by the crash soak and the outage suite.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { keyOf } from '../../../packages/simulators/src/cloudsuite/distributor-records.ts';
import { cloudSuiteSim, zendeskSim } from '../../../scripts/start/simulator-control.ts';
import { ENTITIES, type KillablePipeline, type PipelineTenant } from './killable-pipeline.ts';

export interface ConvergenceFigures {
  expected: number;
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
  examples: string[];
  failureReasons: string[];
}

export interface ConvergenceOptions {
  timeoutMs: number;
  log?: (line: string) => void;
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

export interface ZendeskView {
  ids: Map<string, number>;
  /** The simulator's own count of objects sharing an external id (case-insensitive), contacts included. */
  simulatorDuplicates: number;
}

/** The tenant's records in the Zendesk simulator, by dataset id, with how many objects each has. */
export async function zendeskView(pipeline: KillablePipeline, tenant: PipelineTenant): Promise<ZendeskView> {
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

/** Why the latest posting of records failed, grouped, for the report of a failed run. */
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
export async function auditTopicKeys(pipeline: KillablePipeline, tenantId: string): Promise<Set<string>> {
  const topic = `${pipeline.topicPrefix}mlc.audit.v1`;
  const kafka = new Kafka({
    clientId: 'mlc-reliability-audit',
    brokers: pipeline.infra.KAFKA_BROKERS.split(','),
    logLevel: logLevel.NOTHING,
  });
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

/**
 * Polls until every expected record is in Zendesk (or was refused by it, with its audit entry) in its latest
 * published version, or `timeoutMs` passes; then waits a little for late duplicates and takes the figures.
 */
export async function awaitConvergence(
  pipeline: KillablePipeline,
  tenant: PipelineTenant,
  options: ConvergenceOptions,
): Promise<ConvergenceFigures> {
  const log = options.log ?? (() => undefined);
  const db = new pg.Client({ connectionString: pipeline.schema.connectionString });
  await db.connect();
  try {
    const expected = await expectedExternalIds(pipeline, tenant);
    const deadline = Date.now() + options.timeoutMs;
    let converged = false;
    let lastMissing = Number.POSITIVE_INFINITY;
    while (Date.now() < deadline) {
      const view = await zendeskView(pipeline, tenant);
      const stale = await staleRecords(db, tenant.tenantId);
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
    // A little longer: late duplicates from a write re-sent after a disturbance would show up now.
    await sleep(3000);
    const view = await zendeskView(pipeline, tenant);
    const history = await auditHistory(db, tenant.tenantId);
    const topicKeys = await auditTopicKeys(pipeline, tenant.tenantId);
    const missing = [...expected].filter((id) => !view.ids.has(id));
    const rejected = await rejectedRecords(db, tenant.tenantId);
    const stale = (await staleRecords(db, tenant.tenantId)).filter((id) => !rejected.has(id));
    const extra = [...view.ids.keys()].filter((id) => !expected.has(id));
    const duplicates = Math.max(
      [...view.ids.values()].reduce((sum, count) => sum + count - 1, 0),
      view.simulatorDuplicates,
    );
    return {
      expected: expected.size,
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
      examples: [...missing.slice(0, 5), ...extra.slice(0, 5), ...stale.slice(0, 5)],
      failureReasons: await failureReasons(db, tenant.tenantId),
    };
  } finally {
    await db.end().catch(() => undefined);
  }
}

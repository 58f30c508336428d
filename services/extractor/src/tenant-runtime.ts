import type { CredentialVault } from '@mlc/common/credential-vault';
import type { EntityName } from '@mlc/common/entities';
import { MlcError } from '@mlc/common/errors';
import type { HttpClient } from '@mlc/common/http-client';
import type { Logger } from '@mlc/common/logger';
import type { MlcMetrics } from '@mlc/common/metrics';
import { RateBudget } from '@mlc/common/rate-budget';
import { openIonApiCredentials, type TenantRecord } from '@mlc/common/tenant-repository';
import { TokenCache } from '@mlc/common/token-cache';
import type pg from 'pg';
import type { ChangePublisher } from './change-publisher.ts';
import { createCsiAdapter, csiSourceName } from './csi/csi-adapter.ts';
import { createCsiIdoClient } from './csi/csi-ido-client.ts';
import {
  createPgPublishedRecordStore,
  createPgRunRecorder,
  createPgWatermarkStore,
  publishedAtVersion,
} from './extraction-pg-stores.ts';
import type { PublishedRecordStore, RunTrigger } from './extraction-stores.ts';
import { emptyIonCallCounters, type IonCallCounters } from './ion/ion-call-counters.ts';
import { createIonClient, type IonClient } from './ion/ion-client.ts';
import { createIonTokenSource } from './ion/ion-token-source.ts';
import { createM3Adapter, m3SourceName } from './m3/m3-adapter.ts';
import { M3_ENTITY_SOURCES, type M3EntitySource } from './m3/m3-entity-sources.ts';
import { createM3MiClient } from './m3/m3-mi-client.ts';
import type { SourceAdapter } from './source-adapter.ts';
import { runTenantExtraction, type TenantRunSummary } from './tenant-extraction.ts';

/**
 * Per-tenant MI inputs added to an entity's list call (`erpConfig.m3Inputs`, e.g. `{"gl-account": {"DIVI": "AM1"}}`):
 * delta sources are configurable per tenant because M3 installations differ.
 */
function m3SourcesFor(tenant: TenantRecord): { [E in EntityName]?: M3EntitySource<E> } {
  const inputs = tenant.erpConfig.m3Inputs;
  if (typeof inputs !== 'object' || inputs === null) return {};
  const sources: { [E in EntityName]?: M3EntitySource<E> } = {};
  for (const [entity, extra] of Object.entries(inputs as Record<string, unknown>)) {
    const source = M3_ENTITY_SOURCES[entity as EntityName] as M3EntitySource | undefined;
    if (source?.kind !== 'mi-list' || typeof extra !== 'object' || extra === null) continue;
    const strings = Object.fromEntries(
      Object.entries(extra).filter((e): e is [string, string] => typeof e[1] === 'string'),
    );
    (sources as Record<string, M3EntitySource>)[entity] = {
      ...source,
      fixedInputs: { ...source.fixedInputs, ...strings },
    };
  }
  return sources;
}

export interface ExtractorContext {
  db: pg.Pool;
  vault: CredentialVault;
  http: HttpClient;
  publisher: ChangePublisher;
  logger: Logger;
  metrics?: MlcMetrics;
  pageSize: number;
  overlapMs: number;
  /** Aborted on shutdown. */
  signal?: AbortSignal;
}

interface TenantSession {
  /** Credentials and limits the session was built from; a change builds a new one. */
  fingerprint: string;
  tokens: TokenCache;
  budget: RateBudget;
  counters: { current: IonCallCounters };
}

/**
 * Per-tenant ION state that outlives a run: the token cache (tokens are reused across runs, never fetched
 * per call) and the rate budget at the tenant's ION rpm. Rebuilt when the tenant's credentials or rpm change.
 */
export class TenantRuntimes {
  readonly #sessions = new Map<string, TenantSession>();
  readonly #context: ExtractorContext;

  constructor(context: ExtractorContext) {
    this.#context = context;
  }

  #session(tenant: TenantRecord): { session: TenantSession; file: ReturnType<typeof openIonApiCredentials> } {
    const file = openIonApiCredentials(this.#context.vault, tenant);
    const fingerprint = `${tenant.updatedAt.toISOString()}|${tenant.ionRpm}`;
    const existing = this.#sessions.get(tenant.id);
    if (existing !== undefined && existing.fingerprint === fingerprint) return { session: existing, file };
    const counters = { current: emptyIonCallCounters() };
    const session: TenantSession = {
      fingerprint,
      counters,
      budget: new RateBudget({ requestsPerMinute: tenant.ionRpm }),
      tokens: new TokenCache({
        fetchToken: createIonTokenSource({
          file,
          http: this.#context.http,
          onTokenCall: () => {
            counters.current.tokenCalls += 1;
          },
        }),
      }),
    };
    this.#sessions.set(tenant.id, session);
    return { session, file };
  }

  async run(
    tenant: TenantRecord,
    request: { runId: string; trigger: RunTrigger; entities?: readonly EntityName[] },
  ): Promise<TenantRunSummary> {
    const ctx = this.#context;
    const { session, file } = this.#session(tenant);
    const hooks = ctx.metrics;
    const ion = createIonClient({
      file,
      http: ctx.http,
      tokens: session.tokens,
      budget: session.budget,
      counters: () => session.counters.current,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      ...(hooks ? { onRetry: (event) => hooks.httpRetries.inc({ target: event.target, reason: event.reason }) } : {}),
    });
    const published = createPgPublishedRecordStore(ctx.db);
    const { adapter, sourceName } = this.#adapter(tenant, ion, published);
    return runTenantExtraction(
      {
        adapter,
        publisher: ctx.publisher,
        watermarks: createPgWatermarkStore(ctx.db),
        published,
        runs: createPgRunRecorder(ctx.db),
        logger: ctx.logger,
        counters: session.counters,
        sourceName,
        ...(ctx.signal ? { signal: ctx.signal } : {}),
        onEntityDone: (entity, stats) => {
          if (hooks === undefined) return;
          hooks.records.inc({ service: 'extractor', entity, outcome: 'published' }, stats.published);
          hooks.records.inc({ service: 'extractor', entity, outcome: 'unchanged' }, stats.unchanged);
          hooks.records.inc({ service: 'extractor', entity, outcome: 'dead-lettered' }, stats.failed);
          hooks.httpRequests.inc({ target: 'ion', status: 'attempt' }, stats.apiCalls);
        },
      },
      {
        tenantId: tenant.id,
        runId: request.runId,
        trigger: request.trigger,
        ...(request.entities ? { entities: request.entities } : {}),
      },
    );
  }

  #adapter(
    tenant: TenantRecord,
    ion: IonClient,
    published: PublishedRecordStore,
  ): { adapter: SourceAdapter; sourceName: (entity: EntityName) => string } {
    const ctx = this.#context;
    const common = {
      pageSize: ctx.pageSize,
      overlapMs: ctx.overlapMs,
      publishedAtVersion: (entity: EntityName, candidates: { naturalKey: string; version: string }[]) =>
        publishedAtVersion(published, tenant.id, entity, candidates),
    };
    if (tenant.product === 'csi') {
      const config = tenant.erpConfig.mongooseConfig;
      if (typeof config !== 'string' || config.trim() === '') {
        throw new MlcError('MLC_VALIDATION', `Tenant ${tenant.id}: product csi needs erpConfig.mongooseConfig`, {
          field: 'mongooseConfig',
        });
      }
      return {
        adapter: createCsiAdapter({ ...common, ido: createCsiIdoClient(ion, config) }),
        sourceName: csiSourceName,
      };
    }
    const company = typeof tenant.erpConfig.company === 'string' ? tenant.erpConfig.company : undefined;
    const adapter = createM3Adapter({
      ...common,
      sources: m3SourcesFor(tenant),
      mi: createM3MiClient(ion, company === undefined ? {} : { company }),
      // `erpConfig.m3LineSource: "mi"` reads PO lines per PO (PPS200MI/LstLine) where EXPORTMI may not read MPLINE.
      linesPerRecord: tenant.erpConfig.m3LineSource === 'mi',
      deletes: tenant.erpConfig.deletes === true,
    });
    return { adapter, sourceName: m3SourceName };
  }

  /** Non-secret token facts per tenant (for tests and status). */
  tokenStats(tenantId: string): ReturnType<TokenCache['stats']> | undefined {
    return this.#sessions.get(tenantId)?.tokens.stats();
  }
}

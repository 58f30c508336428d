/**
 * Control endpoints under `/__sim/` for tests and operators in other processes: create tenants and
 * download their `.ionapi`, mutate records, set rate limits and fault rules, revoke tokens, read the
 * request log. They are not part of any Infor API and are never rate-limited or faulted.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type FaultInjector, FaultRuleError, parseFaultRule } from '../shared/fault-injection.ts';
import type { RequestLog } from '../shared/request-log.ts';
import type { RpmLimiter } from '../shared/rpm-limiter.ts';
import { type CloudSuiteTenant, type TenantOptions, TenantOptionsError } from './cloudsuite-tenant.ts';
import { type MutationRequest, UnknownKeyError } from './distributor-dataset.ts';
import { DATASET_ENTITIES, type DatasetEntity } from './distributor-records.ts';
import { ADMIN_PREFIX } from './ion-gateway.ts';
import type { IonTokenStore } from './ion-token-store.ts';
import type { IonApiFile } from './ionapi-file.ts';
import { formatLmts } from './m3-timestamp.ts';

export interface AdminDeps {
  tenants: Map<string, CloudSuiteTenant>;
  addTenant(options: TenantOptions): CloudSuiteTenant;
  ionapiFileFor(tenantId: string, baseUrl: string): IonApiFile;
  baseUrlFor(request: FastifyRequest): string;
  tokens: IonTokenStore;
  limiter: RpmLimiter;
  faults: FaultInjector;
  requestLog: RequestLog;
}

const badRequest = (reply: FastifyReply, message: string, field?: string) =>
  reply.code(400).send({ error: 'BadRequest', message, field });

function describe(t: CloudSuiteTenant) {
  return {
    tenantId: t.tenantId,
    product: t.product,
    rpm: t.rpm,
    sendRetryAfter: t.sendRetryAfter,
    tokenExpiresInSec: t.tokenExpiresInSec,
    issuesRefreshTokens: t.issuesRefreshTokens,
    mongooseConfig: t.mongooseConfig,
    records: t.dataset.records,
    seed: t.dataset.seed,
    counts: t.dataset.counts(),
  };
}

export function registerSimulatorAdminRoutes(app: FastifyInstance, deps: AdminDeps): void {
  const p = ADMIN_PREFIX;
  const tenantOr404 = (id: string, reply: FastifyReply) => {
    const t = deps.tenants.get(id);
    if (!t) reply.code(404).send({ error: 'NotFound', message: `No tenant ${id}` });
    return t;
  };

  app.get(`${p}/tenants`, async () => ({ tenants: [...deps.tenants.values()].map(describe) }));

  app.post<{ Body: TenantOptions }>(`${p}/tenants`, async (request, reply) => {
    if (typeof request.body !== 'object' || request.body === null)
      return badRequest(reply, 'body must be a JSON object');
    if (deps.tenants.has(request.body.tenantId))
      return reply.code(409).send({ error: 'Conflict', message: 'tenant exists' });
    try {
      const t = deps.addTenant(request.body);
      return reply.code(201).send({ ...describe(t), ionapi: deps.ionapiFileFor(t.tenantId, deps.baseUrlFor(request)) });
    } catch (err) {
      if (err instanceof TenantOptionsError) return badRequest(reply, err.message, err.field);
      throw err;
    }
  });

  app.get<{ Params: { id: string } }>(`${p}/tenants/:id`, async (request, reply) => {
    const t = tenantOr404(request.params.id, reply);
    return t ? describe(t) : reply;
  });

  app.get<{ Params: { id: string } }>(`${p}/tenants/:id/ionapi`, async (request, reply) => {
    const t = tenantOr404(request.params.id, reply);
    if (!t) return reply;
    return reply
      .header('content-disposition', `attachment; filename="${t.tenantId}.ionapi"`)
      .send(deps.ionapiFileFor(t.tenantId, deps.baseUrlFor(request)));
  });

  app.patch<{
    Params: { id: string };
    Body: Partial<Pick<CloudSuiteTenant, 'rpm' | 'sendRetryAfter' | 'tokenExpiresInSec' | 'issuesRefreshTokens'>>;
  }>(`${p}/tenants/:id`, async (request, reply) => {
    const t = tenantOr404(request.params.id, reply);
    if (!t) return reply;
    const b = request.body ?? {};
    if (b.rpm !== undefined && (!Number.isInteger(b.rpm) || b.rpm < 0))
      return badRequest(reply, 'rpm must be a non-negative integer', 'rpm');
    if (b.tokenExpiresInSec !== undefined && (typeof b.tokenExpiresInSec !== 'number' || b.tokenExpiresInSec <= 0)) {
      return badRequest(reply, 'tokenExpiresInSec must be positive', 'tokenExpiresInSec');
    }
    if (b.rpm !== undefined) {
      t.rpm = b.rpm;
      deps.limiter.reset(t.tenantId);
    }
    if (typeof b.sendRetryAfter === 'boolean') t.sendRetryAfter = b.sendRetryAfter;
    if (b.tokenExpiresInSec !== undefined) t.tokenExpiresInSec = b.tokenExpiresInSec;
    if (typeof b.issuesRefreshTokens === 'boolean') t.issuesRefreshTokens = b.issuesRefreshTokens;
    return describe(t);
  });

  app.post<{ Params: { id: string; entity: string }; Body: MutationRequest }>(
    `${p}/tenants/:id/entities/:entity/mutations`,
    async (request, reply) => {
      const t = tenantOr404(request.params.id, reply);
      if (!t) return reply;
      const entity = request.params.entity as DatasetEntity;
      if (!DATASET_ENTITIES.includes(entity))
        return badRequest(reply, `entity must be one of ${DATASET_ENTITIES.join(', ')}`, 'entity');
      const b = request.body ?? {};
      for (const k of ['change', 'delete', 'add'] as const) {
        if (b[k] !== undefined && (!Number.isInteger(b[k]) || b[k]! < 0 || b[k]! > 100_000))
          return badRequest(reply, `${k} must be an integer 0..100000`, k);
      }
      try {
        return t.dataset.mutate(entity, b);
      } catch (err) {
        if (err instanceof UnknownKeyError) return badRequest(reply, err.message, 'keys');
        throw err;
      }
    },
  );

  app.get<{ Params: { id: string; entity: string } }>(
    `${p}/tenants/:id/entities/:entity/watermark`,
    async (request, reply) => {
      const t = tenantOr404(request.params.id, reply);
      if (!t) return reply;
      const entity = request.params.entity as DatasetEntity;
      if (!DATASET_ENTITIES.includes(entity)) return badRequest(reply, 'unknown entity', 'entity');
      const ms = t.dataset.maxChangedMs(entity);
      return { entity, lmts: formatLmts(ms), changedAt: new Date(ms).toISOString(), count: t.dataset.count(entity) };
    },
  );

  app.post<{ Params: { id: string } }>(`${p}/tenants/:id/revoke-tokens`, async (request, reply) => {
    const t = tenantOr404(request.params.id, reply);
    if (!t) return reply;
    return { revoked: deps.tokens.revokeAll(t.tenantId) };
  });

  app.get(`${p}/faults`, async () => ({ faults: deps.faults.list() }));
  app.post(`${p}/faults`, async (request, reply) => {
    try {
      return reply.code(201).send(deps.faults.add(parseFaultRule(request.body)));
    } catch (err) {
      if (err instanceof FaultRuleError) return badRequest(reply, err.message, err.field);
      throw err;
    }
  });
  app.delete<{ Params: { id: string } }>(`${p}/faults/:id`, async (request, reply) =>
    deps.faults.remove(request.params.id)
      ? reply.code(204).send()
      : reply.code(404).send({ error: 'NotFound', message: 'no such fault' }),
  );
  app.delete(`${p}/faults`, async (_request, reply) => {
    deps.faults.clear();
    return reply.code(204).send();
  });

  app.get<{ Querystring: { tenant?: string; sinceSeq?: string; program?: string } }>(
    `${p}/requests`,
    async (request) => {
      const q = request.query;
      return {
        lastSeq: deps.requestLog.lastSeq,
        requests: deps.requestLog.entries({
          ...(q.tenant ? { tenant: q.tenant } : {}),
          ...(q.sinceSeq ? { sinceSeq: Number(q.sinceSeq) } : {}),
          ...(q.program ? { program: q.program } : {}),
        }),
      };
    },
  );
  app.delete(`${p}/requests`, async (_request, reply) => {
    deps.requestLog.clear();
    return reply.code(204).send();
  });
}

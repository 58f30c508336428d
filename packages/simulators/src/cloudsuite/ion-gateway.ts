/**
 * What the ION API gateway does before a request reaches M3 or CSI, in this order: bearer token check
 * (401 with an RFC 6750 `invalid_token` body), the tenant's quota (429, Retry-After if configured),
 * then any fault rule switched on for the request. Every answer is written to the request log.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { FaultInjector, FaultRule } from '../shared/fault-injection.ts';
import { pathWithoutQuery, type RequestLog } from '../shared/request-log.ts';
import type { RpmLimiter } from '../shared/rpm-limiter.ts';
import type { CloudSuiteTenant } from './cloudsuite-tenant.ts';
import type { IonTokenStore } from './ion-token-store.ts';
import { type AnswerTransform, endlessAnswer, transformAnswer, transformsAnswer } from './malformed-answers.ts';

interface RequestFacts {
  tenant: string | null;
  requestClass: 'api' | 'token' | 'admin';
  program: string | null;
  transaction: string | null;
  injected: string | null;
  /** A `malformed` fault made from the route's answer: applied when it is sent. */
  transform: { kind: AnswerTransform; status: number | undefined } | null;
}

const facts = new WeakMap<FastifyRequest, RequestFacts>();

export const ADMIN_PREFIX = '/__sim';

function classify(url: string): RequestFacts {
  const path = pathWithoutQuery(url);
  if (path === ADMIN_PREFIX || path.startsWith(`${ADMIN_PREFIX}/`)) {
    return { tenant: null, requestClass: 'admin', program: null, transaction: null, injected: null, transform: null };
  }
  const seg = path.split('/').map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  });
  const tenant = seg[1] || null;
  if (seg[2] === 'as') {
    return { tenant, requestClass: 'token', program: null, transaction: null, injected: null, transform: null };
  }
  if (seg[2] === 'M3') {
    return {
      tenant,
      requestClass: 'api',
      program: seg[6] ?? null,
      transaction: seg[7]?.split(';')[0] ?? null,
      injected: null,
      transform: null,
    };
  }
  if (seg[2] === 'CSI')
    // /{ti}/CSI/IDORequestService/ido/{load|info}/{IDO}: the IDO is the program, the operation the transaction.
    return {
      tenant,
      requestClass: 'api',
      program: seg[6] ?? null,
      transaction: seg[5] ?? null,
      injected: null,
      transform: null,
    };
  return { tenant, requestClass: 'api', program: null, transaction: null, injected: null, transform: null };
}

const HTML_ERROR_PAGE = (status: number, title: string) =>
  `<!DOCTYPE html><html><head><title>${status} ${title}</title></head><body><h1>${title}</h1><p>The server encountered a problem.</p><hr><address>ION API Gateway</address></body></html>`;

const STATUS_TITLE: Record<number, string> = {
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

function bearerOf(request: FastifyRequest): string | undefined {
  const h = request.headers.authorization;
  if (!h || !/^bearer\s+/i.test(h)) return undefined;
  return h.replace(/^bearer\s+/i, '').trim();
}

function unauthorized(reply: FastifyReply, description: string) {
  return reply
    .code(401)
    .header('www-authenticate', `Bearer realm="ION API", error="invalid_token", error_description="${description}"`)
    .send({ error: 'invalid_token', error_description: description });
}

async function applyFault(
  rule: FaultRule,
  request: FastifyRequest,
  reply: FastifyReply,
  tokens: IonTokenStore,
  tenant: string | null,
  f: RequestFacts,
) {
  switch (rule.kind) {
    case 'slow':
      await sleep(rule.delayMs ?? 2000);
      return null;
    case 'timeout':
      await sleep(rule.delayMs ?? 60_000);
      return reply.code(504).type('text/html').send(HTML_ERROR_PAGE(504, STATUS_TITLE[504]!));
    case 'status': {
      const status = rule.status ?? 503;
      const title = STATUS_TITLE[status] ?? 'Error';
      if (status === 500) return reply.code(500).send({ error: title, message: 'An unexpected error occurred' });
      return reply.code(status).type('text/html').send(HTML_ERROR_PAGE(status, title));
    }
    case 'revoke-token': {
      const token = bearerOf(request);
      if (token && tenant) tokens.revoke(token, tenant);
      return unauthorized(reply, 'The access token has been revoked');
    }
    case 'malformed': {
      const body = rule.body ?? 'truncated-json';
      if (transformsAnswer(body)) {
        f.transform = { kind: body, status: rule.status };
        return null;
      }
      if (body === 'endless') {
        const product = pathWithoutQuery(request.url).split('/')[2] === 'CSI' ? 'CSI' : 'M3';
        return reply
          .code(rule.status ?? 200)
          .type('application/json')
          .send(endlessAnswer(product));
      }
      return reply
        .code(rule.status ?? 200)
        .type('text/html')
        .send(HTML_ERROR_PAGE(rule.status ?? 200, 'Service error'));
    }
  }
}

export function registerIonGateway(
  app: FastifyInstance,
  deps: {
    tenant: (id: string) => CloudSuiteTenant | undefined;
    tokens: IonTokenStore;
    limiter: RpmLimiter;
    faults: FaultInjector;
    requestLog: RequestLog;
  },
): void {
  app.addHook('onRequest', async (request, reply) => {
    const f = classify(request.url);
    facts.set(request, f);
    if (f.requestClass === 'admin') return;
    const tenant = f.tenant ? deps.tenant(f.tenant) : undefined;
    if (!tenant) return reply.code(404).send({ error: 'Not Found', message: 'Unknown tenant' });

    if (f.requestClass === 'api') {
      const check = deps.tokens.checkAccess(bearerOf(request));
      if (!check.ok) {
        const why = {
          missing: 'Bearer token is missing',
          unknown: 'The access token is invalid',
          expired: 'The access token has expired',
          revoked: 'The access token has been revoked',
        };
        return unauthorized(reply, why[check.reason]);
      }
      if (check.tenantId !== tenant.tenantId)
        return unauthorized(reply, 'The access token is not valid for this tenant');
      const decision = deps.limiter.take(tenant.tenantId, { rpm: tenant.rpm, sendRetryAfter: tenant.sendRetryAfter });
      if (!decision.allowed) {
        f.injected = 'rate-limit';
        if (tenant.sendRetryAfter && decision.retryAfterSec !== undefined)
          reply.header('retry-after', String(decision.retryAfterSec));
        return reply.code(429).send({ error: 'Too Many Requests', message: 'Quota exceeded for this tenant' });
      }
    }

    const rule = deps.faults.pick({
      tenant: tenant.tenantId,
      requestClass: f.requestClass,
      program: f.program,
      path: pathWithoutQuery(request.url),
    });
    if (rule) {
      f.injected = `${rule.id}:${rule.kind}`;
      const answered = await applyFault(rule, request, reply, deps.tokens, tenant.tenantId, f);
      if (answered) return answered;
    }
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const transform = facts.get(request)?.transform;
    if (!transform || typeof payload !== 'string') return payload;
    if (transform.status !== undefined) reply.code(transform.status);
    return transformAnswer(transform.kind, payload);
  });

  app.addHook('onResponse', async (request, reply) => {
    const f = facts.get(request);
    if (!f || f.requestClass === 'admin') return;
    deps.requestLog.record({
      method: request.method,
      path: pathWithoutQuery(request.url),
      tenant: f.tenant,
      status: reply.statusCode,
      durationMs: Math.round(reply.elapsedTime),
      program: f.program,
      transaction: f.transaction,
      injected: f.injected,
    });
  });
}

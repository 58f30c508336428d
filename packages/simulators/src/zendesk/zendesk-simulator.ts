import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import Fastify, { type FastifyInstance } from 'fastify';
import { type AccountState, type AddAccountOptions, createAccountState } from './account-state.ts';
import { registerAdminRoutes } from './admin-routes.ts';
import { authenticate } from './authentication.ts';
import { registerCustomObjectRoutes } from './custom-object-routes.ts';
import { FaultInjector } from './fault-injector.ts';
import { registerFieldDefinitionRoutes } from './field-definition-routes.ts';
import { type AccountInspection, inspectAccount } from './inspection.ts';
import { JobRunner } from './job-runner.ts';
import { malformedBody } from './malformed-bodies.ts';
import { registerOAuthRoutes } from './oauth-routes.ts';
import { OAuthTokenStore } from './oauth-token-store.ts';
import { registerOrganizationRoutes } from './organization-routes.ts';
import { RateLimiter } from './rate-limiter.ts';
import { contextOf, contextOfRaw } from './request-context.ts';
import { pathWithoutQuery, RequestLog } from './request-log.ts';
import { registerSearchRoutes } from './search-routes.ts';
import { countWrite, type SimulatorRuntime } from './simulator-runtime.ts';
import { registerTicketRoutes } from './ticket-routes.ts';
import { registerUserRoutes } from './user-routes.ts';
import { ZendeskHttpError, zendeskErrors } from './zendesk-errors.ts';

export interface ZendeskSimulatorOptions {
  accounts?: AddAccountOptions[];
  /** Seed for fault-injection sampling. */
  seed?: number;
  /** Clock for token expiry, rate windows and timestamps (tests may pass a fake one). */
  now?: () => number;
  logger?: boolean;
}

export interface ZendeskSimulator {
  app: FastifyInstance;
  state: { accounts: Map<string, AccountState> };
  requestLog: RequestLog;
  faults: FaultInjector;
  rateLimiter: RateLimiter;
  /** Every route served (method, path pattern), for contract checks against the OpenAPI description. */
  routes: { method: string; url: string }[];
  addAccount(options: AddAccountOptions): AccountState;
  account(subdomain: string): AccountState;
  inspect(subdomain: string): AccountInspection | null;
  revokeTokens(subdomain: string): number;
  /** Base URL a client uses for one account once the server listens (`…/__account/{subdomain}`). */
  baseUrl(subdomain: string): string;
  listen(options?: { port?: number; host?: string }): Promise<string>;
  close(): Promise<void>;
}

const ACCOUNT_PREFIX = /^\/__account\/([a-z0-9][a-z0-9-]*)(?=\/|\?|$)/;
const ZENDESK_HOST = /^([a-z0-9][a-z0-9-]*)\.zendesk\.com(:\d+)?$/i;

export function buildZendeskSimulator(options: ZendeskSimulatorOptions = {}): ZendeskSimulator {
  const now = options.now ?? Date.now;
  const accounts = new Map<string, AccountState>();
  const tokens = new OAuthTokenStore();
  const faults = new FaultInjector(options.seed);
  const rateLimiter = new RateLimiter(now);
  const requestLog = new RequestLog();
  const jobs = new JobRunner(now);
  const runtime: SimulatorRuntime = { now, jobs, rateLimiter };

  const app = Fastify({
    logger: options.logger ?? false,
    // Clients pass a base URL such as http://127.0.0.1:PORT/__account/acme; Zendesk also accepts `.json` suffixes.
    rewriteUrl(raw) {
      let url = raw.url ?? '/';
      const prefix = ACCOUNT_PREFIX.exec(url);
      if (prefix) {
        contextOfRaw(raw).prefixSubdomain = prefix[1] ?? null;
        url = url.slice(prefix[0].length) || '/';
        if (url.startsWith('?')) url = `/${url}`;
      }
      return url.replace(/\.json(?=\?|$)/, '');
    },
  });

  let listeningAt = '';
  const routes: { method: string; url: string }[] = [];
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) if (method !== 'HEAD') routes.push({ method, url: route.url });
  });

  const simulator: ZendeskSimulator = {
    app,
    state: { accounts },
    requestLog,
    faults,
    rateLimiter,
    routes,
    addAccount(accountOptions) {
      if (accounts.has(accountOptions.subdomain)) throw new Error(`account "${accountOptions.subdomain}" exists`);
      const account = createAccountState(accountOptions, now());
      accounts.set(account.subdomain, account);
      return account;
    },
    account(subdomain) {
      const account = accounts.get(subdomain);
      if (!account) throw new Error(`no account "${subdomain}"`);
      return account;
    },
    inspect(subdomain) {
      const account = accounts.get(subdomain);
      return account ? inspectAccount(account) : null;
    },
    revokeTokens: (subdomain) => tokens.revokeAll(subdomain),
    baseUrl: (subdomain) => `${listeningAt}/__account/${subdomain}`,
    async listen(listenOptions = {}) {
      await app.listen({ port: listenOptions.port ?? 0, host: listenOptions.host ?? '127.0.0.1' });
      const address = app.server.address() as AddressInfo;
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      listeningAt = `http://${host}:${address.port}`;
      return listeningAt;
    },
    async close() {
      jobs.close();
      await app.close();
    },
  };

  for (const accountOptions of options.accounts ?? []) simulator.addAccount(accountOptions);

  app.addHook('onRequest', async (request) => {
    const context = contextOf(request);
    context.startedAt = Date.now();
    const path = pathWithoutQuery(request.url);
    if (path.startsWith('/__sim')) return;
    const hostHeader = request.headers.host ?? '';
    const fromHost = ZENDESK_HOST.exec(hostHeader)?.[1]?.toLowerCase();
    const subdomain =
      context.prefixSubdomain ?? fromHost ?? (accounts.size === 1 ? [...accounts.keys()][0] : undefined);
    context.account = subdomain === undefined ? null : (accounts.get(subdomain) ?? null);
    context.baseUrl = `${request.protocol}://${hostHeader}${context.prefixSubdomain ? `/__account/${context.prefixSubdomain}` : ''}`;
    context.routeKey = `${request.method} ${request.routeOptions.url ?? path}`;
    if (!context.account) throw zendeskErrors.invalidEndpoint();
    const account = context.account;

    for (const fault of faults.pick(account.subdomain, request.method, path)) {
      if (fault.kind === 'delay') await sleep(fault.ms);
      if (fault.kind === 'status') {
        throw fault.status === 429
          ? zendeskErrors.rateLimited(fault.retryAfterSec ?? 1)
          : zendeskErrors.serverError(fault.status);
      }
      if (fault.kind === 'malformed-body') context.malformed = fault.body ?? 'truncated';
      if (fault.kind === 'revoke-token') {
        const bearer = /^bearer\s+(\S+)/i.exec(request.headers.authorization ?? '')?.[1];
        if (bearer) tokens.revoke(bearer);
      }
    }
    if (!path.startsWith('/api/v2/')) return;
    try {
      context.rateLimit = rateLimiter.take(account);
    } catch (error) {
      const standing = (error as { standing?: typeof context.rateLimit }).standing;
      if (standing) context.rateLimit = standing;
      throw error;
    }
    context.token = authenticate(request, account, tokens, now());
  });

  app.addHook('preHandler', async (request) => {
    const context = contextOf(request);
    if (context.account && request.method !== 'GET' && request.url.startsWith('/api/v2/')) {
      countWrite(context.account, context.routeKey);
    }
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const context = contextOf(request);
    if (context.rateLimit) {
      const { limit, remaining, resetSec } = context.rateLimit;
      reply.header('x-rate-limit', String(limit));
      reply.header('x-rate-limit-remaining', String(remaining));
      reply.header('ratelimit-limit', String(limit));
      reply.header('ratelimit-remaining', String(remaining));
      reply.header('ratelimit-reset', String(resetSec));
    }
    if (context.malformed !== null && typeof payload === 'string' && payload.length > 1) {
      const { body, contentType } = malformedBody(context.malformed, payload);
      if (contentType !== undefined) reply.header('content-type', contentType);
      return body;
    }
    return payload;
  });

  app.addHook('onResponse', async (request, reply) => {
    const context = contextOf(request);
    requestLog.add({
      time: new Date(context.startedAt).toISOString(),
      account: context.account?.subdomain ?? context.prefixSubdomain,
      method: request.method,
      path: pathWithoutQuery(request.url),
      route: context.routeKey || `${request.method} ${pathWithoutQuery(request.url)}`,
      status: reply.statusCode,
      durationMs: Date.now() - context.startedAt,
      fault: context.malformed === null ? null : `malformed-body:${context.malformed}`,
    });
  });

  app.setErrorHandler(async (error, _request, reply) => {
    if (error instanceof ZendeskHttpError) {
      reply.code(error.statusCode).headers(error.headers);
      return error.body;
    }
    const statusCode = (error as { statusCode?: number }).statusCode;
    if (statusCode === 400 || statusCode === 415) {
      const rejection = zendeskErrors.unparsableJson();
      reply.code(rejection.statusCode);
      return rejection.body;
    }
    reply.code(500);
    return { error: 'InternalError', description: 'Unexpected simulator error' };
  });

  app.setNotFoundHandler(async (_request, reply) => {
    reply.code(404);
    return zendeskErrors.invalidEndpoint().body;
  });

  registerOAuthRoutes(app, tokens, now);
  registerUserRoutes(app, runtime);
  registerOrganizationRoutes(app, runtime);
  registerTicketRoutes(app, runtime);
  registerFieldDefinitionRoutes(app, runtime);
  registerCustomObjectRoutes(app, runtime);
  registerSearchRoutes(app, runtime);
  registerAdminRoutes(app, simulator);

  return simulator;
}

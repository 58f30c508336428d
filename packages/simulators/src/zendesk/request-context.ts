import type { IncomingMessage } from 'node:http';
import type { FastifyRequest } from 'fastify';
import type { AccountState } from './account-state.ts';
import type { MalformedBody } from './malformed-bodies.ts';
import type { AccessToken } from './oauth-token-store.ts';
import { ZendeskHttpError } from './zendesk-errors.ts';

// What the simulator learned about a request before its handler runs: the account it addresses, the
// base URL the client used (for `url` fields), the caller's credentials and its rate-limit standing.
export interface RequestContext {
  account: AccountState | null;
  /** Subdomain taken from a `/__account/{subdomain}` prefix, if the client used one. */
  prefixSubdomain: string | null;
  baseUrl: string;
  token: AccessToken | null;
  rateLimit: { limit: number; remaining: number; resetSec: number } | null;
  startedAt: number;
  routeKey: string;
  /** A fault asked for this response's body to be made unreadable, and how. */
  malformed: MalformedBody | null;
}

const contexts = new WeakMap<IncomingMessage, RequestContext>();

export function contextOfRaw(raw: IncomingMessage): RequestContext {
  let context = contexts.get(raw);
  if (!context) {
    context = {
      account: null,
      prefixSubdomain: null,
      baseUrl: '',
      token: null,
      rateLimit: null,
      startedAt: Date.now(),
      routeKey: '',
      malformed: null,
    };
    contexts.set(raw, context);
  }
  return context;
}

export function contextOf(request: FastifyRequest): RequestContext {
  return contextOfRaw(request.raw);
}

export function accountOf(request: FastifyRequest): AccountState {
  const account = contextOf(request).account;
  if (!account) throw new ZendeskHttpError(404, { error: 'InvalidEndpoint', description: 'Not found' });
  return account;
}

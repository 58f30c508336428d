import { MlcError } from '@mlc/common/errors';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type pg from 'pg';
import type { AdminPrincipal } from './admin-principal.ts';
import { findPrincipalByToken } from './admin-token-store.ts';

declare module 'fastify' {
  interface FastifyRequest {
    adminPrincipal: AdminPrincipal | null;
  }
  interface FastifyContextConfig {
    /** Served without a bearer token (health, metrics, docs). */
    public?: boolean;
  }
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** Every route needs `Authorization: Bearer <token>` unless its config says `public`; 401 otherwise. */
export function installBearerAuth(app: FastifyInstance, db: Pick<pg.Pool, 'query'>): void {
  app.decorateRequest('adminPrincipal', null);
  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.config?.public === true || request.is404) return;
    const match = BEARER.exec(request.headers.authorization ?? '');
    if (match?.[1] === undefined) {
      throw new MlcError('MLC_UNAUTHORIZED', 'Send Authorization: Bearer <token>', { field: 'authorization' });
    }
    const principal = await findPrincipalByToken(db, match[1]);
    if (principal === undefined) {
      throw new MlcError('MLC_UNAUTHORIZED', 'The bearer token is unknown or revoked', { field: 'authorization' });
    }
    request.adminPrincipal = principal;
  });
}

export function principalOf(request: FastifyRequest): AdminPrincipal {
  if (request.adminPrincipal === null) throw new MlcError('MLC_UNAUTHORIZED', 'Not authenticated');
  return request.adminPrincipal;
}

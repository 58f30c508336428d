import type { FastifyInstance } from 'fastify';
import type { OAuthTokenStore } from './oauth-token-store.ts';
import { accountOf } from './request-context.ts';
import { oauthErrors } from './zendesk-errors.ts';

// Scopes Zendesk accepts: read, write, impersonate, or resource-scoped `resource:read|write`.
const SCOPE_PATTERN = /^(read|write|impersonate|[a-z_]+:(read|write))$/;

function text(body: Record<string, unknown>, key: string): string | undefined {
  const value = body[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function registerOAuthRoutes(app: FastifyInstance, tokens: OAuthTokenStore, now: () => number): void {
  app.post('/oauth/tokens', async (request, reply) => {
    const account = accountOf(request);
    const body = (request.body ?? {}) as Record<string, unknown>;
    if (typeof body !== 'object' || Array.isArray(body)) throw oauthErrors.invalidRequest('Body must be JSON.');
    const grantType = text(body, 'grant_type');
    if (!grantType) throw oauthErrors.invalidRequest('Missing grant_type.');
    if (grantType !== 'client_credentials' && grantType !== 'refresh_token') throw oauthErrors.unsupportedGrantType();

    const clientId = text(body, 'client_id');
    const client = account.oauthClients.find((candidate) => candidate.identifier === clientId);
    if (!client || client.secret !== text(body, 'client_secret')) throw oauthErrors.invalidClient();

    let expiresInSec = account.tokenExpiresInSec;
    if (body.expires_in !== undefined) {
      const requested = body.expires_in;
      // Documented bounds: more than 300 s and less than 172,800 s.
      if (typeof requested !== 'number' || !Number.isInteger(requested) || requested <= 300 || requested >= 172_800) {
        throw oauthErrors.invalidRequest('expires_in must be more than 300 and less than 172800 seconds.');
      }
      expiresInSec = Math.min(requested, account.tokenExpiresInSec);
    }

    let scopes: string[];
    if (grantType === 'refresh_token') {
      const refreshToken = text(body, 'refresh_token');
      if (!refreshToken) throw oauthErrors.invalidRequest('Missing refresh_token.');
      const previous = tokens.redeemRefresh(refreshToken, account.subdomain, client.identifier, now());
      if (!previous) throw oauthErrors.invalidGrant();
      scopes = previous.scopes;
    } else {
      const scope = text(body, 'scope') ?? 'read write';
      scopes = scope.split(/\s+/).filter(Boolean);
      if (scopes.length === 0 || !scopes.every((candidate) => SCOPE_PATTERN.test(candidate))) {
        throw oauthErrors.invalidScope();
      }
    }

    const issued = tokens.issue(
      account.subdomain,
      client.identifier,
      scopes,
      now(),
      expiresInSec,
      account.refreshTokenExpiresInSec,
    );
    reply.header('cache-control', 'no-store');
    return {
      access_token: issued.access.value,
      token_type: 'bearer',
      scope: scopes.join(' '),
      expires_in: Math.max(1, Math.round(expiresInSec)),
      refresh_token: issued.access.refreshToken,
      refresh_token_expires_in: Math.round(account.refreshTokenExpiresInSec),
    };
  });
}

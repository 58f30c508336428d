import type { FastifyRequest } from 'fastify';
import type { AccountState } from './account-state.ts';
import type { AccessToken, OAuthTokenStore } from './oauth-token-store.ts';
import { zendeskErrors } from './zendesk-errors.ts';

// Checks the caller of an /api/v2 request: OAuth bearer token (current) or the legacy API token as
// Basic `{email}/token:{token}`. Returns the bearer token, if one was used, for scope checks.
export function authenticate(
  request: FastifyRequest,
  account: AccountState,
  tokens: OAuthTokenStore,
  now: number,
): AccessToken | null {
  const header = request.headers.authorization;
  if (!header) throw zendeskErrors.couldNotAuthenticate();
  const [scheme, credentials = ''] = header.split(/\s+/, 2);
  if (scheme?.toLowerCase() === 'bearer') {
    const token = tokens.verify(credentials, account.subdomain, now);
    if (!token) throw zendeskErrors.invalidToken();
    if (!scopeAllows(token.scopes, request.method, request.url)) throw zendeskErrors.forbidden();
    return token;
  }
  if (scheme?.toLowerCase() === 'basic') {
    const decoded = Buffer.from(credentials, 'base64').toString('utf8');
    const separator = decoded.indexOf(':');
    const user = separator === -1 ? decoded : decoded.slice(0, separator);
    const secret = separator === -1 ? '' : decoded.slice(separator + 1);
    const email = user.endsWith('/token') ? user.slice(0, -'/token'.length) : null;
    if (
      email !== null &&
      email.toLowerCase() === account.agentEmail.toLowerCase() &&
      account.apiTokens.includes(secret)
    ) {
      return null;
    }
  }
  throw zendeskErrors.couldNotAuthenticate();
}

function resourceOf(url: string): string {
  return url.split('?')[0]?.split('/')[3] ?? '';
}

function scopeAllows(scopes: string[], method: string, url: string): boolean {
  const needs = method === 'GET' || method === 'HEAD' ? 'read' : 'write';
  const resource = resourceOf(url);
  return scopes.some((scope) => scope === needs || scope === `${resource}:${needs}`);
}

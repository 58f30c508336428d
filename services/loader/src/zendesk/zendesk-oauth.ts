import { MlcError } from '@mlc/common/errors';
import { type OAuthTokenResponse, TokenCache, type TokenFetchContext } from '@mlc/common/token-cache';
import { type Dispatcher, request } from 'undici';
import type { ZendeskAuthorizer } from './zendesk-auth.ts';
import type { RequestBudget } from './zendesk-client.ts';
import { parseZendeskError } from './zendesk-error.ts';

export interface ZendeskOAuthClient {
  clientId: string;
  clientSecret: string;
  scope?: string;
}

interface TokenResponse {
  access_token?: string;
  expires_in?: number;
  refresh_token?: string;
  refresh_token_expires_in?: number;
}

/**
 * `POST {base}/oauth/tokens`: the refresh grant when the cache holds an unexpired refresh token (each
 * refresh rotates both tokens; TokenCache keeps the newest), else client_credentials; a refused refresh
 * falls back to client_credentials. Token calls count against the tenant's budget like any other call.
 */
export function zendeskTokenFetcher(
  baseUrl: string,
  client: ZendeskOAuthClient,
  budget: RequestBudget,
  dispatcher?: Dispatcher,
): (context: TokenFetchContext) => Promise<OAuthTokenResponse> {
  const tokenUrl = `${baseUrl.replace(/\/+$/, '')}/oauth/tokens`;
  async function grant(body: Record<string, string>): Promise<OAuthTokenResponse> {
    await budget.acquire();
    const response = await request(tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ ...body, client_id: client.clientId, client_secret: client.clientSecret }),
      ...(dispatcher ? { dispatcher } : {}),
    });
    const raw = await response.body.text();
    let parsed: unknown = null;
    try {
      parsed = raw === '' ? null : JSON.parse(raw);
    } catch {
      parsed = raw;
    }
    if (response.statusCode !== 200 && response.statusCode !== 201) {
      const info = parseZendeskError(response.statusCode, parsed);
      // Status and error code only: the request carried secrets, so nothing of it is echoed.
      throw new MlcError(
        response.statusCode >= 500 || response.statusCode === 429 ? 'MLC_HTTP_UPSTREAM' : 'MLC_ZENDESK_AUTH_FAILED',
        `Zendesk token endpoint answered ${response.statusCode} ${info.error} (${body.grant_type})`,
      );
    }
    const token = parsed as TokenResponse;
    if (typeof token.access_token !== 'string') {
      throw new MlcError('MLC_ZENDESK_AUTH_FAILED', 'Zendesk token endpoint answered without access_token');
    }
    return {
      accessToken: token.access_token,
      expiresInSec: token.expires_in ?? 1800,
      ...(token.refresh_token ? { refreshToken: token.refresh_token } : {}),
      ...(token.refresh_token_expires_in ? { refreshTokenExpiresInSec: token.refresh_token_expires_in } : {}),
    };
  }
  return async (context) => {
    if (context.refreshToken !== undefined) {
      try {
        return await grant({ grant_type: 'refresh_token', refresh_token: context.refreshToken });
      } catch (error) {
        if (!(error instanceof MlcError) || error.code !== 'MLC_ZENDESK_AUTH_FAILED') throw error;
      }
    }
    return grant({ grant_type: 'client_credentials', scope: client.scope ?? 'read write' });
  };
}

/** OAuth for one tenant: proactive refresh and single flight come from TokenCache. */
export function oauthAuthorizer(
  baseUrl: string,
  client: ZendeskOAuthClient,
  budget: RequestBudget,
  dispatcher?: Dispatcher,
): ZendeskAuthorizer {
  const cache = new TokenCache({ fetchToken: zendeskTokenFetcher(baseUrl, client, budget, dispatcher) });
  let handedOut: string | undefined;
  return {
    async authorization() {
      handedOut = await cache.getAccessToken();
      return `Bearer ${handedOut}`;
    },
    invalidate() {
      if (handedOut !== undefined) cache.invalidate(handedOut);
    },
  };
}

import { MlcError } from '@mlc/common/errors';
import type { HttpClient } from '@mlc/common/http-client';
import { type IonApiFile, ionTokenUrl } from '@mlc/common/ionapi-file';
import type { OAuthTokenResponse, TokenFetchContext } from '@mlc/common/token-cache';

export interface IonTokenSourceOptions {
  file: IonApiFile;
  http: HttpClient;
  /** Called once per token endpoint request (for run accounting). */
  onTokenCall?: (grant: 'password' | 'refresh_token') => void;
}

interface TokenResponseBody {
  access_token?: unknown;
  expires_in?: unknown;
  refresh_token?: unknown;
  error?: unknown;
}

/**
 * `fetchToken` for a TokenCache of a backend-service `.ionapi`: the refresh_token grant where the server
 * issued a refresh token, otherwise (or when the refresh is refused) the password grant with `saak`/`sask`
 * exactly as the file holds them (`saak` already starts with `TENANT#`: never prefixed again).
 */
export function createIonTokenSource(
  options: IonTokenSourceOptions,
): (context: TokenFetchContext) => Promise<OAuthTokenResponse> {
  const { file, http } = options;
  const tokenUrl = ionTokenUrl(file);
  const secrets = [file.cs, file.sask, file.saak];

  async function grant(
    form: Record<string, string>,
    kind: 'password' | 'refresh_token',
  ): Promise<OAuthTokenResponse | { refused: string }> {
    options.onTokenCall?.(kind);
    const response = await http.requestWithRetry(
      { method: 'POST', url: tokenUrl, form: { ...form, client_id: file.ci, client_secret: file.cs } },
      { target: 'ion-token', secrets: [...secrets, ...(form.refresh_token ? [form.refresh_token] : [])] },
    );
    const body = (
      typeof response.body === 'object' && response.body !== null ? response.body : {}
    ) as TokenResponseBody;
    if (response.status === 400 || response.status === 401) {
      return { refused: typeof body.error === 'string' ? body.error.slice(0, 100) : `HTTP ${response.status}` };
    }
    if (response.status !== 200 || typeof body.access_token !== 'string' || body.access_token === '') {
      throw new MlcError('MLC_ION_AUTH_FAILED', `ION token endpoint answered HTTP ${response.status} without a token`, {
        details: { status: response.status, grant: kind },
      });
    }
    const expiresIn = Number(body.expires_in);
    return {
      accessToken: body.access_token,
      expiresInSec: Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : 3600,
      ...(typeof body.refresh_token === 'string' && body.refresh_token !== ''
        ? { refreshToken: body.refresh_token }
        : {}),
    };
  }

  return async ({ refreshToken }) => {
    if (refreshToken !== undefined) {
      const refreshed = await grant({ grant_type: 'refresh_token', refresh_token: refreshToken }, 'refresh_token');
      if (!('refused' in refreshed)) return refreshed;
    }
    const token = await grant({ grant_type: 'password', username: file.saak, password: file.sask }, 'password');
    if ('refused' in token) {
      throw new MlcError(
        'MLC_ION_AUTH_FAILED',
        `ION token endpoint refused the service account credentials (${token.refused})`,
        {
          details: { grant: 'password', error: token.refused },
        },
      );
    }
    return token;
  };
}

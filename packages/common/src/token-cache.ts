/**
 * OAuth access-token cache shared by the ION client (password / refresh_token grant) and the Zendesk client
 * (client_credentials / rotating refresh_token grant). Tokens are reused until shortly before they expire; the
 * refresh happens once for all concurrent callers; a 401 invalidates the token once however many callers saw it.
 * The cache knows no grant types: `fetchToken` gets the previous token set and the usable refresh token and
 * decides (refresh_token grant, falling back to the primary grant when the server answers invalid_grant).
 */

/** What a token endpoint answered, in the caller's words. */
export interface OAuthTokenResponse {
  accessToken: string;
  expiresInSec: number;
  /** Omitted when the server did not issue a new one: the previous refresh token is then kept. */
  refreshToken?: string;
  refreshTokenExpiresInSec?: number;
}

export interface CachedToken {
  accessToken: string;
  /** Epoch ms. */
  expiresAt: number;
  obtainedAt: number;
  refreshToken: string | undefined;
  refreshTokenExpiresAt: number | undefined;
}

export type TokenFetchReason = 'initial' | 'expiring' | 'invalidated';

export interface TokenFetchContext {
  reason: TokenFetchReason;
  /** The token set being replaced (also after `invalidate`), undefined on the first fetch. */
  previous: CachedToken | undefined;
  /** The previous refresh token if there is one and it has not expired: try the refresh grant with it. */
  refreshToken: string | undefined;
}

export interface TokenCacheOptions {
  fetchToken: (context: TokenFetchContext) => Promise<OAuthTokenResponse>;
  /** Refresh this long before expiry at most… */
  refreshBeforeSec?: number;
  /** …and at most this share of the token's lifetime before expiry (so a 5 s token is not refreshed on every call). */
  refreshBeforeFraction?: number;
  now?: () => number;
}

export interface TokenCacheStats {
  fetches: number;
  failures: number;
  invalidations: number;
}

const PROACTIVE_RETRY_MS = 5000;

export class TokenCache {
  readonly #fetchToken: TokenCacheOptions['fetchToken'];
  readonly #refreshBeforeMs: number;
  readonly #refreshBeforeFraction: number;
  readonly #now: () => number;
  #current: CachedToken | undefined;
  /** Set by `invalidate`: the current token must not be handed out again. */
  #invalidated = false;
  #inFlight: Promise<CachedToken> | undefined;
  #lastFailureAt = Number.NEGATIVE_INFINITY;
  readonly #stats: TokenCacheStats = { fetches: 0, failures: 0, invalidations: 0 };

  constructor(options: TokenCacheOptions) {
    this.#fetchToken = options.fetchToken;
    this.#refreshBeforeMs = (options.refreshBeforeSec ?? 120) * 1000;
    this.#refreshBeforeFraction = options.refreshBeforeFraction ?? 0.2;
    this.#now = options.now ?? Date.now;
    if (!(this.#refreshBeforeMs >= 0) || !(this.#refreshBeforeFraction >= 0 && this.#refreshBeforeFraction < 1)) {
      throw new RangeError('refreshBeforeSec must be >= 0 and refreshBeforeFraction within [0, 1)');
    }
  }

  async getAccessToken(): Promise<string> {
    return (await this.getToken()).accessToken;
  }

  /**
   * The cached token set, fetched first when missing, invalidated or due for refresh. A proactive refresh that
   * fails while the current token is still valid is not the caller's problem: the current token is returned and
   * the refresh is tried again after `PROACTIVE_RETRY_MS`. Once the token is expired or invalidated, a failed
   * fetch rejects, and the next call fetches again.
   */
  async getToken(): Promise<CachedToken> {
    const current = this.#current;
    if (!current || this.#invalidated) return this.refresh();
    const now = this.#now();
    if (now < this.#refreshAt(current)) return current;
    if (now < current.expiresAt && now - this.#lastFailureAt < PROACTIVE_RETRY_MS) return current;
    try {
      return await this.refresh();
    } catch (error) {
      if (this.#current === current && !this.#invalidated && this.#now() < current.expiresAt) return current;
      throw error;
    }
  }

  /** Starts (or joins) the single in-flight fetch. */
  refresh(): Promise<CachedToken> {
    if (this.#inFlight) return this.#inFlight;
    const previous = this.#current;
    const reason: TokenFetchReason =
      previous === undefined ? 'initial' : this.#invalidated ? 'invalidated' : 'expiring';
    const now = this.#now();
    const refreshToken =
      previous?.refreshToken !== undefined &&
      (previous.refreshTokenExpiresAt === undefined || previous.refreshTokenExpiresAt > now)
        ? previous.refreshToken
        : undefined;
    this.#stats.fetches++;
    const flight = (async () => {
      try {
        const response = await this.#fetchToken({ reason, previous, refreshToken });
        const token = this.#toCached(response, previous);
        this.#current = token;
        this.#invalidated = false;
        return token;
      } catch (error) {
        this.#stats.failures++;
        this.#lastFailureAt = this.#now();
        throw error;
      } finally {
        this.#inFlight = undefined;
      }
    })();
    this.#inFlight = flight;
    return flight;
  }

  /**
   * Marks `accessToken` as rejected (the upstream answered 401). Only the token currently cached is affected,
   * so the many callers that saw the same 401 cause one refresh, and a stale token reported late changes nothing.
   */
  invalidate(accessToken: string): void {
    if (this.#current?.accessToken === accessToken && !this.#invalidated) {
      this.#invalidated = true;
      this.#stats.invalidations++;
    }
  }

  /**
   * Runs `call` with the access token; when `isUnauthorized` says the result is a 401, invalidates that token
   * and runs `call` once more with a fresh one (the ION and Zendesk "refresh once and retry" rule).
   */
  async withAccessToken<T>(
    call: (accessToken: string) => Promise<T>,
    isUnauthorized: (result: T) => boolean,
  ): Promise<T> {
    const token = await this.getAccessToken();
    const result = await call(token);
    if (!isUnauthorized(result)) return result;
    this.invalidate(token);
    return call(await this.getAccessToken());
  }

  /** Forgets everything, refresh token included (e.g. after the credentials were replaced). */
  clear(): void {
    this.#current = undefined;
    this.#invalidated = false;
  }

  /** Non-secret facts for status pages: when the current token expires. */
  describe(): { expiresAt: number | undefined; hasRefreshToken: boolean } {
    return { expiresAt: this.#current?.expiresAt, hasRefreshToken: this.#current?.refreshToken !== undefined };
  }

  stats(): TokenCacheStats {
    return { ...this.#stats };
  }

  #refreshAt(token: CachedToken): number {
    const lifetime = token.expiresAt - token.obtainedAt;
    return token.expiresAt - Math.min(this.#refreshBeforeMs, lifetime * this.#refreshBeforeFraction);
  }

  #toCached(response: OAuthTokenResponse, previous: CachedToken | undefined): CachedToken {
    if (typeof response?.accessToken !== 'string' || response.accessToken === '') {
      throw new TypeError('token response has no access token');
    }
    if (!(Number.isFinite(response.expiresInSec) && response.expiresInSec > 0)) {
      throw new TypeError('token response has no positive expires_in');
    }
    const obtainedAt = this.#now();
    const issuedRefresh = response.refreshToken !== undefined && response.refreshToken !== '';
    return {
      accessToken: response.accessToken,
      obtainedAt,
      expiresAt: obtainedAt + response.expiresInSec * 1000,
      refreshToken: issuedRefresh ? response.refreshToken : previous?.refreshToken,
      refreshTokenExpiresAt: issuedRefresh
        ? response.refreshTokenExpiresInSec === undefined
          ? undefined
          : obtainedAt + response.refreshTokenExpiresInSec * 1000
        : previous?.refreshTokenExpiresAt,
    };
  }
}

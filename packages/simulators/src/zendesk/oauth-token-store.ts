import { randomBytes } from 'node:crypto';

// Access and refresh tokens handed out by POST /oauth/tokens. A refresh rotates the pair: the access
// and refresh token it was issued with stop working at once, as in the real API.
export interface AccessToken {
  value: string;
  subdomain: string;
  clientId: string;
  scopes: string[];
  expiresAt: number;
  refreshToken: string;
  revoked: boolean;
}

interface RefreshToken {
  value: string;
  accessToken: string;
  expiresAt: number;
  revoked: boolean;
}

export class OAuthTokenStore {
  readonly #access = new Map<string, AccessToken>();
  readonly #refresh = new Map<string, RefreshToken>();

  issue(
    subdomain: string,
    clientId: string,
    scopes: string[],
    now: number,
    expiresInSec: number,
    refreshExpiresInSec: number,
  ): { access: AccessToken; refreshExpiresAt: number } {
    const access: AccessToken = {
      value: randomBytes(32).toString('hex'),
      subdomain,
      clientId,
      scopes,
      expiresAt: now + expiresInSec * 1000,
      refreshToken: randomBytes(32).toString('hex'),
      revoked: false,
    };
    const refresh: RefreshToken = {
      value: access.refreshToken,
      accessToken: access.value,
      expiresAt: now + refreshExpiresInSec * 1000,
      revoked: false,
    };
    this.#access.set(access.value, access);
    this.#refresh.set(refresh.value, refresh);
    return { access, refreshExpiresAt: refresh.expiresAt };
  }

  /** A usable access token for this account, or null (unknown, expired, revoked, other account). */
  verify(value: string, subdomain: string, now: number): AccessToken | null {
    const token = this.#access.get(value);
    if (!token || token.revoked || token.subdomain !== subdomain || token.expiresAt <= now) return null;
    return token;
  }

  /** Consumes a refresh token; returns the access token it belonged to, after revoking both. */
  redeemRefresh(value: string, subdomain: string, clientId: string, now: number): AccessToken | null {
    const refresh = this.#refresh.get(value);
    if (!refresh || refresh.revoked || refresh.expiresAt <= now) return null;
    const access = this.#access.get(refresh.accessToken);
    if (!access || access.subdomain !== subdomain || access.clientId !== clientId) return null;
    refresh.revoked = true;
    access.revoked = true;
    return access;
  }

  revoke(value: string): void {
    const token = this.#access.get(value);
    if (!token) return;
    token.revoked = true;
    const refresh = this.#refresh.get(token.refreshToken);
    if (refresh) refresh.revoked = true;
  }

  revokeAll(subdomain: string): number {
    let count = 0;
    for (const token of this.#access.values()) {
      if (token.subdomain === subdomain && !token.revoked) {
        this.revoke(token.value);
        count += 1;
      }
    }
    return count;
  }
}

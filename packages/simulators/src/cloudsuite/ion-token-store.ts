/**
 * Access and refresh tokens the simulated ION authorization server has issued. Tokens are opaque
 * random strings; the store knows each one's tenant, expiry and revocation, and nothing else.
 */
import { randomBytes } from 'node:crypto';

export type TokenCheck =
  | { ok: true; tenantId: string }
  | { ok: false; reason: 'missing' | 'unknown' | 'expired' | 'revoked' };

interface AccessToken {
  tenantId: string;
  expiresAtMs: number;
  revoked: boolean;
}

interface RefreshToken {
  tenantId: string;
  revoked: boolean;
}

export interface IssuedTokens {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token?: string;
}

export class IonTokenStore {
  readonly #access = new Map<string, AccessToken>();
  readonly #refresh = new Map<string, RefreshToken>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  issue(
    tenantId: string,
    expiresInSec: number,
    withRefreshToken: boolean,
    existingRefreshToken?: string,
  ): IssuedTokens {
    this.#prune();
    const access_token = randomBytes(24).toString('base64url');
    this.#access.set(access_token, { tenantId, expiresAtMs: this.#now() + expiresInSec * 1000, revoked: false });
    const issued: IssuedTokens = { access_token, token_type: 'Bearer', expires_in: expiresInSec };
    if (withRefreshToken) {
      const refresh_token = existingRefreshToken ?? randomBytes(32).toString('base64url');
      this.#refresh.set(refresh_token, { tenantId, revoked: false });
      issued.refresh_token = refresh_token;
    }
    return issued;
  }

  checkAccess(token: string | undefined): TokenCheck {
    if (!token) return { ok: false, reason: 'missing' };
    const t = this.#access.get(token);
    if (!t) return { ok: false, reason: 'unknown' };
    if (t.revoked) return { ok: false, reason: 'revoked' };
    if (t.expiresAtMs <= this.#now()) return { ok: false, reason: 'expired' };
    return { ok: true, tenantId: t.tenantId };
  }

  /** The tenant of a live refresh token, or null. */
  refreshTenant(token: string): string | null {
    const t = this.#refresh.get(token);
    return t && !t.revoked ? t.tenantId : null;
  }

  /** RFC 7009: revoking an unknown token is not an error. Revoking a refresh token ends it only. */
  revoke(token: string, tenantId: string): void {
    const a = this.#access.get(token);
    if (a && a.tenantId === tenantId) a.revoked = true;
    const r = this.#refresh.get(token);
    if (r && r.tenantId === tenantId) r.revoked = true;
  }

  revokeAll(tenantId: string): number {
    let n = 0;
    for (const t of this.#access.values()) {
      if (t.tenantId === tenantId && !t.revoked) {
        t.revoked = true;
        n += 1;
      }
    }
    for (const t of this.#refresh.values()) if (t.tenantId === tenantId) t.revoked = true;
    return n;
  }

  /** Forgets access tokens long expired, so a long run keeps bounded memory. */
  #prune(): void {
    if (this.#access.size < 10_000) return;
    const cutoff = this.#now() - 3_600_000;
    for (const [k, t] of this.#access) if (t.expiresAtMs < cutoff) this.#access.delete(k);
  }
}

import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { AdminPrincipal, AdminRole } from './admin-principal.ts';
import { generateAdminToken, hashAdminToken } from './admin-token.ts';

type Queryable = Pick<pg.Pool, 'query'>;

/** A token as listed: never its value or hash. */
export interface AdminTokenInfo {
  id: string;
  name: string;
  role: AdminRole;
  tenantIds: string[];
  createdAt: string;
  revokedAt: string | null;
}

interface TokenRow {
  id: string;
  name: string;
  role: AdminRole;
  tenant_ids: string[];
  created_at: Date;
  revoked_at: Date | null;
}

function toInfo(row: TokenRow): AdminTokenInfo {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    tenantIds: row.tenant_ids,
    createdAt: row.created_at.toISOString(),
    revokedAt: row.revoked_at?.toISOString() ?? null,
  };
}

export async function findPrincipalByToken(db: Queryable, token: string): Promise<AdminPrincipal | undefined> {
  const { rows } = await db.query<TokenRow>(
    'SELECT id, name, role, tenant_ids FROM admin_tokens WHERE token_hash = $1 AND revoked_at IS NULL',
    [hashAdminToken(token)],
  );
  const row = rows[0];
  return row === undefined ? undefined : { tokenId: row.id, name: row.name, role: row.role, tenantIds: row.tenant_ids };
}

/** Creates a token; its value is returned here once and only its hash is stored. */
export async function createAdminToken(
  db: Queryable,
  input: { name: string; role: AdminRole; tenantIds: readonly string[] },
): Promise<AdminTokenInfo & { token: string }> {
  const token = generateAdminToken();
  const { rows } = await db.query<TokenRow>(
    `INSERT INTO admin_tokens (id, name, token_hash, role, tenant_ids) VALUES ($1, $2, $3, $4, $5)
     RETURNING id, name, role, tenant_ids, created_at, revoked_at`,
    [randomUUID(), input.name, hashAdminToken(token), input.role, input.role === 'admin' ? [] : [...input.tenantIds]],
  );
  return { ...toInfo(rows[0] as TokenRow), token };
}

export async function listAdminTokens(db: Queryable): Promise<AdminTokenInfo[]> {
  const { rows } = await db.query<TokenRow>(
    'SELECT id, name, role, tenant_ids, created_at, revoked_at FROM admin_tokens ORDER BY created_at, id',
  );
  return rows.map(toInfo);
}

/** Revokes (never deletes: the audit refers to token ids); false when no active token has the id. */
export async function revokeAdminToken(db: Queryable, id: string): Promise<boolean> {
  const { rowCount } = await db.query(
    'UPDATE admin_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL',
    [id],
  );
  return (rowCount ?? 0) > 0;
}

/**
 * Stores the bootstrap admin token (hashed) when no active admin token exists; a no-op afterwards, so the
 * environment variable can stay set (or be removed) once real tokens exist. Returns whether it was stored.
 */
export async function ensureBootstrapToken(db: Queryable, token: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO admin_tokens (id, name, token_hash, role)
     SELECT $1, 'bootstrap', $2, 'admin'
      WHERE NOT EXISTS (SELECT 1 FROM admin_tokens WHERE role = 'admin' AND revoked_at IS NULL)
     ON CONFLICT (token_hash) DO NOTHING`,
    [randomUUID(), hashAdminToken(token)],
  );
  return (rowCount ?? 0) > 0;
}

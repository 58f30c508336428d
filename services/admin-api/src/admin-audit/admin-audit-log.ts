import { redactSecretFields } from '@mlc/common/redact';
import type pg from 'pg';
import { type AdminPrincipal, actorOf } from '../auth/admin-principal.ts';

type Queryable = Pick<pg.Pool, 'query'>;

export interface AdminAuditEntry {
  action: string;
  target: string | null;
  /** What changed, without secrets: callers pass field names and non-secret values; secret fields are masked anyway. */
  details?: Record<string, unknown>;
}

/** Appends one row to admin_audit (append-only: nothing in the API updates or deletes it). */
export async function recordAdminAction(
  db: Queryable,
  principal: AdminPrincipal,
  entry: AdminAuditEntry,
): Promise<void> {
  await db.query('INSERT INTO admin_audit (actor, action, target, details) VALUES ($1, $2, $3, $4)', [
    actorOf(principal),
    entry.action,
    entry.target,
    JSON.stringify(redactSecretFields(entry.details ?? {}, ['clientSecret', 'apiToken', 'ionapi'])),
  ]);
}

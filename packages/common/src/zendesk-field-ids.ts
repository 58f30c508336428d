import type pg from 'pg';
import type { ZendeskFieldKind } from './zendesk-field-plan.ts';

type Queryable = Pick<pg.Pool, 'query'>;

export interface ZendeskFieldId {
  kind: ZendeskFieldKind;
  /** `storedFieldKey` of the planned item. */
  key: string;
  zendeskId: string;
}

/**
 * The ids Zendesk assigned to a tenant's provisioned fields and objects (`zendesk_fields`): written by the
 * admin API's provisioning, read by the loader (ticket fields are addressed by numeric id only).
 */
export async function saveZendeskFieldIds(
  db: Queryable,
  tenantId: string,
  ids: readonly ZendeskFieldId[],
): Promise<void> {
  if (ids.length === 0) return;
  await db.query(
    `INSERT INTO zendesk_fields (tenant_id, kind, key, zendesk_id)
     SELECT $1, k.kind, k.key, k.zendesk_id FROM unnest($2::text[], $3::text[], $4::text[]) AS k(kind, key, zendesk_id)
     ON CONFLICT (tenant_id, kind, key) DO UPDATE SET zendesk_id = EXCLUDED.zendesk_id`,
    [tenantId, ids.map((id) => id.kind), ids.map((id) => id.key), ids.map((id) => id.zendeskId)],
  );
}

export async function loadZendeskFieldIds(
  db: Queryable,
  tenantId: string,
  kind?: ZendeskFieldKind,
): Promise<ZendeskFieldId[]> {
  const result = await db.query<{ kind: ZendeskFieldKind; key: string; zendesk_id: string }>(
    `SELECT kind, key, zendesk_id FROM zendesk_fields WHERE tenant_id = $1 AND ($2::text IS NULL OR kind = $2)
      ORDER BY kind, key`,
    [tenantId, kind ?? null],
  );
  return result.rows.map((row) => ({ kind: row.kind, key: row.key, zendeskId: row.zendesk_id }));
}

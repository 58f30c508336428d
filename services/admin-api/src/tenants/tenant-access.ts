import { MlcError } from '@mlc/common/errors';
import { getTenant, type TenantRecord } from '@mlc/common/tenant-repository';
import type { FastifyRequest } from 'fastify';
import type pg from 'pg';
import { requireTenantAccess } from '../auth/admin-principal.ts';
import { principalOf } from '../auth/bearer-auth.ts';

/** The tenant a tenant-scoped route acts on: 403 for an operator of other tenants, then 404 if it does not exist. */
export async function accessibleTenant(
  request: FastifyRequest,
  db: Pick<pg.Pool, 'query'>,
  tenantId: string,
): Promise<TenantRecord> {
  requireTenantAccess(principalOf(request), tenantId);
  const tenant = await getTenant(db, tenantId);
  if (tenant === undefined) throw new MlcError('MLC_NOT_FOUND', `No tenant ${tenantId}`, { field: 'id' });
  return tenant;
}

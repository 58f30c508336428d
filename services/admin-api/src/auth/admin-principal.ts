import { MlcError } from '@mlc/common/errors';

export type AdminRole = 'admin' | 'operator';

/** Who is calling: the token's id and name (the audit's actor), its role and, for operators, its tenants. */
export interface AdminPrincipal {
  tokenId: string;
  name: string;
  role: AdminRole;
  tenantIds: readonly string[];
}

export function actorOf(principal: AdminPrincipal): string {
  return `${principal.role}:${principal.name} (${principal.tokenId})`;
}

export function requireAdmin(principal: AdminPrincipal): void {
  if (principal.role !== 'admin') throw new MlcError('MLC_FORBIDDEN', 'This action needs an admin token');
}

export function canAccessTenant(principal: AdminPrincipal, tenantId: string): boolean {
  return principal.role === 'admin' || principal.tenantIds.includes(tenantId);
}

/** Operators act on their listed tenants only; another tenant is 403 whether it exists or not. */
export function requireTenantAccess(principal: AdminPrincipal, tenantId: string): void {
  if (!canAccessTenant(principal, tenantId)) {
    throw new MlcError('MLC_FORBIDDEN', `This token may not act on tenant ${tenantId}`, { field: 'tenantId' });
  }
}

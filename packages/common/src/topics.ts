import type { EntityName } from './entities.ts';

export const AUDIT_TOPIC = 'mlc.audit.v1';
export const AUDIT_HISTORY_TOPIC = 'mlc.audit-history.v1';
export const DLQ_TOPIC = 'mlc.dlq.v1';
export const CONTROL_TOPIC = 'mlc.control.v1';

export function changeTopic(entity: EntityName): string {
  return `cloudsuite.${entity}.v1`;
}

/** Kafka key of a change event; all of a tenant's events share a partition via `partitionForTenant`. */
export function changeEventKey(tenantId: string, entity: EntityName, naturalKey: string): string {
  return `${tenantId}|${entity}|${naturalKey}`;
}

export function auditKey(tenantId: string, entity: EntityName, naturalKey: string, zendeskTarget: string): string {
  return `${tenantId}|${entity}|${naturalKey}|${zendeskTarget}`;
}

import type { EntityName } from '@mlc/common/entities';

/**
 * Zendesk external ids are the connector's only link between an ERP record and its Zendesk object, so they
 * must be stable across runs, replays and mapping changes, and readable by an agent or operator who finds
 * one in Zendesk: `mlc:<tenant>:<entity>:<natural key>`.
 */
export function externalIdFor(tenantId: string, entity: EntityName, naturalKey: string): string {
  return `mlc:${tenantId}:${entity}:${naturalKey}`;
}

/** A supplier contact has no ERP key of its own; its email (or, failing that, its name) is the stable part. */
export function contactExternalIdFor(
  tenantId: string,
  supplierNumber: string,
  contact: { name: string; email: string | null },
): string {
  const contactKey = (contact.email ?? contact.name).trim().toLowerCase();
  return `${externalIdFor(tenantId, 'supplier', supplierNumber)}:contact:${contactKey}`;
}

/** The value a Zendesk lookup field accepts to reference an object by external id. */
export function lookupByExternalId(externalId: string): string {
  return `external_id:${externalId}`;
}

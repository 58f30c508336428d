import type { ChangeOp, EntityName } from '@mlc/common/entities';
import type { ZendeskObjectType } from './default-mapping.ts';

/**
 * One Zendesk object a change event maps to: what a target upserts. `target` groups records into one bulk
 * request (a tenant's records of one target share a request); `zendeskTarget` is the audit key's last part.
 */
export interface TargetRecord {
  tenantId: string;
  entity: EntityName;
  naturalKey: string;
  target: string;
  zendeskTarget: string;
  objectType: ZendeskObjectType;
  customObjectKey?: string;
  externalId: string;
  op: ChangeOp;
  /** The Zendesk object as it is sent (without id); for deletes, the fields that mark it inactive. */
  body: Record<string, unknown>;
  /** Delete the object instead of marking it inactive. */
  hardDelete: boolean;
  /**
   * The Zendesk id the last applied posting recorded: targets without an upsert by external_id
   * (organizations) update by it instead of looking the record up first.
   */
  knownZendeskId?: string;
  /** For supplier contacts: the organization (by external id) whose Zendesk id goes into organization_id. */
  organizationExternalId?: string;
  /**
   * Supplier number whose organization a lookup field references (invoices, purchase orders): Zendesk
   * refuses a lookup to an organization that does not exist yet, so the write waits for it.
   */
  linkedSupplier?: string;
}

export function targetName(objectType: ZendeskObjectType, customObjectKey: string | undefined): string {
  return objectType === 'custom_object_record' ? `custom_object_record:${customObjectKey}` : objectType;
}

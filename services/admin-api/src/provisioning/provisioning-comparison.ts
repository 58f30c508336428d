import { type PlannedZendeskField, storedFieldKey } from '@mlc/common/zendesk-field-plan';
import type { ZendeskFieldDefinition } from './zendesk-provisioning-client.ts';

/** What Zendesk holds for a plan, as listed: definitions per owner, `null` for a custom object that is missing. */
export interface ExistingZendeskDefinitions {
  ticketFields: ZendeskFieldDefinition[];
  userFields: ZendeskFieldDefinition[];
  organizationFields: ZendeskFieldDefinition[];
  customObjects: Map<string, { id: string; fields: ZendeskFieldDefinition[] }>;
  /** Ticket field ids remembered from an earlier provisioning (`zendesk_fields`), by stored key. */
  knownTicketFieldIds: ReadonlyMap<string, string>;
}

export type ProvisioningDecision =
  | { action: 'create'; item: PlannedZendeskField }
  | { action: 'existing'; item: PlannedZendeskField; zendeskId: string }
  | { action: 'conflict'; item: PlannedZendeskField; zendeskId: string; existingType: string; reason: string };

/** Types that hold the planned type's values as well: a textarea holds any text. */
const COMPATIBLE: Record<string, readonly string[]> = { text: ['text', 'textarea'] };

function compatibility(item: PlannedZendeskField, found: ZendeskFieldDefinition): string | null {
  const wanted = item.type ?? '';
  if (!(COMPATIBLE[wanted] ?? [wanted]).includes(found.type)) {
    return `is a ${found.type} field; the mapping needs ${wanted}`;
  }
  if (wanted === 'lookup' && found.relationship_target_type !== item.relationshipTargetType) {
    return `looks up ${found.relationship_target_type ?? 'nothing'}; the mapping needs ${item.relationshipTargetType}`;
  }
  return null;
}

function findField(
  item: PlannedZendeskField,
  existing: ExistingZendeskDefinitions,
): ZendeskFieldDefinition | undefined {
  switch (item.kind) {
    case 'ticket_field': {
      // No keys on ticket fields: the id we stored, else a field with the same title (maybe the agents' own).
      const knownId = existing.knownTicketFieldIds.get(storedFieldKey(item));
      const byId = existing.ticketFields.find((field) => String(field.id) === knownId);
      return (
        byId ?? existing.ticketFields.find((field) => field.title.trim().toLowerCase() === item.title.toLowerCase())
      );
    }
    case 'user_field':
      return existing.userFields.find((field) => field.key === item.key);
    case 'organization_field':
      return existing.organizationFields.find((field) => field.key === item.key);
    default:
      return existing.customObjects.get(item.customObjectKey ?? '')?.fields.find((field) => field.key === item.key);
  }
}

/** Decides, per planned item, whether it exists (compatibly), conflicts, or is to be created. */
export function compareWithZendesk(
  plan: readonly PlannedZendeskField[],
  existing: ExistingZendeskDefinitions,
): ProvisioningDecision[] {
  return plan.map((item): ProvisioningDecision => {
    if (item.kind === 'custom_object') {
      const object = existing.customObjects.get(item.key);
      return object ? { action: 'existing', item, zendeskId: object.id } : { action: 'create', item };
    }
    const found = findField(item, existing);
    if (found === undefined) return { action: 'create', item };
    const problem = compatibility(item, found);
    return problem === null
      ? { action: 'existing', item, zendeskId: String(found.id) }
      : { action: 'conflict', item, zendeskId: String(found.id), existingType: found.type, reason: problem };
  });
}

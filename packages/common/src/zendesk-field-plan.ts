import type { EntityName } from './entities.ts';
import type { LoaderMapping } from './zendesk-mapping.ts';

/**
 * What a tenant's Zendesk must hold for its mapping to be written: organization, user and ticket fields,
 * custom objects and their fields. Derived from the mapping (admin API provisioning creates it, the loader
 * reads the ids Zendesk assigned from the `zendesk_fields` table).
 */
export type ZendeskFieldKind =
  | 'ticket_field'
  | 'user_field'
  | 'organization_field'
  | 'custom_object'
  | 'custom_object_field';

export type ZendeskFieldType = 'text' | 'textarea' | 'checkbox' | 'date' | 'decimal' | 'integer' | 'lookup';

export interface PlannedZendeskField {
  kind: ZendeskFieldKind;
  /**
   * Field key (user, organization, custom object fields), custom object key, or, for ticket fields (which
   * Zendesk addresses by numeric id and which have no key), our own name for the field.
   */
  key: string;
  title: string;
  /** Undefined for custom objects. */
  type?: ZendeskFieldType;
  /** The custom object a custom_object_field belongs to. */
  customObjectKey?: string;
  /** Lookup fields: `zen:organization`, `zen:user`, `zen:ticket` or `zen:custom_object:<key>`. */
  relationshipTargetType?: string;
}

/** The enrichment entities: a ticket names one of their records by a reference field. */
export type TicketReferenceEntity = Extract<EntityName, 'invoice' | 'purchase-order'>;

export interface TicketFieldDeclaration {
  key: string;
  title: string;
  type: Extract<ZendeskFieldType, 'text' | 'date' | 'decimal'>;
  /** Payload field the value is taken from. */
  source: string;
}

export interface TicketEnrichmentDeclaration {
  entity: TicketReferenceEntity;
  /** The ticket field agents (or forms) fill with the invoice or PO number. */
  reference: TicketFieldDeclaration;
  /** The fields filled from the referenced record's latest state. */
  fields: readonly TicketFieldDeclaration[];
}

/** DESIGN.md §4: tickets whose invoice-number or PO-number field is set get the invoice/PO fields filled. */
export const TICKET_ENRICHMENT: readonly TicketEnrichmentDeclaration[] = [
  {
    entity: 'invoice',
    reference: { key: 'mlc_invoice_number', title: 'Invoice number', type: 'text', source: 'invoiceNumber' },
    fields: [
      { key: 'mlc_invoice_date', title: 'Invoice date', type: 'date', source: 'invoiceDate' },
      { key: 'mlc_invoice_amount', title: 'Invoice amount', type: 'decimal', source: 'amount' },
      { key: 'mlc_invoice_open_amount', title: 'Invoice open amount', type: 'decimal', source: 'openAmount' },
      { key: 'mlc_invoice_currency', title: 'Invoice currency', type: 'text', source: 'currency' },
      { key: 'mlc_invoice_due_date', title: 'Invoice due date', type: 'date', source: 'dueDate' },
      { key: 'mlc_invoice_payment_status', title: 'Invoice payment status', type: 'text', source: 'paymentStatus' },
    ],
  },
  {
    entity: 'purchase-order',
    reference: { key: 'mlc_po_number', title: 'PO number', type: 'text', source: 'poNumber' },
    fields: [
      { key: 'mlc_po_status', title: 'PO status', type: 'text', source: 'status' },
      { key: 'mlc_po_order_date', title: 'PO order date', type: 'date', source: 'orderDate' },
      { key: 'mlc_po_delivery_date', title: 'PO delivery date', type: 'date', source: 'deliveryDate' },
      { key: 'mlc_po_total_amount', title: 'PO total amount', type: 'decimal', source: 'totalAmount' },
      { key: 'mlc_po_currency', title: 'PO currency', type: 'text', source: 'currency' },
    ],
  },
];

/** `zendesk_fields.key` of a planned item: custom object fields are namespaced by their object. */
export function storedFieldKey(field: Pick<PlannedZendeskField, 'kind' | 'key' | 'customObjectKey'>): string {
  return field.kind === 'custom_object_field' ? `${field.customObjectKey}.${field.key}` : field.key;
}

function titleOf(key: string): string {
  const words = key.replace(/^mlc_/, '').replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Keyed fields (user/organization/custom object) by key, so a key named twice is planned once. */
function keyedFields(
  kind: ZendeskFieldKind,
  entries: Iterable<[string, ZendeskFieldType, Partial<PlannedZendeskField>?]>,
): PlannedZendeskField[] {
  const fields = new Map<string, PlannedZendeskField>();
  for (const [key, type, extra] of entries) {
    if (!fields.has(key)) fields.set(key, { kind, key, title: titleOf(key), type, ...extra });
  }
  return [...fields.values()];
}

/**
 * The plan in creation order: organization and user fields, ticket fields, then each custom object
 * before its fields (a lookup to another custom object needs that object first).
 */
export function zendeskFieldPlan(mapping: LoaderMapping): PlannedZendeskField[] {
  const entityMappings = Object.values(mapping.entities);
  const owned = (objectType: 'organization' | 'user') => {
    const entries: [string, ZendeskFieldType][] = [];
    for (const entity of entityMappings.filter((candidate) => candidate.objectType === objectType)) {
      for (const key of Object.keys(entity.fields)) entries.push([key, 'text']);
      entries.push([entity.activeField, 'checkbox']);
    }
    // Supplier contacts are users of the supplier's organization.
    if (objectType === 'user' && mapping.supplierContacts.enabled) {
      for (const key of Object.keys(mapping.supplierContacts.fields)) entries.push([key, 'text']);
    }
    return entries;
  };
  const plan: PlannedZendeskField[] = [
    ...keyedFields('organization_field', owned('organization')),
    ...keyedFields('user_field', owned('user')),
  ];
  for (const declaration of TICKET_ENRICHMENT) {
    for (const field of [declaration.reference, ...declaration.fields]) {
      plan.push({ kind: 'ticket_field', key: field.key, title: field.title, type: field.type });
    }
  }
  const objects = new Set<string>();
  for (const entity of entityMappings) {
    if (entity.objectType !== 'custom_object_record' || entity.customObjectKey === undefined) continue;
    const objectKey = entity.customObjectKey;
    if (!objects.has(objectKey)) {
      objects.add(objectKey);
      plan.push({ kind: 'custom_object', key: objectKey, title: titleOf(objectKey) });
    }
    const entries: [string, ZendeskFieldType, Partial<PlannedZendeskField>?][] = Object.keys(entity.fields).map(
      (key) => [key, 'text', { customObjectKey: objectKey }],
    );
    entries.push([entity.activeField, 'checkbox', { customObjectKey: objectKey }]);
    if (entity.organizationLookupField !== undefined) {
      entries.push([
        entity.organizationLookupField,
        'lookup',
        { customObjectKey: objectKey, relationshipTargetType: 'zen:organization' },
      ]);
    }
    for (const field of keyedFields('custom_object_field', entries)) {
      const duplicate = plan.some(
        (other) => other.kind === 'custom_object_field' && storedFieldKey(other) === storedFieldKey(field),
      );
      if (!duplicate) plan.push(field);
    }
  }
  return plan;
}

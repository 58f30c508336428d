import type { ChangeEvent, EntityName, SupplierPayload } from '@mlc/common/entities';
import type { EntityMapping, LoaderMapping } from './default-mapping.ts';
import { contactExternalIdFor, externalIdFor, lookupByExternalId } from './external-id.ts';
import { type TargetRecord, targetName } from './target-record.ts';

export const CONTACT_TARGET = 'user:supplier-contact';

type Fields = Record<string, unknown>;

/** Zendesk fields hold scalars: ERP strings pass through unchanged, structures (PO lines) as JSON text. */
function zendeskValue(value: unknown): unknown {
  if (value === undefined) return null;
  if (value === null || typeof value !== 'object') return value;
  return JSON.stringify(value);
}

function pick(payload: Fields, fieldMap: Record<string, string>): Fields {
  const out: Fields = {};
  for (const [zendeskKey, source] of Object.entries(fieldMap)) out[zendeskKey] = zendeskValue(payload[source]);
  return out;
}

function supplierNumberOf(entity: EntityName, payload: Fields): string | undefined {
  if (entity === 'invoice' || entity === 'purchase-order') {
    const value = payload.supplierNumber;
    return typeof value === 'string' && value !== '' ? value : undefined;
  }
  return undefined;
}

function zendeskName(payload: Fields, mapping: EntityMapping, naturalKey: string): string {
  const name = String(payload[mapping.nameFrom] ?? naturalKey);
  const qualifier = mapping.nameQualifierFrom === undefined ? undefined : payload[mapping.nameQualifierFrom];
  return qualifier === undefined || qualifier === null || qualifier === '' ? name : `${name} (${String(qualifier)})`;
}

function mapBody(event: ChangeEvent, mapping: EntityMapping, externalId: string): Fields {
  const payload = (event.payload ?? {}) as unknown as Fields;
  const fields = pick(payload, mapping.fields);
  const supplierNumber = supplierNumberOf(event.entity, payload);
  if (mapping.organizationLookupField !== undefined && supplierNumber !== undefined) {
    fields[mapping.organizationLookupField] = lookupByExternalId(
      externalIdFor(event.tenantId, 'supplier', supplierNumber),
    );
  }
  const name = zendeskName(payload, mapping, event.naturalKey);
  switch (mapping.objectType) {
    case 'organization':
      return { name, external_id: externalId, ...pick(payload, mapping.standard), organization_fields: fields };
    case 'user':
      return { name, external_id: externalId, ...pick(payload, mapping.standard), user_fields: fields };
    case 'custom_object_record':
      return { name, external_id: externalId, custom_object_fields: fields };
  }
}

function inactiveBody(mapping: EntityMapping, externalId: string): Fields {
  const marker = { [mapping.activeField]: false };
  switch (mapping.objectType) {
    case 'organization':
      return { external_id: externalId, organization_fields: marker };
    case 'user':
      return { external_id: externalId, user_fields: marker };
    case 'custom_object_record':
      return { external_id: externalId, custom_object_fields: marker };
  }
}

function contactRecords(event: ChangeEvent<'supplier'>, mapping: LoaderMapping): TargetRecord[] {
  const payload = event.payload as SupplierPayload;
  const organizationExternalId = externalIdFor(event.tenantId, 'supplier', event.naturalKey);
  const seen = new Set<string>();
  const records: TargetRecord[] = [];
  for (const contact of payload.contacts ?? []) {
    const externalId = contactExternalIdFor(event.tenantId, event.naturalKey, contact);
    if (seen.has(externalId)) continue;
    seen.add(externalId);
    records.push({
      tenantId: event.tenantId,
      entity: 'supplier',
      naturalKey: event.naturalKey,
      target: 'user',
      zendeskTarget: `${CONTACT_TARGET}:${externalId.slice(organizationExternalId.length + ':contact:'.length)}`,
      objectType: 'user',
      externalId,
      op: 'upsert',
      body: {
        name: contact.name,
        email: contact.email,
        phone: contact.phone,
        external_id: externalId,
        user_fields: pick(payload as unknown as Fields, mapping.supplierContacts.fields),
      },
      hardDelete: false,
      organizationExternalId,
    });
  }
  return records;
}

/**
 * The Zendesk objects one change event becomes under a tenant's mapping: one per entity, plus one user per
 * supplier contact. Pure, so that mapping is testable and per-record work stays mapping + hashing.
 */
export function mapChangeEvent(event: ChangeEvent, mapping: LoaderMapping): TargetRecord[] {
  const entityMapping = mapping.entities[event.entity];
  const externalId = externalIdFor(event.tenantId, event.entity, event.naturalKey);
  const target = targetName(entityMapping.objectType, entityMapping.customObjectKey);
  const isDelete = event.op === 'delete' || event.payload === null;
  const primary: TargetRecord = {
    tenantId: event.tenantId,
    entity: event.entity,
    naturalKey: event.naturalKey,
    target,
    zendeskTarget: target,
    objectType: entityMapping.objectType,
    externalId,
    op: isDelete ? 'delete' : 'upsert',
    body: isDelete ? inactiveBody(entityMapping, externalId) : mapBody(event, entityMapping, externalId),
    hardDelete: isDelete && entityMapping.onDelete === 'delete',
  };
  if (entityMapping.customObjectKey !== undefined) primary.customObjectKey = entityMapping.customObjectKey;
  const linkedSupplier = isDelete
    ? undefined
    : supplierNumberOf(event.entity, (event.payload ?? {}) as unknown as Fields);
  if (entityMapping.organizationLookupField !== undefined && linkedSupplier !== undefined) {
    primary.linkedSupplier = linkedSupplier;
  }
  if (event.entity !== 'supplier' || isDelete || !mapping.supplierContacts.enabled) return [primary];
  return [primary, ...contactRecords(event as ChangeEvent<'supplier'>, mapping)];
}

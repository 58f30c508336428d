import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChangeEvent, EntityName, EntityPayloads } from '@mlc/common/entities';
import { DEFAULT_MAPPING } from './default-mapping.ts';
import { mapChangeEvent } from './record-mapper.ts';
import { resolveTenantMapping } from './tenant-mapping.ts';

function event<E extends EntityName>(entity: E, naturalKey: string, payload: EntityPayloads[E] | null): ChangeEvent<E> {
  return {
    eventId: 'e1',
    tenantId: 'acme',
    entity,
    naturalKey,
    op: payload === null ? 'delete' : 'upsert',
    sourceModifiedAt: null,
    extractedAt: '2026-01-01T00:00:00Z',
    runId: 'r1',
    contentHash: 'h1',
    payload,
  } as ChangeEvent<E>;
}

const supplier: EntityPayloads['supplier'] = {
  supplierNumber: 'S1',
  name: 'Nordic Parts',
  status: '20',
  currency: 'EUR',
  paymentTerms: '30D',
  country: 'SE',
  division: 'AAA',
  email: 'ap@nordic.example',
  phone: null,
  taxId: 'SE123',
  contacts: [
    { name: 'Ann', email: 'Ann@nordic.example', phone: null },
    { name: 'Ann again', email: 'ann@nordic.example', phone: null },
    { name: 'Bo', email: null, phone: '+46' },
  ],
};

test('a supplier becomes an organization with organization_fields and one user per distinct contact', () => {
  const records = mapChangeEvent(event('supplier', 'S1', supplier), DEFAULT_MAPPING);
  const [organization, ...contacts] = records;
  assert.equal(organization?.target, 'organization');
  assert.equal(organization?.externalId, 'mlc:acme:supplier:S1');
  assert.equal(organization?.body.name, 'Nordic Parts (S1)', 'names are unique in Zendesk, so the number qualifies it');
  assert.deepEqual(
    (organization?.body.organization_fields as Record<string, unknown> | undefined)?.mlc_payment_terms,
    '30D',
  );
  assert.equal(contacts.length, 2);
  assert.ok(contacts.every((contact) => contact.target === 'user'));
  assert.ok(contacts.every((contact) => contact.organizationExternalId === 'mlc:acme:supplier:S1'));
  assert.equal(new Set(contacts.map((contact) => contact.zendeskTarget)).size, 2);
});

test('an invoice becomes an mlc_invoice record that looks up its supplier organization by external id', () => {
  const [record] = mapChangeEvent(
    event('invoice', 'S1:INV9:2026', {
      invoiceNumber: 'INV9',
      supplierNumber: 'S1',
      division: null,
      invoiceYear: '2026',
      invoiceDate: '2026-01-02',
      dueDate: '2026-02-01',
      currency: 'EUR',
      amount: '100.50',
      openAmount: '0',
      paymentStatus: 'paid',
      lastPaymentDate: '2026-01-20',
      poNumber: null,
    }),
    DEFAULT_MAPPING,
  );
  assert.equal(record?.target, 'custom_object_record:mlc_invoice');
  assert.equal(record?.externalId, 'mlc:acme:invoice:S1:INV9:2026');
  const fields = record?.body.custom_object_fields as Record<string, unknown>;
  assert.equal(fields.organization, 'external_id:mlc:acme:supplier:S1');
  assert.equal(fields.amount, '100.50');
  assert.equal(fields.payment_status, 'paid');
});

test('purchase order lines travel as JSON text in one field', () => {
  const [record] = mapChangeEvent(
    event('purchase-order', 'PO1', {
      poNumber: 'PO1',
      supplierNumber: 'S1',
      division: null,
      orderDate: null,
      deliveryDate: null,
      status: '20',
      currency: 'EUR',
      totalAmount: '10',
      lines: [
        {
          lineNumber: '1',
          itemNumber: 'X',
          description: null,
          quantity: '1',
          receivedQuantity: '0',
          unitPrice: '10',
          amount: '10',
        },
      ],
    }),
    DEFAULT_MAPPING,
  );
  const fields = record?.body.custom_object_fields as Record<string, unknown>;
  assert.equal(typeof fields.lines, 'string');
  assert.equal(JSON.parse(fields.lines as string)[0].itemNumber, 'X');
});

test('a delete marks the object inactive by default and only a delete policy hard-deletes', () => {
  const [inactive] = mapChangeEvent(event('gl-account', '4000', null), DEFAULT_MAPPING);
  assert.equal(inactive?.op, 'delete');
  assert.equal(inactive?.hardDelete, false);
  assert.deepEqual(inactive?.body.custom_object_fields, { active: false });
  const mapping = resolveTenantMapping('acme', { entities: { 'gl-account': { onDelete: 'delete' } } });
  assert.equal(mapChangeEvent(event('gl-account', '4000', null), mapping)[0]?.hardDelete, true);
});

test('a tenant override renames, adds and removes fields on top of the defaults', () => {
  const mapping = resolveTenantMapping('acme', {
    entities: { customer: { fields: { crm_no: 'customerNumber', mlc_division: null }, customObjectKey: 'unused' } },
    supplierContacts: { enabled: false },
  });
  assert.equal(mapping.entities.customer.fields.crm_no, 'customerNumber');
  assert.equal(mapping.entities.customer.fields.mlc_division, undefined);
  assert.equal(mapping.entities.customer.fields.mlc_payment_terms, 'paymentTerms');
  assert.equal(mapChangeEvent(event('supplier', 'S1', supplier), mapping).length, 1);
});

test('an invalid tenant override is a validation error naming the path', () => {
  assert.throws(
    () => resolveTenantMapping('acme', { entities: { invoice: { fields: { 'bad key': 'x' } } } }),
    (error: Error & { code?: string; field?: string }) =>
      error.code === 'MLC_VALIDATION' && error.field?.startsWith('mapping.entities.invoice.fields') === true,
  );
});

test('two suppliers with the same ERP name get distinct organization names', () => {
  const [first] = mapChangeEvent(event('supplier', 'S1', supplier), DEFAULT_MAPPING);
  const [second] = mapChangeEvent(event('supplier', 'S2', { ...supplier, supplierNumber: 'S2' }), DEFAULT_MAPPING);
  assert.notEqual(first?.body.name, second?.body.name);
});

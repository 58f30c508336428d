import { contentHash } from '../content-hash.ts';
import { type ChangeEvent, type EntityName, type EntityPayloads, NATURAL_KEY } from '../entities.ts';

/**
 * One fully populated payload per entity (every optional field set, nested arrays non-empty), typed against
 * entities.ts: a field added there without a schema change makes the schema round-trip tests fail.
 */
export const SAMPLE_PAYLOADS: { [E in EntityName]: EntityPayloads[E] } = {
  supplier: {
    supplierNumber: 'S1000',
    name: 'Müller Lieferungen GmbH',
    status: '20',
    currency: 'EUR',
    paymentTerms: '30D',
    country: 'DE',
    division: 'AAA',
    email: 'ap@mueller.example',
    phone: '+49 40 1234',
    taxId: 'DE123456789',
    contacts: [
      { name: 'Anna Schmidt', email: 'anna@mueller.example', phone: null },
      { name: 'Jörg Weber', email: null, phone: '+49 40 5678' },
    ],
  },
  customer: {
    customerNumber: 'C2000',
    name: 'Globex Retail',
    status: '20',
    currency: 'USD',
    paymentTerms: 'N60',
    country: 'US',
    division: 'AAA',
    email: 'billing@globex.example',
    phone: null,
  },
  invoice: {
    invoiceNumber: 'INV-4711',
    supplierNumber: 'S1000',
    division: 'AAA',
    invoiceYear: '2025',
    invoiceDate: '2025-03-01',
    dueDate: '2025-03-31',
    currency: 'EUR',
    amount: '1234.50',
    openAmount: '234.50',
    paymentStatus: 'partially_paid',
    lastPaymentDate: '2025-03-20',
    poNumber: '4711',
  },
  'purchase-order': {
    poNumber: '4711',
    supplierNumber: 'S1000',
    division: 'AAA',
    orderDate: '2025-02-10',
    deliveryDate: '2025-02-24',
    status: '35',
    currency: 'EUR',
    totalAmount: '1000.00',
    lines: [
      {
        lineNumber: '10',
        itemNumber: 'BOLT-M8',
        description: 'Bolt M8',
        quantity: '100',
        receivedQuantity: '60',
        unitPrice: '2.50',
        amount: '250.00',
      },
      {
        lineNumber: '20',
        itemNumber: null,
        description: null,
        quantity: '3',
        receivedQuantity: '0',
        unitPrice: '250.00',
        amount: '750.00',
      },
    ],
  },
  'gl-account': { accountNumber: '4000', description: 'Revenue', accountType: '1', division: 'AAA', status: '20' },
};

export function sampleChangeEvent<E extends EntityName>(
  entity: E,
  tenantId = 'acme',
  op: 'upsert' | 'delete' = 'upsert',
): ChangeEvent<E> {
  const payload = SAMPLE_PAYLOADS[entity];
  return {
    eventId: '6f1c1d52-5d3c-4c7a-9a53-0b5a3c2b1e01',
    tenantId,
    entity,
    naturalKey: NATURAL_KEY[entity](payload),
    op,
    sourceModifiedAt: op === 'delete' ? null : '2025-03-20T08:15:00.000Z',
    extractedAt: '2025-03-20T09:00:00.000Z',
    runId: '0b9e3f6a-2a54-4b8f-8d52-1f3c5a7e9d10',
    contentHash: contentHash(payload),
    payload: op === 'delete' ? null : payload,
  };
}

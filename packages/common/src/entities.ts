/**
 * The five entities the connector moves. Each is a declaration: its name, the topic its change events
 * live on, and how its natural key is built from a normalized payload. ERP sources live in the extractor,
 * Zendesk targets in the loader; both key off these names.
 */
export const ENTITY_NAMES = ['supplier', 'customer', 'invoice', 'purchase-order', 'gl-account'] as const;
export type EntityName = (typeof ENTITY_NAMES)[number];

export function isEntityName(value: unknown): value is EntityName {
  return typeof value === 'string' && (ENTITY_NAMES as readonly string[]).includes(value);
}

export interface SupplierContact {
  name: string;
  email: string | null;
  phone: string | null;
}

export interface SupplierPayload {
  supplierNumber: string;
  name: string;
  status: string | null;
  currency: string | null;
  paymentTerms: string | null;
  country: string | null;
  division: string | null;
  email: string | null;
  phone: string | null;
  taxId: string | null;
  contacts: SupplierContact[];
}

export interface CustomerPayload {
  customerNumber: string;
  name: string;
  status: string | null;
  currency: string | null;
  paymentTerms: string | null;
  country: string | null;
  division: string | null;
  email: string | null;
  phone: string | null;
}

/** Amounts are decimal strings so that no ERP value is rounded on its way through. */
export interface InvoicePayload {
  invoiceNumber: string;
  supplierNumber: string;
  division: string | null;
  invoiceYear: string | null;
  invoiceDate: string | null;
  dueDate: string | null;
  currency: string | null;
  amount: string;
  openAmount: string;
  paymentStatus: 'open' | 'partially_paid' | 'paid';
  lastPaymentDate: string | null;
  poNumber: string | null;
}

export interface PurchaseOrderLine {
  lineNumber: string;
  itemNumber: string | null;
  description: string | null;
  quantity: string;
  receivedQuantity: string;
  unitPrice: string;
  amount: string;
}

export interface PurchaseOrderPayload {
  poNumber: string;
  supplierNumber: string;
  division: string | null;
  orderDate: string | null;
  deliveryDate: string | null;
  status: string | null;
  currency: string | null;
  totalAmount: string;
  lines: PurchaseOrderLine[];
}

export interface GlAccountPayload {
  accountNumber: string;
  description: string | null;
  accountType: string | null;
  division: string | null;
  status: string | null;
}

export interface EntityPayloads {
  supplier: SupplierPayload;
  customer: CustomerPayload;
  invoice: InvoicePayload;
  'purchase-order': PurchaseOrderPayload;
  'gl-account': GlAccountPayload;
}

/** An M3 invoice number is unique only per supplier and year, hence the composite key. */
export const NATURAL_KEY: { [E in EntityName]: (payload: EntityPayloads[E]) => string } = {
  supplier: (p) => p.supplierNumber,
  customer: (p) => p.customerNumber,
  invoice: (p) => [p.supplierNumber, p.invoiceNumber, p.invoiceYear ?? ''].join(':'),
  'purchase-order': (p) => p.poNumber,
  'gl-account': (p) => p.accountNumber,
};

export type ChangeOp = 'upsert' | 'delete';

/** The envelope of every change event (DESIGN.md §2). `payload` is null for deletes. */
export interface ChangeEvent<E extends EntityName = EntityName> {
  eventId: string;
  tenantId: string;
  entity: E;
  naturalKey: string;
  op: ChangeOp;
  sourceModifiedAt: string | null;
  extractedAt: string;
  runId: string;
  contentHash: string;
  payload: EntityPayloads[E] | null;
}

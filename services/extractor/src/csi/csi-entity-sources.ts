import type {
  CustomerPayload,
  EntityName,
  EntityPayloads,
  GlAccountPayload,
  InvoicePayload,
  PurchaseOrderLine,
  PurchaseOrderPayload,
  SupplierPayload,
} from '@mlc/common/entities';
import { miDecimal, miRequiredText, miText, RecordRejection, sumDecimals } from '../m3/m3-values.ts';
import { withPurchaseOrderLines } from '../purchase-order-lines.ts';
import type { IdoItem } from './csi-ido-client.ts';
import { csiDate } from './csi-record-date.ts';

/**
 * Each CSI entity is a declaration like the M3 ones: the IDO, the properties to load, the key, the delta
 * property (`RecordDate`) and how an IDO row becomes the entity payload (the same payloads as M3).
 */
export interface CsiEntitySource<E extends EntityName = EntityName> {
  entity: E;
  ido: string;
  properties: readonly string[];
  keyProperty: string;
  deltaProperty: string;
  /** Overrides the extractor's poll overlap for this entity. */
  overlapMs?: number;
  normalize: (item: IdoItem) => EntityPayloads[E];
  /** Line rows from a second IDO, loaded for a page of heads by key range and merged into the payload. */
  lines?: {
    ido: string;
    properties: readonly string[];
    /** The head's key property in the line IDO. */
    headKey: string;
    merge: (payload: EntityPayloads[E], lines: IdoItem[]) => EntityPayloads[E];
  };
}

/** CSI status codes are single letters; A/I and O/F/C are kept as the ERP writes them. */
function supplier(r: IdoItem): SupplierPayload {
  const contact = miText(r.Contact, 'Contact');
  return {
    supplierNumber: miRequiredText(r.VendNum, 'VendNum'),
    name: miRequiredText(r.Name, 'Name'),
    status: miText(r.Stat, 'Stat'),
    currency: miText(r.CurrCode, 'CurrCode'),
    paymentTerms: miText(r.TermsCode, 'TermsCode'),
    country: miText(r.VadCountry, 'VadCountry'),
    division: null,
    email: miText(r.ExternalEmailAddr, 'ExternalEmailAddr'),
    phone: miText(r.Phone, 'Phone'),
    taxId: miText(r.TaxRegNum1, 'TaxRegNum1'),
    contacts: contact === null ? [] : [{ name: contact, email: null, phone: null }],
  };
}

function customer(r: IdoItem): CustomerPayload {
  return {
    customerNumber: miRequiredText(r.CustNum, 'CustNum'),
    name: miRequiredText(r.Name, 'Name'),
    status: miText(r.Stat, 'Stat'),
    currency: miText(r.CurrCode, 'CurrCode'),
    paymentTerms: miText(r.TermsCode, 'TermsCode'),
    country: miText(r.Country, 'Country'),
    division: null,
    email: miText(r.ExternalEmailAddr, 'ExternalEmailAddr'),
    phone: miText(r.Phone, 'Phone'),
  };
}

/** An AP voucher of type V (voucher); a pay date means it was settled. */
function invoice(r: IdoItem): InvoicePayload {
  const amount = miDecimal(r.InvAmt, 'InvAmt');
  const paid = csiDate(r.PayDate, 'PayDate');
  return {
    invoiceNumber: miRequiredText(r.InvNum, 'InvNum'),
    supplierNumber: miRequiredText(r.VendNum, 'VendNum'),
    division: null,
    invoiceYear: null,
    invoiceDate: csiDate(r.InvDate, 'InvDate'),
    dueDate: csiDate(r.DueDate, 'DueDate'),
    currency: miText(r.CurrCode, 'CurrCode'),
    amount,
    openAmount: paid === null ? amount : '0',
    paymentStatus: paid === null ? 'open' : 'paid',
    lastPaymentDate: paid,
    poNumber: miText(r.PoNum, 'PoNum'),
  };
}

function purchaseOrderHead(r: IdoItem): PurchaseOrderPayload {
  return {
    poNumber: miRequiredText(r.PoNum, 'PoNum'),
    supplierNumber: miRequiredText(r.VendNum, 'VendNum'),
    division: miText(r.Whse, 'Whse'),
    orderDate: csiDate(r.OrderDate, 'OrderDate'),
    deliveryDate: null,
    status: miText(r.Stat, 'Stat'),
    currency: miText(r.CurrCode, 'CurrCode'),
    totalAmount: miDecimal(r.TotalAmount, 'TotalAmount'),
    lines: [],
  };
}

/** Multiplies two canonical decimal strings exactly (line amount = quantity × unit cost). */
function multiplyDecimals(a: string, b: string): string {
  const scaleOf = (v: string) => v.split('.')[1]?.length ?? 0;
  const digits = (v: string) => BigInt(v.replace('-', '').replace('.', ''));
  const negative = a.startsWith('-') !== b.startsWith('-');
  const scale = scaleOf(a) + scaleOf(b);
  const product = (digits(a) * digits(b)).toString().padStart(scale + 1, '0');
  const integer = product.slice(0, product.length - scale);
  const fraction = product.slice(product.length - scale);
  return sumDecimals([
    `${negative && /[1-9]/.test(product) ? '-' : ''}${integer}${fraction === '' ? '' : `.${fraction}`}`,
  ]);
}

function purchaseOrderLine(r: IdoItem): PurchaseOrderLine {
  const quantity = miDecimal(r.QtyOrdered, 'QtyOrdered');
  const unitPrice = miDecimal(r.ItemCost, 'ItemCost');
  return {
    lineNumber: miRequiredText(r.PoLine, 'PoLine'),
    itemNumber: miText(r.Item, 'Item'),
    description: miText(r.Description, 'Description'),
    quantity,
    receivedQuantity: miDecimal(r.QtyReceived, 'QtyReceived'),
    unitPrice,
    amount: multiplyDecimals(quantity, unitPrice),
  };
}

function glAccount(r: IdoItem): GlAccountPayload {
  return {
    accountNumber: miRequiredText(r.Acct, 'Acct'),
    description: miText(r.Description, 'Description'),
    accountType: miText(r.Type, 'Type'),
    division: miText(r.AccessUnit1, 'AccessUnit1'),
    status: miText(r.Status, 'Status'),
  };
}

export const CSI_ENTITY_SOURCES: { [E in EntityName]: CsiEntitySource<E> } = {
  supplier: {
    entity: 'supplier',
    ido: 'SLVendors',
    properties: [
      'VendNum',
      'Name',
      'Contact',
      'Phone',
      'ExternalEmailAddr',
      'CurrCode',
      'TermsCode',
      'VadCountry',
      'TaxRegNum1',
      'Stat',
      'RecordDate',
    ],
    keyProperty: 'VendNum',
    deltaProperty: 'RecordDate',
    normalize: supplier,
  },
  customer: {
    entity: 'customer',
    ido: 'SLCustomers',
    properties: [
      'CustNum',
      'Name',
      'Phone',
      'ExternalEmailAddr',
      'CurrCode',
      'TermsCode',
      'Country',
      'Stat',
      'RecordDate',
    ],
    keyProperty: 'CustNum',
    deltaProperty: 'RecordDate',
    normalize: customer,
  },
  invoice: {
    entity: 'invoice',
    ido: 'SLAptrxps',
    properties: [
      'Voucher',
      'VendNum',
      'InvNum',
      'InvDate',
      'DueDate',
      'InvAmt',
      'PoNum',
      'Type',
      'CurrCode',
      'PayDate',
      'RecordDate',
    ],
    keyProperty: 'Voucher',
    deltaProperty: 'RecordDate',
    normalize: (item) => {
      if (item.Type !== undefined && item.Type.trim() !== 'V') {
        throw new RecordRejection('Type', `AP transaction type ${item.Type.trim()} is not a voucher`);
      }
      return invoice(item);
    },
  },
  'purchase-order': {
    entity: 'purchase-order',
    ido: 'SLPos',
    properties: ['PoNum', 'VendNum', 'OrderDate', 'Stat', 'CurrCode', 'TotalAmount', 'Whse', 'RecordDate'],
    keyProperty: 'PoNum',
    deltaProperty: 'RecordDate',
    normalize: purchaseOrderHead,
    lines: {
      ido: 'SLPoitems',
      properties: ['PoNum', 'PoLine', 'Item', 'Description', 'QtyOrdered', 'QtyReceived', 'ItemCost', 'RecordDate'],
      headKey: 'PoNum',
      merge: (head, lines) => withPurchaseOrderLines(head, lines.map(purchaseOrderLine)),
    },
  },
  'gl-account': {
    entity: 'gl-account',
    ido: 'SLChartAccts',
    properties: ['Acct', 'Description', 'Type', 'AccessUnit1', 'Status', 'RecordDate'],
    keyProperty: 'Acct',
    deltaProperty: 'RecordDate',
    normalize: glAccount,
  },
};

/**
 * The CloudSuite Industrial (SyteLine) IDO collections the simulator serves, over the same
 * distributor dataset as M3, with Mongoose property names. Values are strings; date-times render as
 * `yyyyMMdd HH:mm:ss.SSS`, as the IDO REST API returns them. Property names are the common SyteLine
 * ones (VendNum, Name, Phone, ExternalEmailAddr, CustNum, PoNum, PoLine, Item, QtyOrdered, …);
 * where no public source confirmed one (e.g. TotalAmount on SLPos) it is kept consistent and noted.
 */
import { hashInts } from '../shared/seeded-random.ts';
import type { DistributorDataset } from './distributor-dataset.ts';
import type { DatasetEntity } from './distributor-records.ts';
import { formatCsiDateTime } from './m3-timestamp.ts';

export type IdoRow = Record<string, string>;

export interface IdoCollection {
  name: string;
  /** The table behind it, as `_ItemId` names it. */
  table: string;
  entity: DatasetEntity;
  keyProperties: string[];
  properties: string[];
  dateProperties: Set<string>;
  /** Rows of one dataset record (PO lines give several per PO). */
  rows(dataset: DistributorDataset, index: number): IdoRow[];
}

const csiDate = (ymd8: string) => (/^\d{8}$/.test(ymd8) ? `${ymd8} 00:00:00.000` : '');

const STATUS_BY_M3: Record<string, string> = { '35': 'O', '50': 'O', '75': 'F' };

function itemId(table: string, changedMs: number, seed: number, key: string): string {
  let h = 0;
  for (let i = 0; i < key.length; i += 1) h = hashInts(h, key.charCodeAt(i));
  const hex = (n: number) => n.toString(16).padStart(8, '0');
  const a = hex(hashInts(seed, h, 1));
  const b = hex(hashInts(seed, h, 2));
  const c = hex(hashInts(seed, h, 3));
  const d = hex(hashInts(seed, h, 4));
  const uuid = `${a}-${b.slice(0, 4)}-${b.slice(4)}-${c.slice(0, 4)}-${c.slice(4)}${d}`;
  return `PBT=[${table}] ${table}.DT=[${formatCsiDateTime(changedMs).replace(/^(\d{4})(\d{2})(\d{2})/, '$1-$2-$3')}] ${table}.ID=[${uuid}]`;
}

export const IDO_COLLECTIONS: Record<string, IdoCollection> = {
  SLVendors: {
    name: 'SLVendors',
    table: 'vendor',
    entity: 'supplier',
    keyProperties: ['VendNum'],
    properties: [
      'VendNum',
      'Name',
      'Contact',
      'Phone',
      'ExternalEmailAddr',
      'CurrCode',
      'TermsCode',
      'VadCity',
      'VadCountry',
      'TaxRegNum1',
      'Stat',
      'CreateDate',
      'RecordDate',
      'UpdatedBy',
      '_ItemId',
    ],
    dateProperties: new Set(['CreateDate', 'RecordDate']),
    rows: (d, i) => {
      const s = d.record('supplier', i);
      return [
        {
          VendNum: s.key,
          Name: s.name,
          Contact: s.contacts[0]?.name ?? '',
          Phone: s.phone,
          ExternalEmailAddr: s.email,
          CurrCode: s.currency,
          TermsCode: s.paymentTerms,
          VadCity: s.town,
          VadCountry: s.country,
          TaxRegNum1: s.taxId,
          Stat: s.status === '20' ? 'A' : 'I',
          CreateDate: csiDate(s.registered),
          RecordDate: formatCsiDateTime(s.changedMs),
          UpdatedBy: s.changedBy,
          _ItemId: itemId('vendor', s.changedMs, d.seed, s.key),
        },
      ];
    },
  },
  SLCustomers: {
    name: 'SLCustomers',
    table: 'customer',
    entity: 'customer',
    keyProperties: ['CustNum'],
    properties: [
      'CustNum',
      'CustSeq',
      'Name',
      'Phone',
      'ExternalEmailAddr',
      'CurrCode',
      'TermsCode',
      'CustType',
      'City',
      'Country',
      'Stat',
      'CreateDate',
      'RecordDate',
      'UpdatedBy',
      '_ItemId',
    ],
    dateProperties: new Set(['CreateDate', 'RecordDate']),
    rows: (d, i) => {
      const c = d.record('customer', i);
      return [
        {
          CustNum: c.key,
          CustSeq: '0',
          Name: c.name,
          Phone: c.phone,
          ExternalEmailAddr: c.email,
          CurrCode: c.currency,
          TermsCode: c.paymentTerms,
          CustType: c.customerType,
          City: c.town,
          Country: c.country,
          Stat: c.status === '20' ? 'A' : 'I',
          CreateDate: csiDate(c.registered),
          RecordDate: formatCsiDateTime(c.changedMs),
          UpdatedBy: c.changedBy,
          _ItemId: itemId('customer', c.changedMs, d.seed, c.key),
        },
      ];
    },
  },
  SLPos: {
    name: 'SLPos',
    table: 'po',
    entity: 'purchase-order',
    keyProperties: ['PoNum'],
    properties: [
      'PoNum',
      'VendNum',
      'OrderDate',
      'Stat',
      'CurrCode',
      'Buyer',
      'TotalAmount',
      'Whse',
      'CreateDate',
      'RecordDate',
      'UpdatedBy',
      '_ItemId',
    ],
    dateProperties: new Set(['OrderDate', 'CreateDate', 'RecordDate']),
    rows: (d, i) => {
      const p = d.record('purchase-order', i);
      return [
        {
          PoNum: p.key,
          VendNum: p.supplierKey,
          OrderDate: csiDate(p.orderDate),
          Stat: STATUS_BY_M3[p.lowestStatus] ?? 'O',
          CurrCode: p.currency,
          Buyer: p.buyer,
          TotalAmount: p.totalAmount,
          Whse: p.division,
          CreateDate: csiDate(p.registered),
          RecordDate: formatCsiDateTime(p.changedMs),
          UpdatedBy: p.changedBy,
          _ItemId: itemId('po', p.changedMs, d.seed, p.key),
        },
      ];
    },
  },
  SLPoitems: {
    name: 'SLPoitems',
    table: 'poitem',
    entity: 'purchase-order',
    keyProperties: ['PoNum', 'PoLine'],
    properties: [
      'PoNum',
      'PoLine',
      'PoRelease',
      'Item',
      'Description',
      'QtyOrdered',
      'QtyReceived',
      'ItemCost',
      'UM',
      'DueDate',
      'Stat',
      'RecordDate',
      '_ItemId',
    ],
    dateProperties: new Set(['DueDate', 'RecordDate']),
    rows: (d, i) => {
      const p = d.record('purchase-order', i);
      return p.lines.map((l) => ({
        PoNum: p.key,
        PoLine: l.lineNumber,
        PoRelease: '0',
        Item: l.itemNumber,
        Description: l.description,
        QtyOrdered: l.quantity,
        QtyReceived: l.receivedQuantity,
        ItemCost: l.unitPrice,
        UM: l.unit,
        DueDate: csiDate(l.deliveryDate),
        Stat: STATUS_BY_M3[l.lowestStatus] ?? 'O',
        RecordDate: formatCsiDateTime(p.changedMs),
        _ItemId: itemId('poitem', p.changedMs, d.seed, `${p.key}/${l.lineNumber}`),
      }));
    },
  },
  SLAptrxps: {
    name: 'SLAptrxps',
    table: 'aptrxp',
    entity: 'invoice',
    keyProperties: ['Voucher'],
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
      '_ItemId',
    ],
    dateProperties: new Set(['InvDate', 'DueDate', 'PayDate', 'RecordDate']),
    rows: (d, i) => {
      const v = d.record('invoice', i);
      return [
        {
          Voucher: v.voucherNumber,
          VendNum: v.supplierKey,
          InvNum: v.key,
          InvDate: csiDate(v.invoiceDate),
          DueDate: csiDate(v.dueDate),
          InvAmt: v.amount,
          PoNum: v.poNumber,
          Type: 'V',
          CurrCode: v.currency,
          PayDate: csiDate(v.paymentDate),
          RecordDate: formatCsiDateTime(v.changedMs),
          _ItemId: itemId('aptrxp', v.changedMs, d.seed, v.key),
        },
      ];
    },
  },
  SLChartAccts: {
    name: 'SLChartAccts',
    table: 'chart',
    entity: 'gl-account',
    keyProperties: ['Acct'],
    properties: ['Acct', 'Description', 'Type', 'AccessUnit1', 'Status', 'RecordDate', '_ItemId'],
    dateProperties: new Set(['RecordDate']),
    rows: (d, i) => {
      const a = d.record('gl-account', i);
      const typeByClass: Record<string, string> = {
        '1': 'A',
        '2': 'L',
        '3': 'O',
        '4': 'R',
        '5': 'E',
        '6': 'E',
        '7': 'E',
      };
      return [
        {
          Acct: a.key,
          Description: a.description,
          Type: typeByClass[a.accountType] ?? 'E',
          AccessUnit1: a.division,
          Status: a.status === '20' ? 'A' : 'I',
          RecordDate: formatCsiDateTime(a.changedMs),
          _ItemId: itemId('chart', a.changedMs, d.seed, a.key),
        },
      ];
    },
  },
};

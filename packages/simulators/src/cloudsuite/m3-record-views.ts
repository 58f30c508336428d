/**
 * The distributor's records as M3 shows them: MI transaction output records (field names without
 * table prefix) and database rows for EXPORTMI (columns with the table's two-letter prefix). Every
 * value is a string, as M3 returns it. Field names follow M3 where known (SUNO, SUNM, STAT, CUCD,
 * TEPY, CSCD, PHNO, VRNO, PUNO, PUDT, DWDT, PUSL, PUST, PNLI, ITNO, ORQA, RVQA, PUPR, LNAM, AITM,
 * TX40, EPSPYN, EPSINO, EPCUAM, EPLMTS …); EMAL, YREF, ACTY, TOAM and EPPUNO are the simulator's
 * choices where no public source confirmed the name, kept consistent across transactions.
 */
import {
  COMPANY,
  type CustomerRecord,
  type GlAccountRecord,
  type InvoiceRecord,
  type PurchaseOrderLineRecord,
  type PurchaseOrderRecord,
  type SupplierRecord,
} from './distributor-records.ts';
import { formatLmts } from './m3-timestamp.ts';

export type MiRecord = Record<string, string>;

export function supplierMi(s: SupplierRecord): MiRecord {
  return {
    CONO: COMPANY,
    DIVI: s.division,
    SUNO: s.key,
    SUNM: s.name,
    SUTY: '0',
    STAT: s.status,
    SUCL: '100',
    ALSU: s.name.slice(0, 10).toUpperCase(),
    CSCD: s.country,
    LNCD: 'GB',
    CUCD: s.currency,
    TEPY: s.paymentTerms,
    PYME: s.paymentMethod,
    PHNO: s.phone,
    TFNO: '',
    EMAL: s.email,
    YREF: s.contacts[0]?.name ?? '',
    VRNO: s.taxId,
    ADR1: s.address,
    TOWN: s.town,
    PONO: s.postalCode,
    RGDT: s.registered,
    LMDT: s.changed,
    CHID: s.changedBy,
    LMTS: formatLmts(s.changedMs),
  };
}

export function customerMi(c: CustomerRecord): MiRecord {
  return {
    CONO: COMPANY,
    DIVI: c.division,
    CUNO: c.key,
    CUNM: c.name,
    CUTP: c.customerType,
    STAT: c.status,
    CSCD: c.country,
    LNCD: 'GB',
    CUCD: c.currency,
    TEPY: c.paymentTerms,
    PHNO: c.phone,
    EMAL: c.email,
    TOWN: c.town,
    RGDT: c.registered,
    LMDT: c.changed,
    CHID: c.changedBy,
    LMTS: formatLmts(c.changedMs),
  };
}

export function purchaseOrderHeadMi(p: PurchaseOrderRecord): MiRecord {
  return {
    CONO: COMPANY,
    DIVI: p.division,
    PUNO: p.key,
    SUNO: p.supplierKey,
    PUDT: p.orderDate,
    DWDT: p.deliveryDate,
    PUSL: p.lowestStatus,
    PUST: p.highestStatus,
    CUCD: p.currency,
    BUYE: p.buyer,
    TOAM: p.totalAmount,
    RGDT: p.registered,
    LMDT: p.changed,
    CHID: p.changedBy,
    LMTS: formatLmts(p.changedMs),
  };
}

export function purchaseOrderLineMi(p: PurchaseOrderRecord, l: PurchaseOrderLineRecord): MiRecord {
  return {
    CONO: COMPANY,
    DIVI: p.division,
    PUNO: p.key,
    PNLI: l.lineNumber,
    PNLS: '0',
    ITNO: l.itemNumber,
    PITD: l.description,
    ORQA: l.quantity,
    RVQA: l.receivedQuantity,
    PUUN: l.unit,
    PUPR: l.unitPrice,
    LNAM: l.amount,
    DWDT: l.deliveryDate,
    PUSL: l.lowestStatus,
    PUST: l.lowestStatus,
    LMDT: p.changed,
  };
}

export function glAccountMi(a: GlAccountRecord): MiRecord {
  return {
    CONO: COMPANY,
    DIVI: a.division,
    AITP: '1',
    AITM: a.key,
    TX40: a.description,
    TX15: a.shortDescription,
    ACTY: a.accountType,
    STAT: a.status,
    RGDT: a.registered,
    LMDT: a.changed,
    CHID: a.changedBy,
    LMTS: formatLmts(a.changedMs),
  };
}

/** FPLEDG (AP ledger) row of a posted supplier invoice (transaction code 40). */
export function invoiceFpledgRow(i: InvoiceRecord): MiRecord {
  return {
    EPCONO: COMPANY,
    EPDIVI: i.division,
    EPYEA4: i.year,
    EPJRNO: i.voucherNumber,
    EPJSNO: '1',
    EPVSER: i.voucherSeries,
    EPVONO: i.voucherNumber,
    EPSPYN: i.payeeKey,
    EPSUNO: i.supplierKey,
    EPSINO: i.key,
    EPIVDT: i.invoiceDate,
    EPDUDT: i.dueDate,
    EPACDT: i.invoiceDate,
    EPCUCD: i.currency,
    EPCUAM: i.amount,
    EPTRCD: '40',
    // Reconciliation code: 0 open, 9 settled by a payment.
    EPRECO: i.paid ? '9' : '0',
    EPREDE: i.paymentDate,
    EPPUNO: i.poNumber,
    EPRGDT: i.registered,
    EPLMDT: i.changed,
    EPCHID: i.changedBy,
    EPLMTS: formatLmts(i.changedMs),
  };
}

export function supplierCidmasRow(s: SupplierRecord): MiRecord {
  const mi = supplierMi(s);
  return prefixed('ID', mi, [
    'CONO',
    'SUNO',
    'SUNM',
    'SUTY',
    'STAT',
    'CSCD',
    'LNCD',
    'CUCD',
    'TEPY',
    'PHNO',
    'VRNO',
    'ALSU',
    'RGDT',
    'LMDT',
    'CHID',
    'LMTS',
  ]);
}

export function purchaseOrderMpheadRow(p: PurchaseOrderRecord): MiRecord {
  const mi = purchaseOrderHeadMi(p);
  return prefixed('IA', mi, [
    'CONO',
    'DIVI',
    'PUNO',
    'SUNO',
    'PUDT',
    'DWDT',
    'PUSL',
    'PUST',
    'CUCD',
    'BUYE',
    'RGDT',
    'LMDT',
    'CHID',
    'LMTS',
  ]);
}

/** MPLINE (purchase order line) row; a line carries its PO's change stamp (lines change with their PO). */
export function purchaseOrderLineMplineRow(p: PurchaseOrderRecord, l: PurchaseOrderLineRecord): MiRecord {
  return {
    IBCONO: COMPANY,
    IBDIVI: p.division,
    IBPUNO: p.key,
    IBPNLI: l.lineNumber,
    IBPNLS: '0',
    IBSUNO: p.supplierKey,
    IBITNO: l.itemNumber,
    IBPITD: l.description,
    IBPITT: l.description,
    IBORQA: l.quantity,
    IBRVQA: l.receivedQuantity,
    IBPUUN: l.unit,
    IBPUPR: l.unitPrice,
    IBLNAM: l.amount,
    IBDWDT: l.deliveryDate,
    IBPUSL: l.lowestStatus,
    IBPUST: l.lowestStatus,
    IBRGDT: p.registered,
    IBLMDT: p.changed,
    IBCHID: p.changedBy,
    IBLMTS: formatLmts(p.changedMs),
  };
}

export function glAccountFchaccRow(a: GlAccountRecord): MiRecord {
  const mi = glAccountMi(a);
  return prefixed('EA', mi, ['CONO', 'DIVI', 'AITP', 'AITM', 'TX40', 'TX15', 'RGDT', 'LMDT', 'CHID', 'LMTS']);
}

function prefixed(prefix: string, record: MiRecord, fields: string[]): MiRecord {
  const row: MiRecord = {};
  for (const f of fields) row[prefix + f] = record[f] ?? '';
  return row;
}

/** Fixed field lengths, used when a caller asks for `righttrim=false` (M3 pads alpha fields). */
export const M3_FIELD_LENGTH: Record<string, number> = {
  SUNO: 10,
  SUNM: 36,
  CUNO: 10,
  CUNM: 36,
  PUNO: 10,
  ALSU: 10,
  TOWN: 20,
  ADR1: 36,
  PHNO: 16,
  EMAL: 40,
  YREF: 30,
  VRNO: 16,
  TX40: 40,
  TX15: 15,
  ITNO: 15,
  PITD: 30,
  BUYE: 10,
  CHID: 10,
  TEPY: 3,
  PYME: 3,
  CUCD: 3,
  CSCD: 3,
  DIVI: 3,
  STAT: 2,
};

/** Fields holding dates, rendered per the `dateformat` parameter. */
export const M3_DATE_FIELDS = new Set(['RGDT', 'LMDT', 'PUDT', 'DWDT', 'IVDT', 'DUDT']);

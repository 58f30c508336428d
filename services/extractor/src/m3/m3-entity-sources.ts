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
import { withPurchaseOrderLines } from '../purchase-order-lines.ts';
import { miDate, miDecimal, miRequiredText, miText } from './m3-values.ts';
import type { MiRecord } from './mi-response.ts';

/**
 * Each M3 entity is a declaration: where its deltas come from, its key, its delta field and how an MI
 * record becomes the entity payload. Adding an entity is one declaration here plus its schema.
 */
interface M3SourceBase<E extends EntityName> {
  entity: E;
  /** Overrides the extractor's poll overlap for this entity (re-reads are deduplicated by content hash). */
  overlapMs?: number;
  /** Field holding the record's change date (yyyyMMdd) for sourceModifiedAt. */
  modifiedDateField?: string;
  normalize: (record: MiRecord) => EntityPayloads[E];
  /**
   * Where SES120MI/LstDeleted reports deletions of this entity: the table (`FILE`) and the output field
   * holding the natural key. Entities whose natural key is not one table key field (invoices: a posted
   * ledger entry is reversed, not deleted) have none.
   */
  deletion?: { file: string; keyField: string };
  /**
   * Lines of a record (PO lines), merged into the payload. Read from `table` by key range for a page of
   * records (one EXPORTMI call per page of lines); `program/transaction` is the one-call-per-record
   * fallback for tenants whose EXPORTMI may not read the table.
   */
  lines?: {
    program: string;
    transaction: string;
    inputs: (record: MiRecord) => Record<string, string>;
    table: LineTable;
    merge: (payload: EntityPayloads[E], lines: MiRecord[]) => EntityPayloads[E];
  };
}

/**
 * A line table in head-key then line-key order. Rows reach `merge` without the prefix, so table and MI
 * lines share one normalizer.
 */
export interface LineTable {
  table: string;
  columnPrefix: string;
  /** Columns without the prefix. */
  columns: readonly string[];
  /** The head's key field (in the head record and the line table, without prefix). */
  headKey: string;
  /** The line's key within its head, in order (e.g. line number, line suffix). */
  lineKey: readonly string[];
}

/**
 * A list transaction in key order. With `deltaInput` M3 filters by change stamp (records changed strictly
 * after it); without it the whole (small) list is read and filtered here. With `startKeyInput` the list
 * pages by key cursor; without it one call of `maxrecs` records is the whole list.
 */
export interface MiListSource<E extends EntityName> extends M3SourceBase<E> {
  kind: 'mi-list';
  program: string;
  transaction: string;
  deltaInput?: string;
  deltaOutput: string;
  keyField: string;
  startKeyInput?: string;
  /** maxrecs of a list that cannot page (a bounded master list such as the chart of accounts). */
  maxrecs?: number;
  fixedInputs: Record<string, string>;
}

/**
 * An EXPORTMI/Select over one table: rows come as one REPL string split by SEPC, ordered by the key
 * column, filtered by change stamp, paged by key cursor (`key > last`) and maxrecs. Column names carry
 * the table prefix; rows are handed to `normalize` without it, so MI and table sources share normalizers.
 */
export interface ExportMiSource<E extends EntityName> extends M3SourceBase<E> {
  kind: 'exportmi';
  table: string;
  columnPrefix: string;
  /** Columns without the prefix. */
  columns: readonly string[];
  deltaColumn: string;
  keyColumn: string;
  /** Extra fixed conditions, columns without prefix (e.g. only invoice transactions). */
  conditions?: readonly string[];
}

export type M3EntitySource<E extends EntityName = EntityName> = MiListSource<E> | ExportMiSource<E>;

function supplier(r: MiRecord): SupplierPayload {
  return {
    supplierNumber: miRequiredText(r.SUNO, 'SUNO'),
    name: miRequiredText(r.SUNM, 'SUNM'),
    status: miText(r.STAT, 'STAT'),
    currency: miText(r.CUCD, 'CUCD'),
    paymentTerms: miText(r.TEPY, 'TEPY'),
    country: miText(r.CSCD, 'CSCD'),
    division: miText(r.DIVI, 'DIVI'),
    email: miText(r.EMAL, 'EMAL'),
    phone: miText(r.PHNO, 'PHNO'),
    taxId: miText(r.VRNO, 'VRNO'),
    // MI carries the supplier's main contact as "our reference" (YREF); the company email and phone are its own.
    contacts:
      miText(r.YREF, 'YREF') === null ? [] : [{ name: miRequiredText(r.YREF, 'YREF'), email: null, phone: null }],
  };
}

function customer(r: MiRecord): CustomerPayload {
  return {
    customerNumber: miRequiredText(r.CUNO, 'CUNO'),
    name: miRequiredText(r.CUNM, 'CUNM'),
    status: miText(r.STAT, 'STAT'),
    currency: miText(r.CUCD, 'CUCD'),
    paymentTerms: miText(r.TEPY, 'TEPY'),
    country: miText(r.CSCD, 'CSCD'),
    division: miText(r.DIVI, 'DIVI'),
    email: miText(r.EMAL, 'EMAL'),
    phone: miText(r.PHNO, 'PHNO'),
  };
}

function purchaseOrderHead(r: MiRecord): PurchaseOrderPayload {
  return {
    poNumber: miRequiredText(r.PUNO, 'PUNO'),
    supplierNumber: miRequiredText(r.SUNO, 'SUNO'),
    division: miText(r.DIVI, 'DIVI'),
    orderDate: miDate(r.PUDT, 'PUDT'),
    deliveryDate: miDate(r.DWDT, 'DWDT'),
    status: miText(r.PUSL, 'PUSL'),
    currency: miText(r.CUCD, 'CUCD'),
    totalAmount: miDecimal(r.TOAM, 'TOAM'),
    lines: [],
  };
}

function purchaseOrderLine(r: MiRecord): PurchaseOrderLine {
  return {
    lineNumber: miRequiredText(r.PNLI, 'PNLI'),
    itemNumber: miText(r.ITNO, 'ITNO'),
    description: miText(r.PITD, 'PITD'),
    quantity: miDecimal(r.ORQA, 'ORQA'),
    receivedQuantity: miDecimal(r.RVQA, 'RVQA'),
    unitPrice: miDecimal(r.PUPR, 'PUPR'),
    amount: miDecimal(r.LNAM, 'LNAM'),
  };
}

function glAccount(r: MiRecord): GlAccountPayload {
  return {
    accountNumber: miRequiredText(r.AITM, 'AITM'),
    description: miText(r.TX40, 'TX40'),
    accountType: miText(r.ACTY, 'ACTY'),
    division: miText(r.DIVI, 'DIVI'),
    status: miText(r.STAT, 'STAT'),
  };
}

/** A posted supplier invoice (FPLEDG row, transaction code 40); RECO 9 means settled by a payment. */
function invoice(r: MiRecord): InvoicePayload {
  const amount = miDecimal(r.CUAM, 'EPCUAM');
  const settled = r.RECO?.trim() === '9';
  return {
    invoiceNumber: miRequiredText(r.SINO, 'EPSINO'),
    supplierNumber: miRequiredText(r.SUNO, 'EPSUNO'),
    division: miText(r.DIVI, 'EPDIVI'),
    invoiceYear: miText(r.YEA4, 'EPYEA4'),
    invoiceDate: miDate(r.IVDT, 'EPIVDT'),
    dueDate: miDate(r.DUDT, 'EPDUDT'),
    currency: miText(r.CUCD, 'EPCUCD'),
    amount,
    openAmount: settled ? '0' : amount,
    paymentStatus: settled ? 'paid' : 'open',
    lastPaymentDate: settled ? miDate(r.REDE, 'EPREDE') : null,
    poNumber: miText(r.PUNO, 'EPPUNO'),
  };
}

export const M3_ENTITY_SOURCES: { [E in EntityName]: M3EntitySource<E> } = {
  supplier: {
    kind: 'mi-list',
    entity: 'supplier',
    program: 'CRS620MI',
    transaction: 'LstSuppliers',
    deltaInput: 'LMTS',
    deltaOutput: 'LMTS',
    keyField: 'SUNO',
    startKeyInput: 'FRSU',
    fixedInputs: {},
    modifiedDateField: 'LMDT',
    normalize: supplier,
    deletion: { file: 'CIDMAS', keyField: 'PK01' },
  },
  customer: {
    kind: 'mi-list',
    entity: 'customer',
    program: 'CRS610MI',
    transaction: 'LstByNumber',
    deltaInput: 'LMTS',
    deltaOutput: 'LMTS',
    keyField: 'CUNO',
    startKeyInput: 'CUNO',
    fixedInputs: {},
    modifiedDateField: 'LMDT',
    normalize: customer,
    deletion: { file: 'OCUSMA', keyField: 'PK01' },
  },
  // PPSSPPMI/LstSupHead filters by LMTS but has no start key, so a large delta cannot be paged through
  // it: PO heads come from their table (MPHEAD) by key cursor, lines from MPLINE for the page's key
  // range (PPS200MI/LstLine per PO only where configured: it costs one call per changed PO).
  'purchase-order': {
    kind: 'exportmi',
    entity: 'purchase-order',
    table: 'MPHEAD',
    columnPrefix: 'IA',
    columns: ['DIVI', 'PUNO', 'SUNO', 'PUDT', 'DWDT', 'PUSL', 'PUST', 'CUCD', 'LMDT', 'LMTS'],
    deltaColumn: 'LMTS',
    keyColumn: 'PUNO',
    modifiedDateField: 'LMDT',
    normalize: purchaseOrderHead,
    deletion: { file: 'MPHEAD', keyField: 'PK01' },
    lines: {
      program: 'PPS200MI',
      transaction: 'LstLine',
      inputs: (head) => ({ PUNO: head.PUNO ?? '' }),
      table: {
        table: 'MPLINE',
        columnPrefix: 'IB',
        columns: ['PUNO', 'PNLI', 'PNLS', 'ITNO', 'PITD', 'ORQA', 'RVQA', 'PUPR', 'LNAM', 'LMTS'],
        headKey: 'PUNO',
        lineKey: ['PNLI', 'PNLS'],
      },
      merge: (head, lines) => withPurchaseOrderLines(head, lines.map(purchaseOrderLine)),
    },
  },
  // The chart of accounts is a bounded master list without change-stamp input or start key.
  'gl-account': {
    kind: 'mi-list',
    entity: 'gl-account',
    program: 'CRS630MI',
    transaction: 'LstAccountID',
    deltaOutput: 'LMTS',
    keyField: 'AITM',
    maxrecs: 10_000,
    fixedInputs: { AITP: '1' },
    modifiedDateField: 'LMDT',
    normalize: glAccount,
    deletion: { file: 'FCHACC', keyField: 'PK01' },
  },
  // Posted AP invoices have no list-by-date transaction: the supplier ledger table, invoice rows only.
  invoice: {
    kind: 'exportmi',
    entity: 'invoice',
    table: 'FPLEDG',
    columnPrefix: 'EP',
    columns: ['DIVI', 'YEA4', 'SUNO', 'SINO', 'IVDT', 'DUDT', 'CUCD', 'CUAM', 'RECO', 'REDE', 'PUNO', 'LMDT', 'LMTS'],
    deltaColumn: 'LMTS',
    keyColumn: 'SINO',
    conditions: ['TRCD = 40'],
    modifiedDateField: 'LMDT',
    normalize: invoice,
  },
};

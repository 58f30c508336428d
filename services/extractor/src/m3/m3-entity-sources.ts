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
import type { MiRecord } from './mi-response.ts';
import { miDate, miDecimal, miRequiredText, miText, sumDecimals } from './m3-values.ts';

/**
 * Each M3 entity is a declaration: where its deltas come from, its key, its delta field and how an MI
 * record becomes the entity payload. Adding an entity is one declaration here plus its schema.
 */
interface M3SourceBase<E extends EntityName> {
  entity: E;
  /** Overrides the extractor's poll overlap for this entity (re-reads are deduplicated by content hash). */
  overlapMs?: number;
  /** Field holding the record's change date (yyyyMMdd) for sourceModifiedAt, if the source returns one. */
  modifiedDateField?: string;
}

/** A list transaction with a change-timestamp input (LMTS) and a start key for key-cursor paging. */
export interface MiListSource<E extends EntityName> extends M3SourceBase<E> {
  kind: 'mi-list';
  program: string;
  transaction: string;
  deltaInput: string;
  deltaOutput: string;
  keyField: string;
  fixedInputs: Record<string, string>;
  normalize: (record: MiRecord) => EntityPayloads[E];
  /** A second transaction called per record for its lines (PO lines), merged into the payload. */
  lines?: {
    program: string;
    transaction: string;
    inputs: (record: MiRecord) => Record<string, string>;
    merge: (payload: EntityPayloads[E], lines: MiRecord[]) => EntityPayloads[E];
  };
}

/** An EXPORTMI/Select over one table: rows come as one REPL string split by SEPC; paged by key cursor. */
export interface ExportMiSource<E extends EntityName> extends M3SourceBase<E> {
  kind: 'exportmi';
  table: string;
  columns: readonly string[];
  deltaColumn: string;
  /** The table's primary key columns in index order (numeric ones compared unquoted); the cursor is the last row's key. */
  keyColumns: readonly { name: string; numeric: boolean }[];
  /** Extra, fixed where conditions (e.g. only invoice transactions). */
  filter?: string;
  normalize: (row: MiRecord) => EntityPayloads[E];
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
    contacts: [],
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
    totalAmount: miDecimal(r.TOAM ?? r.COAM, 'TOAM'),
    lines: [],
  };
}

function purchaseOrderLine(r: MiRecord): PurchaseOrderLine {
  const quantity = miDecimal(r.ORQA, 'ORQA');
  const unitPrice = miDecimal(r.PUPR, 'PUPR');
  return {
    lineNumber: miRequiredText(r.PNLI, 'PNLI'),
    itemNumber: miText(r.ITNO, 'ITNO'),
    description: miText(r.PITD ?? r.PITT, 'PITD'),
    quantity,
    receivedQuantity: miDecimal(r.RVQA, 'RVQA'),
    unitPrice,
    amount: miDecimal(r.LNAM, 'LNAM'),
  };
}

function glAccount(r: MiRecord): GlAccountPayload {
  return {
    accountNumber: miRequiredText(r.AITM, 'AITM'),
    description: miText(r.TX40, 'TX40'),
    accountType: miText(r.AT01 ?? r.ACTY, 'AT01'),
    division: miText(r.DIVI, 'DIVI'),
    status: miText(r.STAT, 'STAT'),
  };
}

/** Posted supplier invoices from the supplier ledger (FPLEDG), one row per invoice (transaction code 40). */
function invoice(r: MiRecord): InvoicePayload {
  const amount = miDecimal(r.EPCUAM, 'EPCUAM');
  const paid = miDecimal(r.EPPYAM, 'EPPYAM');
  const openAmount = sumDecimals([amount, paid.startsWith('-') ? paid.slice(1) : `-${paid}`]);
  const paymentStatus: InvoicePayload['paymentStatus'] =
    openAmount === '0' ? 'paid' : paid === '0' ? 'open' : 'partially_paid';
  return {
    invoiceNumber: miRequiredText(r.EPSINO, 'EPSINO'),
    supplierNumber: miRequiredText(r.EPSUNO, 'EPSUNO'),
    division: miText(r.EPDIVI, 'EPDIVI'),
    invoiceYear: miText(r.EPINYR, 'EPINYR'),
    invoiceDate: miDate(r.EPIVDT, 'EPIVDT'),
    dueDate: miDate(r.EPDUDT, 'EPDUDT'),
    currency: miText(r.EPCUCD, 'EPCUCD'),
    amount,
    openAmount,
    paymentStatus,
    lastPaymentDate: miDate(r.EPPYDT, 'EPPYDT'),
    poNumber: miText(r.EPPUNO, 'EPPUNO'),
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
    fixedInputs: {},
    modifiedDateField: 'LMDT',
    normalize: supplier,
  },
  customer: {
    kind: 'mi-list',
    entity: 'customer',
    program: 'CRS610MI',
    transaction: 'LstByNumber',
    deltaInput: 'LMTS',
    deltaOutput: 'LMTS',
    keyField: 'CUNO',
    fixedInputs: {},
    modifiedDateField: 'LMDT',
    normalize: customer,
  },
  'purchase-order': {
    kind: 'mi-list',
    entity: 'purchase-order',
    program: 'PPSSPPMI',
    transaction: 'LstSupHead',
    deltaInput: 'LMTS',
    deltaOutput: 'LMTS',
    keyField: 'PUNO',
    fixedInputs: {},
    modifiedDateField: 'LMDT',
    normalize: purchaseOrderHead,
    lines: {
      program: 'PPS200MI',
      transaction: 'LstLine',
      inputs: (head) => ({ PUNO: head.PUNO?.trim() ?? '' }),
      merge: (head, lines) => {
        const normalized = lines.map(purchaseOrderLine);
        const totalAmount = head.totalAmount !== '0' || normalized.length === 0 ? head.totalAmount : sumDecimals(normalized.map((l) => l.amount));
        return { ...head, totalAmount, lines: normalized };
      },
    },
  },
  'gl-account': {
    kind: 'mi-list',
    entity: 'gl-account',
    program: 'CRS630MI',
    transaction: 'LstAccountID',
    deltaInput: 'LMTS',
    deltaOutput: 'LMTS',
    keyField: 'AITM',
    fixedInputs: { AITP: '1' },
    modifiedDateField: 'LMDT',
    normalize: glAccount,
  },
  invoice: {
    kind: 'exportmi',
    entity: 'invoice',
    table: 'FPLEDG',
    columns: [
      'EPCONO', 'EPDIVI', 'EPYEA4', 'EPJRNO', 'EPJSNO', 'EPSUNO', 'EPSINO', 'EPINYR', 'EPIVDT', 'EPDUDT',
      'EPCUCD', 'EPCUAM', 'EPPYAM', 'EPPYDT', 'EPPUNO', 'EPTRCD', 'EPLMDT', 'EPLMTS',
    ],
    deltaColumn: 'EPLMTS',
    keyColumns: [
      { name: 'EPDIVI', numeric: false },
      { name: 'EPYEA4', numeric: true },
      { name: 'EPJRNO', numeric: true },
      { name: 'EPJSNO', numeric: true },
    ],
    filter: 'EPTRCD = 40',
    modifiedDateField: 'EPLMDT',
    normalize: invoice,
  },
};


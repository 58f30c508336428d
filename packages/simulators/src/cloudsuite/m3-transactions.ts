/**
 * The MI programs and transactions the simulator serves, each with its input fields (name, length,
 * mandatory) and a handler over the tenant's dataset. Lists return records in key order and stop at
 * `maxrecs`; delta lists take `LMTS` and return records changed strictly after it (the "last import's
 * timestamp" semantics of CRS620MI/LstSuppliers), so a client passing the highest LMTS it saw gets
 * exactly what changed since.
 */
import type { DistributorDataset } from './distributor-dataset.ts';
import { COMPANY, type DatasetEntity, DIVISIONS } from './distributor-records.ts';
import { compareValues, conditionHolds, parseExportQuery, type QueryCondition, QueryError } from './exportmi-query.ts';
import { type MiError, recordNotFound } from './m3-mi-response.ts';
import {
  customerMi,
  glAccountFchaccRow,
  glAccountMi,
  invoiceFpledgRow,
  type MiRecord,
  purchaseOrderHeadMi,
  purchaseOrderLineMi,
  purchaseOrderLineMplineRow,
  purchaseOrderMpheadRow,
  supplierCidmasRow,
  supplierMi,
} from './m3-record-views.ts';
import { formatLmts, parseLmts } from './m3-timestamp.ts';

export interface MiInputField {
  name: string;
  length: number;
  mandatory?: boolean;
  description: string;
}

export interface MiCall {
  dataset: DistributorDataset;
  inputs: Record<string, string>;
  /** Records to return at most; Infinity for `maxrecs=0`. */
  maxrecs: number;
}

export type MiOutcome = { records: MiRecord[] } | { error: MiError };

export interface MiTransaction {
  name: string;
  description: string;
  inputs: MiInputField[];
  run(call: MiCall): MiOutcome;
}

export interface MiProgram {
  name: string;
  description: string;
  transactions: Record<string, MiTransaction>;
}

const CONO: MiInputField = { name: 'CONO', length: 3, description: 'Company' };
const LMTS: MiInputField = { name: 'LMTS', length: 18, description: "Last import's timestamp" };

function take<T>(source: Iterable<T>, max: number): T[] {
  const out: T[] = [];
  if (max <= 0) return out;
  for (const item of source) {
    out.push(item);
    if (out.length >= max) break;
  }
  return out;
}

/** Parses the LMTS input into "changed after" epoch ms, or an MI error naming the field. */
function lmtsAfter(inputs: Record<string, string>): number | MiError {
  const raw = inputs.LMTS;
  if (raw === undefined || raw.trim() === '') return Number.NEGATIVE_INFINITY;
  const ms = parseLmts(raw);
  if (ms === null) {
    return {
      errorType: 'ServerReturnedNOK',
      errorCode: 'WLM0102',
      errorField: 'LMTS',
      errorMessage: `Timestamp ${raw} is invalid`,
    };
  }
  return ms;
}

function listChanged(
  call: MiCall,
  entity: DatasetEntity,
  view: (index: number) => MiRecord,
  from?: { key: string | undefined; to?: string | undefined },
): MiOutcome {
  const after = lmtsAfter(call.inputs);
  if (typeof after !== 'number') return { error: after };
  const fromIndex = from?.key ? call.dataset.lowerBound(entity, from.key) : 0;
  const to = from?.to;
  const records: MiRecord[] = [];
  for (const i of call.dataset.scan(entity, { changedAfterMs: after, fromIndex })) {
    if (to && call.dataset.keyOf(entity, i) > to) break;
    records.push(view(i));
    if (records.length >= call.maxrecs) break;
  }
  return { records };
}

interface ExportTable {
  entity: DatasetEntity;
  /** The column ordering the table, holding the dataset key of the record a row belongs to. */
  keyColumn: string;
  lmtsColumn: string;
  /** The table's rows of one dataset record (a PO has one MPLINE row per line), in key order. */
  rows(dataset: DistributorDataset, index: number): MiRecord[];
}

const one =
  (row: (dataset: DistributorDataset, index: number) => MiRecord) => (dataset: DistributorDataset, index: number) => [
    row(dataset, index),
  ];

/** The database tables EXPORTMI/Select can read, ordered by their key column. */
const EXPORT_TABLES: Record<string, ExportTable> = {
  FPLEDG: {
    entity: 'invoice',
    keyColumn: 'EPSINO',
    lmtsColumn: 'EPLMTS',
    rows: one((d, i) => invoiceFpledgRow(d.record('invoice', i))),
  },
  CIDMAS: {
    entity: 'supplier',
    keyColumn: 'IDSUNO',
    lmtsColumn: 'IDLMTS',
    rows: one((d, i) => supplierCidmasRow(d.record('supplier', i))),
  },
  MPHEAD: {
    entity: 'purchase-order',
    keyColumn: 'IAPUNO',
    lmtsColumn: 'IALMTS',
    rows: one((d, i) => purchaseOrderMpheadRow(d.record('purchase-order', i))),
  },
  MPLINE: {
    entity: 'purchase-order',
    keyColumn: 'IBPUNO',
    lmtsColumn: 'IBLMTS',
    rows: (d, i) => {
      const po = d.record('purchase-order', i);
      return po.lines.map((line) => purchaseOrderLineMplineRow(po, line));
    },
  },
  FCHACC: {
    entity: 'gl-account',
    keyColumn: 'EAAITM',
    lmtsColumn: 'EALMTS',
    rows: one((d, i) => glAccountFchaccRow(d.record('gl-account', i))),
  },
};

/** The columns of a table, from its first record that has a row. */
function tableColumns(table: ExportTable, dataset: DistributorDataset): Set<string> {
  for (let i = 0; i < dataset.count(table.entity); i += 1) {
    const row = table.rows(dataset, i)[0];
    if (row !== undefined) return new Set(Object.keys(row));
  }
  return new Set();
}

function exportSelect(call: MiCall): MiOutcome {
  let query: ReturnType<typeof parseExportQuery>;
  try {
    query = parseExportQuery(call.inputs.QERY ?? '');
  } catch (err) {
    const message = err instanceof QueryError ? err.message : 'Invalid query';
    return {
      error: { errorType: 'ServerReturnedNOK', errorCode: 'XQE0001', errorField: 'QERY', errorMessage: message },
    };
  }
  const table = EXPORT_TABLES[query.table];
  if (!table) {
    return {
      error: {
        errorType: 'ServerReturnedNOK',
        errorCode: 'XQE0002',
        errorField: 'QERY',
        errorMessage: `Table ${query.table} does not exist`,
      },
    };
  }
  const columns = tableColumns(table, call.dataset);
  const unknown = [...query.columns, ...query.where.map((c) => c.column)].find((c) => !columns.has(c));
  if (unknown) {
    return {
      error: {
        errorType: 'ServerReturnedNOK',
        errorCode: 'XQE0003',
        errorField: 'QERY',
        errorMessage: `Field ${unknown} does not exist in table ${query.table}`,
      },
    };
  }
  // Narrow the scan with what the where clause implies; every condition is still checked per row.
  let changedAfterMs = Number.NEGATIVE_INFINITY;
  let fromIndex = 0;
  const upperBounds: QueryCondition[] = [];
  for (const c of query.where) {
    if (c.column === table.lmtsColumn && (c.op === '>' || c.op === '>=')) {
      const ms = parseLmts(c.value);
      if (ms !== null) changedAfterMs = Math.max(changedAfterMs, c.op === '>' ? ms : ms - 1);
    }
    if (c.column === table.keyColumn && (c.op === '>' || c.op === '>=' || c.op === '=')) {
      fromIndex = Math.max(fromIndex, call.dataset.lowerBound(table.entity, c.value, c.op === '>'));
    }
    if (c.column === table.keyColumn && (c.op === '<' || c.op === '<=' || c.op === '=')) upperBounds.push(c);
  }
  const separator = call.inputs.SEPC && call.inputs.SEPC.length > 0 ? call.inputs.SEPC : ';';
  const records: MiRecord[] = [];
  if (call.inputs.HDRS === '1') records.push({ REPL: query.columns.join(separator) });
  let found = 0;
  scan: for (const i of call.dataset.scan(table.entity, { changedAfterMs, fromIndex })) {
    const key = call.dataset.keyOf(table.entity, i);
    if (!upperBounds.every((c) => conditionHolds({ [c.column]: key }, c))) break;
    for (const row of table.rows(call.dataset, i)) {
      if (found >= call.maxrecs) break scan;
      if (!query.where.every((c) => conditionHolds(row, c))) continue;
      records.push({ REPL: query.columns.map((c) => row[c] ?? '').join(separator) });
      found += 1;
    }
  }
  return { records };
}

function notAuthorizedForCompany(cono: string): MiError {
  return {
    errorType: 'ServerReturnedNOK',
    errorCode: 'XAU0008',
    errorField: 'CONO',
    errorMessage: `Not authorized for company ${cono}`,
  };
}

/** Checks a CONO input against the tenant's company. */
export function checkCompany(cono: string | undefined): MiError | null {
  if (cono === undefined || cono.trim() === '' || cono.trim() === COMPANY) return null;
  return notAuthorizedForCompany(cono.trim());
}

export function checkDivision(divi: string | undefined): MiError | null {
  if (divi === undefined || divi.trim() === '' || DIVISIONS.some((d) => d.divi === divi.trim())) return null;
  return {
    errorType: 'ServerReturnedNOK',
    errorCode: 'XDI0001',
    errorField: 'DIVI',
    errorMessage: `Division ${divi.trim()} does not exist`,
  };
}

export const MI_PROGRAMS: Record<string, MiProgram> = {
  CRS620MI: {
    name: 'CRS620MI',
    description: 'Supplier. Interface',
    transactions: {
      LstSuppliers: {
        name: 'LstSuppliers',
        description: 'Retrieves Supplier Information',
        inputs: [
          CONO,
          { name: 'FRSU', length: 10, description: 'From supplier' },
          { name: 'TOSU', length: 10, description: 'To supplier' },
          LMTS,
        ],
        run: (call) =>
          listChanged(call, 'supplier', (i) => supplierMi(call.dataset.record('supplier', i)), {
            key: call.inputs.FRSU,
            to: call.inputs.TOSU,
          }),
      },
      GetBasicData: {
        name: 'GetBasicData',
        description: 'Get supplier basic data',
        inputs: [CONO, { name: 'SUNO', length: 10, mandatory: true, description: 'Supplier number' }],
        run: (call) => {
          const s = call.dataset.find('supplier', call.inputs.SUNO!);
          return s
            ? { records: [supplierMi(s)] }
            : { error: recordNotFound('SUNO', 'Supplier number', call.inputs.SUNO!) };
        },
      },
    },
  },
  CRS610MI: {
    name: 'CRS610MI',
    description: 'Customer. Interface',
    transactions: {
      LstByNumber: {
        name: 'LstByNumber',
        description: 'List customers by number',
        inputs: [CONO, { name: 'CUNO', length: 10, description: 'Customer number (from)' }, LMTS],
        run: (call) =>
          listChanged(call, 'customer', (i) => customerMi(call.dataset.record('customer', i)), {
            key: call.inputs.CUNO,
          }),
      },
      GetBasicData: {
        name: 'GetBasicData',
        description: 'Get customer basic data',
        inputs: [CONO, { name: 'CUNO', length: 10, mandatory: true, description: 'Customer number' }],
        run: (call) => {
          const c = call.dataset.find('customer', call.inputs.CUNO!);
          return c
            ? { records: [customerMi(c)] }
            : { error: recordNotFound('CUNO', 'Customer number', call.inputs.CUNO!) };
        },
      },
    },
  },
  PPSSPPMI: {
    name: 'PPSSPPMI',
    description: 'Supplier portal. Purchase orders',
    transactions: {
      LstSupHead: {
        name: 'LstSupHead',
        description: 'List purchase order heads',
        inputs: [CONO, { name: 'SUNO', length: 10, description: 'Supplier number' }, LMTS],
        run: (call) => {
          const suno = call.inputs.SUNO?.trim();
          const after = lmtsAfter(call.inputs);
          if (typeof after !== 'number') return { error: after };
          const heads = (function* () {
            for (const i of call.dataset.scan('purchase-order', { changedAfterMs: after })) {
              const po = call.dataset.record('purchase-order', i);
              if (!suno || po.supplierKey === suno) yield purchaseOrderHeadMi(po);
            }
          })();
          return { records: take(heads, call.maxrecs) };
        },
      },
    },
  },
  PPS200MI: {
    name: 'PPS200MI',
    description: 'Purchase order. Interface',
    transactions: {
      GetHead: {
        name: 'GetHead',
        description: 'Get purchase order head',
        inputs: [CONO, { name: 'PUNO', length: 10, mandatory: true, description: 'Purchase order number' }],
        run: (call) => {
          const po = call.dataset.find('purchase-order', call.inputs.PUNO!);
          return po
            ? { records: [purchaseOrderHeadMi(po)] }
            : { error: recordNotFound('PUNO', 'Purchase order', call.inputs.PUNO!) };
        },
      },
      LstLine: {
        name: 'LstLine',
        description: 'List purchase order lines',
        inputs: [CONO, { name: 'PUNO', length: 10, mandatory: true, description: 'Purchase order number' }],
        run: (call) => {
          const po = call.dataset.find('purchase-order', call.inputs.PUNO!);
          if (!po) return { error: recordNotFound('PUNO', 'Purchase order', call.inputs.PUNO!) };
          return { records: take(po.lines, call.maxrecs).map((l) => purchaseOrderLineMi(po, l)) };
        },
      },
    },
  },
  CRS630MI: {
    name: 'CRS630MI',
    description: 'Accounting identity. Interface',
    transactions: {
      LstAccountID: {
        name: 'LstAccountID',
        description: 'List accounting identities',
        inputs: [
          CONO,
          { name: 'DIVI', length: 3, description: 'Division' },
          { name: 'AITP', length: 1, mandatory: true, description: 'Accounting dimension' },
        ],
        run: (call) => {
          const aitp = call.inputs.AITP!.trim();
          if (!/^[1-7]$/.test(aitp)) {
            return {
              error: {
                errorType: 'ServerReturnedNOK',
                errorCode: 'WAI0102',
                errorField: 'AITP',
                errorMessage: `Accounting dimension ${aitp} is invalid`,
              },
            };
          }
          // The chart of accounts is dimension 1; the other dimensions are empty in this company.
          if (aitp !== '1') return { records: [] };
          const divi = call.inputs.DIVI?.trim();
          const rows = (function* () {
            for (const i of call.dataset.scan('gl-account')) {
              const a = call.dataset.record('gl-account', i);
              if (!divi || a.division === '' || a.division === divi) yield glAccountMi(a);
            }
          })();
          return { records: take(rows, call.maxrecs) };
        },
      },
    },
  },
  EXPORTMI: {
    name: 'EXPORTMI',
    description: 'Export data',
    transactions: {
      Select: {
        name: 'Select',
        description: 'Select from a table',
        inputs: [
          { name: 'QERY', length: 3000, mandatory: true, description: 'Query' },
          { name: 'SEPC', length: 1, description: 'Separator character' },
          { name: 'HDRS', length: 1, description: 'Headers' },
        ],
        run: exportSelect,
      },
    },
  },
  MRS001MI: {
    name: 'MRS001MI',
    description: 'MI metadata',
    transactions: {
      LstTransactions: {
        name: 'LstTransactions',
        description: 'List transactions of a program',
        inputs: [{ name: 'MINM', length: 10, mandatory: true, description: 'Program name' }],
        run: (call) => {
          const name = call.inputs.MINM!.trim().toUpperCase();
          const program = MI_PROGRAMS[name];
          if (!program)
            return {
              error: {
                errorType: 'ServerReturnedNOK',
                errorCode: 'XMI0001',
                errorField: 'MINM',
                errorMessage: `Program ${name} does not exist`,
              },
            };
          const records = Object.values(program.transactions).map((t) => ({
            MINM: program.name,
            TRNM: t.name,
            TRDS: t.description,
          }));
          return { records: take(records, call.maxrecs) };
        },
      },
    },
  },
  SES120MI: {
    name: 'SES120MI',
    description: 'Deletion audit',
    transactions: {
      LstDeleted: {
        name: 'LstDeleted',
        description: 'List deleted records',
        inputs: [{ name: 'FILE', length: 10, description: 'Table' }, LMTS],
        run: (call) => {
          const after = lmtsAfter(call.inputs);
          if (typeof after !== 'number') return { error: after };
          const file = call.inputs.FILE?.trim().toUpperCase();
          const entityByFile: Record<string, DatasetEntity> = {
            FPLEDG: 'invoice',
            CIDMAS: 'supplier',
            OCUSMA: 'customer',
            MPHEAD: 'purchase-order',
            FCHACC: 'gl-account',
          };
          const fileByEntity = Object.fromEntries(Object.entries(entityByFile).map(([f, e]) => [e, f]));
          if (file && !entityByFile[file]) {
            return {
              error: {
                errorType: 'ServerReturnedNOK',
                errorCode: 'XQE0002',
                errorField: 'FILE',
                errorMessage: `Table ${file} does not exist`,
              },
            };
          }
          const deleted = call.dataset
            .deletedSince(after, file ? entityByFile[file] : undefined)
            .map((d) => {
              const lmts = formatLmts(d.deletedMs);
              return {
                FILE: fileByEntity[d.entity]!,
                PK01: d.key,
                DLDT: lmts.slice(0, 8),
                DLTM: lmts.slice(8, 14),
                LMTS: lmts,
              };
            })
            .sort((a, b) => compareValues(a.LMTS, b.LMTS));
          return { records: take(deleted, call.maxrecs) };
        },
      },
    },
  },
};

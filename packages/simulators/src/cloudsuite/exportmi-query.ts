/**
 * EXPORTMI/Select's QERY: `COL1, COL2 from TABLE [where COND [and COND]…]` with COND `COL op value`,
 * op one of = <> > >= < <=, value a number or a 'quoted string'. That is the subset the connector
 * needs (a change-stamp filter plus a key cursor); anything else is refused with a clear message,
 * never silently reinterpreted.
 */
export type ComparisonOperator = '=' | '<>' | '>' | '>=' | '<' | '<=';

export interface QueryCondition {
  column: string;
  op: ComparisonOperator;
  value: string;
  quoted: boolean;
}

export interface ExportQuery {
  columns: string[];
  table: string;
  where: QueryCondition[];
}

export class QueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QueryError';
  }
}

const QUERY = /^\s*(.+?)\s+from\s+([A-Za-z0-9]+)(?:\s+where\s+(.+?))?\s*$/is;
const CONDITION = /^\s*([A-Za-z0-9]+)\s*(<>|>=|<=|=|>|<)\s*('(?:[^']|'')*'|-?\d+(?:\.\d+)?)\s*$/;

export function parseExportQuery(qery: string): ExportQuery {
  const m = QUERY.exec(qery);
  if (!m) throw new QueryError('QERY must read "<columns> from <table> [where <conditions>]"');
  const columns = m[1]!.split(',').map((c) => c.trim().toUpperCase());
  if (columns.some((c) => !/^[A-Z0-9]+$/.test(c))) throw new QueryError(`Invalid column list "${m[1]!.trim()}"`);
  const where: QueryCondition[] = [];
  if (m[3] !== undefined) {
    for (const part of splitOnAnd(m[3])) {
      const c = CONDITION.exec(part);
      if (!c) throw new QueryError(`Unsupported condition "${part.trim()}"`);
      const raw = c[3]!;
      const quoted = raw.startsWith("'");
      where.push({
        column: c[1]!.toUpperCase(),
        op: c[2] as ComparisonOperator,
        value: quoted ? raw.slice(1, -1).replaceAll("''", "'") : raw,
        quoted,
      });
    }
  }
  return { columns, table: m[2]!.toUpperCase(), where };
}

/** Splits on AND outside quotes; OR and parentheses are not supported. */
function splitOnAnd(clause: string): string[] {
  const parts: string[] = [];
  let current = '';
  let inQuote = false;
  const tokens = clause.split(/(\s+)/);
  for (const token of tokens) {
    const quotes = (token.match(/'/g) ?? []).length;
    if (!inQuote && /^and$/i.test(token)) {
      parts.push(current);
      current = '';
      continue;
    }
    if (!inQuote && (/^or$/i.test(token) || /[()]/.test(token)))
      throw new QueryError('Only AND-joined conditions are supported');
    current += token;
    if (quotes % 2 === 1) inQuote = !inQuote;
  }
  parts.push(current);
  return parts.filter((p) => p.trim().length > 0);
}

/** Compares as numbers when both sides are numeric (LMTS exceeds 2^53, hence BigInt), else as text. */
export function compareValues(left: string, right: string): number {
  const l = left.trim();
  const r = right.trim();
  if (/^-?\d+$/.test(l) && /^-?\d+$/.test(r)) {
    const a = BigInt(l);
    const b = BigInt(r);
    return a < b ? -1 : a > b ? 1 : 0;
  }
  if (/^-?\d+(\.\d+)?$/.test(l) && /^-?\d+(\.\d+)?$/.test(r)) return Math.sign(Number(l) - Number(r));
  return l < r ? -1 : l > r ? 1 : 0;
}

export function conditionHolds(row: Record<string, string>, c: QueryCondition): boolean {
  const value = row[c.column];
  if (value === undefined) return false;
  const cmp = compareValues(value, c.value);
  switch (c.op) {
    case '=':
      return cmp === 0;
    case '<>':
      return cmp !== 0;
    case '>':
      return cmp > 0;
    case '>=':
      return cmp >= 0;
    case '<':
      return cmp < 0;
    case '<=':
      return cmp <= 0;
  }
}

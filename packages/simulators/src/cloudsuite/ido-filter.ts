/**
 * The `filter` of an IDO load: a SQL WHERE fragment. The simulator accepts comparisons
 * `Property op value` (op = <> > >= < <=, LIKE) joined by AND, with values 'text', N'text' or
 * numbers. What it cannot evaluate it refuses the way Mongoose does, with an IllegalFilterException
 * message, rather than returning unfiltered rows.
 */
import { compareValues } from './exportmi-query.ts';
import { parseCsiDateTime } from './m3-timestamp.ts';

export interface IdoCondition {
  property: string;
  op: '=' | '<>' | '>' | '>=' | '<' | '<=' | 'LIKE';
  value: string;
}

export class IllegalFilterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IllegalFilterException';
  }
}

const CONDITION =
  /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(<>|>=|<=|=|>|<|\s+LIKE\s+)\s*(N?'(?:[^']|'')*'|-?\d+(?:\.\d+)?)\s*$/i;

export function parseIdoFilter(filter: string): IdoCondition[] {
  if (filter.trim() === '') return [];
  const parts: string[] = [];
  let current = '';
  let inQuote = false;
  for (const token of filter.split(/(\s+)/)) {
    if (!inQuote && /^and$/i.test(token)) {
      parts.push(current);
      current = '';
      continue;
    }
    if (!inQuote && (/^or$/i.test(token) || /^\(|\)$/.test(token))) {
      throw new IllegalFilterError(`IllegalFilterException: unsupported expression in filter "${filter}"`);
    }
    current += token;
    if ((token.match(/'/g) ?? []).length % 2 === 1) inQuote = !inQuote;
  }
  parts.push(current);
  return parts
    .filter((p) => p.trim() !== '')
    .map((part) => {
      const m = CONDITION.exec(part);
      if (!m) throw new IllegalFilterError(`IllegalFilterException: cannot parse "${part.trim()}"`);
      const raw = m[3]!;
      const value =
        raw.startsWith("'") || /^N'/i.test(raw) ? raw.replace(/^N?'/i, '').slice(0, -1).replaceAll("''", "'") : raw;
      return { property: m[1]!, op: m[2]!.trim().toUpperCase() as IdoCondition['op'], value };
    });
}

export function idoConditionHolds(row: Record<string, string>, c: IdoCondition, dateProperties: Set<string>): boolean {
  const actual = row[c.property] ?? '';
  if (c.op === 'LIKE') {
    const pattern = new RegExp(
      `^${c.value
        .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
        .replaceAll('%', '.*')
        .replaceAll('_', '.')}$`,
      'i',
    );
    return pattern.test(actual);
  }
  let cmp: number;
  if (dateProperties.has(c.property)) {
    const a = parseCsiDateTime(actual);
    const b = parseCsiDateTime(c.value);
    if (b === null)
      throw new IllegalFilterError(`IllegalFilterException: "${c.value}" is not a valid date for ${c.property}`);
    if (a === null) return false;
    cmp = Math.sign(a - b);
  } else {
    cmp = compareValues(actual, c.value);
  }
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
    default:
      return cmp <= 0;
  }
}

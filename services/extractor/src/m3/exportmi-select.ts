import type { MiRecord } from './mi-response.ts';

/**
 * EXPORTMI/Select: a QERY over one table of the session company, rows returned as one `REPL` string per
 * record with the columns joined by `SEPC`. There is no native paging, so the caller pages with a key
 * cursor in the where clause (`KEY > 'last'`, AND-joined conditions only) and `maxrecs`.
 */
export const EXPORTMI_SEPARATOR = '|';

export interface ExportMiQuery {
  table: string;
  columns: readonly string[];
  conditions: readonly string[];
}

export function exportMiQuery(query: ExportMiQuery): string {
  const where = query.conditions.length > 0 ? ` where ${query.conditions.join(' and ')}` : '';
  return `${query.columns.join(', ')} from ${query.table}${where}`;
}

/** A quoted QERY literal: M3 compares alpha fields as text and numeric-looking keys as numbers. */
export function queryLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

export interface SplitRows {
  rows: MiRecord[];
  malformed: { repl: string; reason: string }[];
}

/**
 * Splits each `REPL` into the requested columns. A row whose value count differs from the column count
 * (a separator inside a value, a truncated row) is reported, not guessed at.
 */
export function splitRepl(
  records: readonly MiRecord[],
  columns: readonly string[],
  separator = EXPORTMI_SEPARATOR,
): SplitRows {
  const rows: MiRecord[] = [];
  const malformed: SplitRows['malformed'] = [];
  for (const record of records) {
    const repl = record.REPL;
    if (repl === undefined) {
      malformed.push({ repl: '', reason: 'record has no REPL field' });
      continue;
    }
    const values = repl.split(separator);
    if (values.length !== columns.length) {
      malformed.push({ repl, reason: `REPL has ${values.length} values for ${columns.length} columns` });
      continue;
    }
    const row: MiRecord = {};
    columns.forEach((column, i) => {
      row[column] = (values[i] ?? '').trim();
    });
    rows.push(row);
  }
  return { rows, malformed };
}

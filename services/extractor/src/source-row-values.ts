import type { SourceRow } from './source-records.ts';

/** Why a row of an ERP answer cannot be read as text fields. */
export interface RowValueProblem {
  /** The field at fault, when one is. */
  field?: string;
  problem: string;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/**
 * An MI record or IDO item as text fields. M3 and CSI send every value as a string; a number or boolean
 * (JSON re-typed by a gateway or proxy) is taken as its text, null as an absent field. A nested object or
 * list is no value any field has: the row, and with it the answer, is refused rather than guessed at.
 */
export function textRow(raw: unknown): { row: SourceRow } | RowValueProblem {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { problem: `is ${describe(raw)}` };
  const row: SourceRow = {};
  for (const [field, value] of Object.entries(raw)) {
    if (typeof value === 'string') row[field] = value;
    else if (typeof value === 'number' || typeof value === 'boolean') row[field] = String(value);
    else if (value !== null && value !== undefined)
      return { field, problem: `${field} is ${describe(value)}, not text` };
  }
  return { row };
}

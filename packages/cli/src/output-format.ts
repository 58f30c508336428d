/**
 * How the CLI prints: aligned tables for lists, `key: value` lines for one object, and `--json` for
 * scripts (the API's answer, unchanged, pretty-printed).
 */
export interface Column {
  /** Property of the row; a dotted path reads nested objects (`counts.published`). */
  key: string;
  header?: string;
}

export function valueAt(row: unknown, path: string): unknown {
  let value: unknown = row;
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

export function cellText(value: unknown): string {
  if (value === undefined || value === null) return '-';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value);
}

export function renderTable(rows: readonly unknown[], columns: readonly Column[]): string {
  if (rows.length === 0) return '(none)\n';
  const headers = columns.map((column) => (column.header ?? column.key).toUpperCase());
  const cells = rows.map((row) => columns.map((column) => cellText(valueAt(row, column.key)).replace(/\s+/g, ' ')));
  const widths = headers.map((header, i) => Math.max(header.length, ...cells.map((line) => line[i]?.length ?? 0)));
  const line = (values: readonly string[]) =>
    values
      .map((value, i) => (i === values.length - 1 ? value : value.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return `${[line(headers), ...cells.map(line)].join('\n')}\n`;
}

export function renderRecord(record: Record<string, unknown>): string {
  const entries = Object.entries(record);
  if (entries.length === 0) return '(empty)\n';
  const width = Math.max(...entries.map(([key]) => key.length));
  return `${entries.map(([key, value]) => `${`${key}:`.padEnd(width + 1)} ${cellText(value)}`).join('\n')}\n`;
}

export function renderJson(value: unknown): string {
  return `${JSON.stringify(value ?? null, null, 2)}\n`;
}

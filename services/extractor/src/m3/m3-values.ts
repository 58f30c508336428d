/**
 * Normalization of M3 MI values. MI returns every value as a string, often right-padded, with dates as
 * yyyyMMdd ("0" or empty when unset) and amounts as plain decimals. Normalized values feed the content
 * hash, so the same ERP value must always normalize to the same string.
 */

/** A value that cannot become its entity field; the record is dead-lettered with this reason. */
export class RecordRejection extends Error {
  readonly field: string;

  constructor(field: string, reason: string) {
    super(`${field}: ${reason}`);
    this.name = 'RecordRejection';
    this.field = field;
  }
}

/** Strings longer than this are cut rather than carried into events (a 10 KB ERP text is a data error). */
export const MAX_TEXT_LENGTH = 1000;

export function miText(value: string | undefined, field: string): string | null {
  if (value === undefined) return null;
  const trimmed = value.trim();
  if (trimmed === '') return null;
  if (trimmed.length > MAX_TEXT_LENGTH) {
    throw new RecordRejection(field, `value is ${trimmed.length} characters, more than ${MAX_TEXT_LENGTH}`);
  }
  return trimmed;
}

export function miRequiredText(value: string | undefined, field: string): string {
  const text = miText(value, field);
  if (text === null) throw new RecordRejection(field, 'required value is missing or empty');
  return text;
}

const MI_DATE = /^(\d{4})(\d{2})(\d{2})$/;

/** yyyyMMdd → yyyy-mm-dd; "0", "00000000" and empty mean no date. */
export function miDate(value: string | undefined, field: string): string | null {
  const text = value?.trim() ?? '';
  if (text === '' || /^0+$/.test(text)) return null;
  const match = MI_DATE.exec(text);
  if (!match) throw new RecordRejection(field, `"${text.slice(0, 40)}" is not a yyyyMMdd date`);
  const [, year, month, day] = match as unknown as [string, string, string, string];
  const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  if (
    date.getUTCFullYear() !== Number(year) ||
    date.getUTCMonth() !== Number(month) - 1 ||
    date.getUTCDate() !== Number(day)
  ) {
    throw new RecordRejection(field, `"${text}" is not a calendar date`);
  }
  return `${year}-${month}-${day}`;
}

const MI_DECIMAL = /^([+-])?(\d*)(?:[.,](\d*))?(-)?$/;

/**
 * A decimal string in canonical form (no leading zeros, no trailing fractional zeros, "-" only when
 * non-zero), computed on the digits so that no float rounding ever touches an amount. Empty means zero,
 * as M3 writes it with excludeempty=false.
 */
export function miDecimal(value: string | undefined, field: string): string {
  const text = value?.trim() ?? '';
  if (text === '') return '0';
  const match = MI_DECIMAL.exec(text);
  if (!match || (match[2] === '' && (match[3] ?? '') === '') || (match[1] !== undefined && match[4] !== undefined)) {
    throw new RecordRejection(field, `"${text.slice(0, 40)}" is not a decimal amount`);
  }
  const negative = match[1] === '-' || match[4] === '-';
  const integer = (match[2] ?? '').replace(/^0+/, '') || '0';
  const fraction = (match[3] ?? '').replace(/0+$/, '');
  const magnitude = fraction === '' ? integer : `${integer}.${fraction}`;
  return negative && magnitude !== '0' ? `-${magnitude}` : magnitude;
}

/** Sum of canonical decimal strings, exact (scaled bigint arithmetic). */
export function sumDecimals(values: readonly string[]): string {
  const scale = Math.max(0, ...values.map((v) => v.split('.')[1]?.length ?? 0));
  let total = 0n;
  for (const value of values) {
    const negative = value.startsWith('-');
    const [integer = '0', fraction = ''] = value.replace('-', '').split('.');
    const scaled = BigInt(integer + fraction.padEnd(scale, '0'));
    total += negative ? -scaled : scaled;
  }
  const negative = total < 0n;
  const digits = (negative ? -total : total).toString().padStart(scale + 1, '0');
  const integer = digits.slice(0, digits.length - scale);
  const fraction = digits.slice(digits.length - scale).replace(/0+$/, '');
  const magnitude = fraction === '' ? integer : `${integer}.${fraction}`;
  return negative ? `-${magnitude}` : magnitude;
}

import { RecordRejection } from '../m3/m3-values.ts';

/**
 * CSI `RecordDate` values read `yyyyMMdd HH:mm:ss.SSS` (the IDO REST format), which sorts as text, so the
 * highest one seen is the watermark and the filter literal as is. The poll overlap is applied in that clock.
 */
const RECORD_DATE = /^(\d{4})(\d{2})(\d{2}) (\d{2}):(\d{2}):(\d{2})\.(\d{3})$/;

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

export function formatRecordDate(epochMs: number): string {
  const t = new Date(epochMs);
  return (
    `${pad(t.getUTCFullYear(), 4)}${pad(t.getUTCMonth() + 1, 2)}${pad(t.getUTCDate(), 2)} ` +
    `${pad(t.getUTCHours(), 2)}:${pad(t.getUTCMinutes(), 2)}:${pad(t.getUTCSeconds(), 2)}.${pad(t.getUTCMilliseconds(), 3)}`
  );
}

export function parseRecordDate(value: string): number | null {
  const m = RECORD_DATE.exec(value.trim());
  if (m === null) return null;
  const [, y, mo, d, h, mi, s, ms] = m.map(Number) as [number, number, number, number, number, number, number, number];
  const epoch = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  return Number.isNaN(epoch) ? null : epoch;
}

/** A watermark moved back by the overlap; a value of another form is used unchanged. */
export function recordDateMinus(value: string, overlapMs: number): string {
  const epoch = parseRecordDate(value);
  return overlapMs <= 0 || epoch === null ? value : formatRecordDate(Math.max(0, epoch - overlapMs));
}

/** A CSI date or date-time → yyyy-mm-dd; empty means no date. */
export function csiDate(value: string | undefined, field: string): string | null {
  const text = value?.trim() ?? '';
  if (text === '') return null;
  const m = /^(\d{4})-?(\d{2})-?(\d{2})(?:[ T].*)?$/.exec(text);
  if (m === null) throw new RecordRejection(field, `"${text.slice(0, 40)}" is not a CSI date`);
  const [, y, mo, d] = m as unknown as [string, string, string, string];
  const date = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  if (date.getUTCMonth() !== Number(mo) - 1 || date.getUTCDate() !== Number(d)) {
    throw new RecordRejection(field, `"${text.slice(0, 40)}" is not a calendar date`);
  }
  return `${y}-${mo}-${d}`;
}

/** The ISO instant of a RecordDate (CSI stores server-local time; the simulator and this read it as UTC). */
export function recordDateIso(value: string | undefined): string | null {
  const epoch = value === undefined ? null : parseRecordDate(value);
  return epoch === null ? null : new Date(epoch).toISOString();
}

/**
 * M3 change stamps. `xxLMTS` is an opaque, increasing number; in M3 it reads as a UTC timestamp
 * `yyyyMMddHHmmssSSS` (17 digits, beyond 2^53, so it travels as a string and is compared as epoch
 * milliseconds inside the simulator). `xxLMDT`/`xxRGDT` are `yyyyMMdd` dates.
 */
const pad = (n: number, width: number) => String(n).padStart(width, '0');

export function formatLmts(epochMs: number): string {
  const d = new Date(epochMs);
  return (
    pad(d.getUTCFullYear(), 4) +
    pad(d.getUTCMonth() + 1, 2) +
    pad(d.getUTCDate(), 2) +
    pad(d.getUTCHours(), 2) +
    pad(d.getUTCMinutes(), 2) +
    pad(d.getUTCSeconds(), 2) +
    pad(d.getUTCMilliseconds(), 3)
  );
}

/**
 * Parses an LMTS input. Accepts the 17-digit form and shorter prefixes of it (a date `yyyyMMdd`,
 * `yyyyMMddHHmmss`), and `0` for "from the beginning". Returns null when it is not a number.
 */
export function parseLmts(value: string): number | null {
  const v = value.trim();
  if (!/^\d{1,17}$/.test(v)) return null;
  if (/^0+$/.test(v)) return Number.NEGATIVE_INFINITY;
  if (v.length < 8) return null;
  const full = v.padEnd(17, '0');
  const ms = Date.UTC(
    Number(full.slice(0, 4)),
    Number(full.slice(4, 6)) - 1,
    Number(full.slice(6, 8)),
    Number(full.slice(8, 10)),
    Number(full.slice(10, 12)),
    Number(full.slice(12, 14)),
    Number(full.slice(14, 17)),
  );
  return Number.isNaN(ms) ? null : ms;
}

export function formatYmd8(epochMs: number): string {
  return formatLmts(epochMs).slice(0, 8);
}

/** M3 `dateformat` values and how a `yyyyMMdd` value is rendered in each. */
export const M3_DATE_FORMATS = ['YMD8', 'YMD6', 'MDY6', 'DMY6', 'MDY8', 'DMY8'] as const;
export type M3DateFormat = (typeof M3_DATE_FORMATS)[number];

export function renderDate(ymd8: string, format: M3DateFormat): string {
  if (!/^\d{8}$/.test(ymd8) || ymd8 === '00000000') return ymd8;
  const y = ymd8.slice(0, 4);
  const m = ymd8.slice(4, 6);
  const d = ymd8.slice(6, 8);
  switch (format) {
    case 'YMD8':
      return ymd8;
    case 'YMD6':
      return y.slice(2) + m + d;
    case 'MDY6':
      return m + d + y.slice(2);
    case 'DMY6':
      return d + m + y.slice(2);
    case 'MDY8':
      return m + d + y;
    case 'DMY8':
      return d + m + y;
  }
}

/** CSI (Mongoose) date-time as the IDO REST API renders it: `yyyyMMdd HH:mm:ss.SSS`. */
export function formatCsiDateTime(epochMs: number): string {
  const s = formatLmts(epochMs);
  return `${s.slice(0, 8)} ${s.slice(8, 10)}:${s.slice(10, 12)}:${s.slice(12, 14)}.${s.slice(14, 17)}`;
}

/**
 * Parses the date-time literals CSI filters use: `2024-05-01`, `2024-05-01 13:45:00[.123]`,
 * `20240501`, `20240501 13:45:00[.123]`. Returns epoch ms (UTC) or null.
 */
export function parseCsiDateTime(value: string): number | null {
  const m = /^(\d{4})-?(\d{2})-?(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?)?$/.exec(value.trim());
  if (!m) return null;
  const ms = Date.UTC(
    Number(m[1]),
    Number(m[2]) - 1,
    Number(m[3]),
    Number(m[4] ?? 0),
    Number(m[5] ?? 0),
    Number(m[6] ?? 0),
    Number((m[7] ?? '0').padEnd(3, '0')),
  );
  return Number.isNaN(ms) ? null : ms;
}

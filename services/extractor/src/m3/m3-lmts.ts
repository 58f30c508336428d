/**
 * M3 change stamps (`xxLMTS`) are opaque increasing numbers that read as a UTC `yyyyMMddHHmmssSSS`
 * (17 digits, beyond 2^53, hence strings and bigint). The poll overlap is applied in that clock; a
 * stamp of another form is used unchanged, which only costs the overlap, never a record.
 */
const LMTS = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{3})$/;

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

export function lmtsMinus(lmts: string, overlapMs: number): string {
  const match = LMTS.exec(lmts);
  if (overlapMs <= 0 || match === null) return lmts;
  const [, y, mo, d, h, mi, s, ms] = match.map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const epoch = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  if (Number.isNaN(epoch)) return lmts;
  const t = new Date(Math.max(0, epoch - overlapMs));
  return (
    pad(t.getUTCFullYear(), 4) +
    pad(t.getUTCMonth() + 1, 2) +
    pad(t.getUTCDate(), 2) +
    pad(t.getUTCHours(), 2) +
    pad(t.getUTCMinutes(), 2) +
    pad(t.getUTCSeconds(), 2) +
    pad(t.getUTCMilliseconds(), 3)
  );
}

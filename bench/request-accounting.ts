/**
 * Turns the simulators' request logs into the figures the bench reports: Zendesk requests per target
 * (organizations, users, each custom object, job_status polls, OAuth), writes vs reads, 429s; ION calls
 * (MI transactions) vs token calls, 429s.
 */
import type { IonLogEntry, ZendeskLogEntry } from './bench-simulators.ts';

export interface ZendeskRequestSummary {
  total: number;
  writes: number;
  reads: number;
  throttled: number;
  /**
   * Requests attributed to a target by path; job_status polls, OAuth and provisioning (field and custom
   * object definitions, made once per tenant) are their own lines.
   */
  perTarget: Record<string, number>;
}

function zendeskTargetOf(path: string): string {
  const api = path.replace(/^\/__account\/[^/]+/, '');
  if (api.startsWith('/oauth/')) return 'oauth';
  if (api.startsWith('/api/v2/job_statuses')) return 'job_statuses';
  // Field and custom object definitions: made once per tenant when it is provisioned, not per record.
  if (/^\/api\/v2\/(user|organization|ticket)_fields\b/.test(api)) return 'provisioning';
  if (/^\/api\/v2\/custom_objects(\/[^/]+)?(\/fields(\/.*)?)?$/.test(api)) return 'provisioning';
  if (api.startsWith('/api/v2/organizations')) return 'organization';
  if (api.startsWith('/api/v2/users')) return 'user';
  const customObject = /^\/api\/v2\/custom_objects\/([^/]+)\//.exec(api);
  if (customObject) return `custom_object_record:${decodeURIComponent(customObject[1]!)}`;
  return 'other';
}

export function summarizeZendesk(entries: readonly ZendeskLogEntry[]): ZendeskRequestSummary {
  const perTarget: Record<string, number> = {};
  let writes = 0;
  let throttled = 0;
  for (const entry of entries) {
    const target = zendeskTargetOf(entry.path);
    perTarget[target] = (perTarget[target] ?? 0) + 1;
    if (entry.method !== 'GET' && target !== 'oauth') writes += 1;
    if (entry.status === 429) throttled += 1;
  }
  return { total: entries.length, writes, reads: entries.length - writes, throttled, perTarget };
}

export interface IonRequestSummary {
  /** ERP calls (M3 MI / EXPORTMI transactions), what a quota counts. */
  calls: number;
  perProgram: Record<string, number>;
  tokenCalls: number;
  throttled: number;
}

export function summarizeIon(entries: readonly IonLogEntry[]): IonRequestSummary {
  const perProgram: Record<string, number> = {};
  let calls = 0;
  let tokenCalls = 0;
  let throttled = 0;
  for (const entry of entries) {
    if (entry.status === 429) throttled += 1;
    if (entry.program !== null) {
      calls += 1;
      const key = `${entry.program}/${entry.transaction ?? ''}`;
      perProgram[key] = (perProgram[key] ?? 0) + 1;
    } else if (/token/i.test(entry.path)) {
      tokenCalls += 1;
    }
  }
  return { calls, perProgram, tokenCalls, throttled };
}

/** Requests per applied record, per target: what each record costs on its own target. */
export function perRecordByTarget(
  summary: ZendeskRequestSummary,
  applied: Readonly<Record<string, number>>,
): Record<string, number> {
  const result: Record<string, number> = {};
  for (const [target, records] of Object.entries(applied)) {
    if (records > 0) result[target] = round((summary.perTarget[target] ?? 0) / records, 5);
  }
  return result;
}

export function round(value: number, digits = 2): number {
  if (!Number.isFinite(value)) return value;
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

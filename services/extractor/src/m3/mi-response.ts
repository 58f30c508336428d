import { MlcError } from '@mlc/common/errors';

/** One MI record: every value a string, keyed by M3 field name. */
export type MiRecord = Record<string, string>;

export interface MiResult {
  transaction?: string;
  records?: MiRecord[];
  errorMessage?: string;
  errorType?: string;
  errorCode?: string;
  errorField?: string;
}

/** The body of `m3api-rest/v2/execute`, as M3 spells it (`Successfull`, booleans sometimes as strings). */
export interface MiResponse {
  results?: MiResult[];
  wasTerminated?: boolean | string;
  terminationReason?: string;
  terminationErrorType?: string;
  nrOfSuccessfullTransactions?: number | string;
  nrOfFailedTransactions?: number | string;
}

function truthy(value: boolean | string | undefined): boolean {
  return value === true || (typeof value === 'string' && value.trim().toLowerCase() === 'true');
}

function count(value: number | string | undefined): number {
  const parsed = typeof value === 'string' ? Number(value.trim()) : (value ?? 0);
  return Number.isFinite(parsed) ? parsed : 0;
}

/**
 * The records of an MI call, or an MLC_MI_ERROR carrying M3's own message. MI reports failures with
 * HTTP 200, so the body decides: failed transactions, an error on a result, or a terminated call.
 */
export function miRecords(body: unknown, call: string): MiRecord[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new MlcError('MLC_MI_ERROR', `${call}: the MI response is not a JSON object`);
  }
  const response = body as MiResponse;
  const results = Array.isArray(response.results) ? response.results : [];
  const failed = results.find(
    (r) => r.errorMessage !== undefined || r.errorType !== undefined || r.errorCode !== undefined,
  );
  if (failed !== undefined || count(response.nrOfFailedTransactions) > 0) {
    const message = failed?.errorMessage?.trim() || 'the transaction failed without a message';
    throw new MlcError('MLC_MI_ERROR', `${call}: ${message}`, {
      field: failed?.errorField?.trim() || undefined,
      details: { errorType: failed?.errorType, errorCode: failed?.errorCode, errorField: failed?.errorField },
    });
  }
  if (truthy(response.wasTerminated)) {
    const reason = response.terminationReason?.trim() || 'no reason given';
    throw new MlcError('MLC_MI_ERROR', `${call}: the MI call was terminated: ${reason}`, {
      details: { errorType: response.terminationErrorType },
    });
  }
  if (!Array.isArray(response.results)) {
    throw new MlcError('MLC_MI_ERROR', `${call}: the MI response has no results`);
  }
  const records: MiRecord[] = [];
  for (const result of results) {
    for (const record of result.records ?? []) {
      if (typeof record === 'object' && record !== null) records.push(record);
    }
  }
  return records;
}

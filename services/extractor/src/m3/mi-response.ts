import { MlcError } from '@mlc/common/errors';
import { textRow } from '../source-row-values.ts';

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

/** A text field of the answer, trimmed; undefined when absent, empty or not text (a re-typed answer). */
function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
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
    throw new MlcError('MLC_ION_MALFORMED_RESPONSE', `${call}: the MI response is not a JSON object`);
  }
  const response = body as MiResponse;
  const results = Array.isArray(response.results) ? response.results : [];
  const failed = results.find(
    (r) => r?.errorMessage !== undefined || r?.errorType !== undefined || r?.errorCode !== undefined,
  );
  if (failed !== undefined || count(response.nrOfFailedTransactions) > 0) {
    const message = text(failed?.errorMessage) ?? 'the transaction failed without a message';
    throw new MlcError('MLC_MI_ERROR', `${call}: ${message}`, {
      field: text(failed?.errorField),
      details: { errorType: failed?.errorType, errorCode: failed?.errorCode, errorField: failed?.errorField },
    });
  }
  if (truthy(response.wasTerminated)) {
    const reason = text(response.terminationReason) ?? 'no reason given';
    throw new MlcError('MLC_MI_ERROR', `${call}: the MI call was terminated: ${reason}`, {
      details: { errorType: response.terminationErrorType },
    });
  }
  if (!Array.isArray(response.results)) {
    throw new MlcError('MLC_ION_MALFORMED_RESPONSE', `${call}: the MI response has no results`);
  }
  const records: MiRecord[] = [];
  results.forEach((result, r) => {
    const listed: unknown = result?.records ?? [];
    if (!Array.isArray(listed))
      throw new MlcError('MLC_ION_MALFORMED_RESPONSE', `${call}: results[${r}].records is not a list`);
    listed.forEach((record, i) => {
      // A record skipped here would be lost for good: the watermark moves past it with the rest of the page.
      const read = textRow(record);
      if (!('row' in read)) {
        throw new MlcError('MLC_ION_MALFORMED_RESPONSE', `${call}: results[${r}].records[${i}]: ${read.problem}`, {
          ...(read.field === undefined ? {} : { field: read.field }),
        });
      }
      records.push(read.row);
    });
  });
  return records;
}

/**
 * M3 MI REST v2 response bodies. Successful and failed transactions are both HTTP 200; a failure
 * shows as `nrOfFailedTransactions: 1` and the error fields on the result. `nrOfSuccessfullTransactions`
 * is spelled as M3 spells it.
 */
import type { MiRecord } from './m3-record-views.ts';

/** Error types m3api-rest reports (seen in field code: ServerReturnedNOK, TransactionNotFound, …). */
export type MiErrorType =
  | 'ServerReturnedNOK'
  | 'TransactionNotFound'
  | 'MandatoryInputFieldNotFound'
  | 'InputFieldTooLong';

export interface MiError {
  errorMessage: string;
  errorType: MiErrorType;
  errorCode?: string;
  errorField?: string;
}

export interface MiResult {
  transaction: string;
  records: MiRecord[];
  errorMessage?: string;
  errorType?: MiErrorType;
  errorCode?: string;
  errorField?: string;
}

export interface MiResponse {
  results: MiResult[];
  wasTerminated: boolean;
  nrOfSuccessfullTransactions: number;
  nrOfFailedTransactions: number;
}

export function miSuccess(transaction: string, records: MiRecord[]): MiResponse {
  return {
    results: [{ transaction, records }],
    wasTerminated: false,
    nrOfSuccessfullTransactions: 1,
    nrOfFailedTransactions: 0,
  };
}

export function miFailure(transaction: string, error: MiError): MiResponse {
  const result: MiResult = { transaction, errorMessage: error.errorMessage, errorType: error.errorType, records: [] };
  if (error.errorCode !== undefined) result.errorCode = error.errorCode;
  if (error.errorField !== undefined) result.errorField = error.errorField;
  return { results: [result], wasTerminated: false, nrOfSuccessfullTransactions: 0, nrOfFailedTransactions: 1 };
}

/** A record-not-found NOK, the answer of a Get transaction for an unknown key. */
export function recordNotFound(field: string, what: string, value: string): MiError {
  return {
    errorType: 'ServerReturnedNOK',
    errorCode: 'XRE0103',
    errorField: field,
    errorMessage: `${what} ${value} does not exist`,
  };
}

import { MlcError, type MlcErrorCode } from '@mlc/common/errors';

/**
 * What Zendesk said when it refused something: the HTTP status and the body verbatim, normalized across
 * the classic `{error, description, details}` and the newer `{errors:[{code,title,detail}]}` shapes.
 */
export interface ZendeskErrorInfo {
  status: number;
  /** `RecordInvalid`, `Forbidden`, `RecordNotFound`, the first `errors[].code`… */
  error: string;
  description: string;
  /** 422 field-level details (`{field: [{description, error}]}`) or the `errors` list, as sent. */
  details: unknown;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  const record = asRecord(value);
  if (record === undefined) return undefined;
  return text(record.title) ?? text(record.message) ?? text(record.description);
}

export function parseZendeskError(status: number, body: unknown): ZendeskErrorInfo {
  const record = asRecord(body);
  const list = Array.isArray(record?.errors) ? (record.errors as unknown[]) : undefined;
  if (list !== undefined) {
    const first = asRecord(list[0]);
    return {
      status,
      error: text(first?.code) ?? `HTTP ${status}`,
      description: text(first?.detail) ?? text(first?.title) ?? '',
      details: list,
    };
  }
  return {
    status,
    error: text(record?.error) ?? `HTTP ${status}`,
    description: text(record?.description) ?? text(record?.error_description) ?? textBody(body),
    details: record?.details ?? null,
  };
}

/** A non-JSON error body: an HTML page (a proxy's or Zendesk's outage page) by its title, other text as it is. */
function textBody(body: unknown): string {
  if (typeof body !== 'string') return '';
  if (!body.trimStart().startsWith('<')) return body.slice(0, 500);
  const title = /<title[^>]*>([^<]*)<\/title>/i.exec(body)?.[1]?.trim();
  return `an HTML page${title ? ` titled "${title.slice(0, 100)}"` : ''}, not JSON`;
}

/** 429 and 409 are worth another try, as is anything 5xx; every other 4xx will fail the same way again. */
export function isPermanentStatus(status: number): boolean {
  return status >= 400 && status < 500 && status !== 429 && status !== 409 && status !== 408;
}

/** Zendesk answers 403 to bulk endpoints when the account has bulk (data) import turned off. */
export function isBulkImportDisabled(info: ZendeskErrorInfo): boolean {
  return info.status === 403;
}

function codeFor(status: number): MlcErrorCode {
  if (status === 401) return 'MLC_ZENDESK_AUTH_FAILED';
  if (status === 403) return 'MLC_ZENDESK_BULK_REJECTED';
  return 'MLC_HTTP_UPSTREAM';
}

export class ZendeskRequestError extends MlcError {
  readonly zendesk: ZendeskErrorInfo;
  readonly permanent: boolean;
  readonly endpoint: string;

  constructor(endpoint: string, info: ZendeskErrorInfo, cause?: unknown, code: MlcErrorCode = codeFor(info.status)) {
    super(
      code,
      `Zendesk ${endpoint} answered ${info.status} ${info.error}${info.description ? `: ${info.description}` : ''}`,
      {
        details: info,
        cause,
      },
    );
    this.zendesk = info;
    this.permanent = isPermanentStatus(info.status);
    this.endpoint = endpoint;
  }
}

/** A network failure or timeout: no answer, so whether Zendesk acted is unknown. */
export function transportError(endpoint: string, cause: unknown): ZendeskRequestError {
  const message = cause instanceof Error ? cause.message : String(cause);
  return new ZendeskRequestError(
    endpoint,
    { status: 0, error: 'TransportError', description: message, details: null },
    cause,
  );
}

/**
 * An answer that cannot be read: not JSON (cut short, an HTML page), over the size limit, or without the
 * keys the call needs. Not permanent: Zendesk never judged the record, and may well have acted on it.
 * The code is also the posting's error, so the audit and the DLQ entry name it.
 */
export function malformedResponse(endpoint: string, status: number, problem: string): ZendeskRequestError {
  return new ZendeskRequestError(
    endpoint,
    { status, error: 'MLC_ZENDESK_MALFORMED_RESPONSE', description: `the answer was ${problem}`, details: null },
    undefined,
    'MLC_ZENDESK_MALFORMED_RESPONSE',
  );
}

import { MlcError } from '@mlc/common/errors';

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
    description:
      text(record?.description) ??
      text(record?.error_description) ??
      (typeof body === 'string' ? body.slice(0, 500) : ''),
    details: record?.details ?? null,
  };
}

/** 429 and 409 are worth another try, as is anything 5xx; every other 4xx will fail the same way again. */
export function isPermanentStatus(status: number): boolean {
  return status >= 400 && status < 500 && status !== 429 && status !== 409 && status !== 408;
}

/** Zendesk answers 403 to bulk endpoints when the account has bulk (data) import turned off. */
export function isBulkImportDisabled(info: ZendeskErrorInfo): boolean {
  return info.status === 403;
}

export class ZendeskRequestError extends MlcError {
  readonly zendesk: ZendeskErrorInfo;
  readonly permanent: boolean;
  readonly endpoint: string;

  constructor(endpoint: string, info: ZendeskErrorInfo, cause?: unknown) {
    const code =
      info.status === 401
        ? 'MLC_ZENDESK_AUTH_FAILED'
        : info.status === 403
          ? 'MLC_ZENDESK_BULK_REJECTED'
          : 'MLC_HTTP_UPSTREAM';
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

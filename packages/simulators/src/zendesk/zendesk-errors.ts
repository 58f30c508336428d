// The error bodies the real Zendesk Support API answers with (DESIGN.md §4). Every error the simulator
// raises is built here so the shapes stay consistent and easy to compare with the real service.
// Where the exact wording of the real body is not documented, the text says so and the shape follows
// the documented family (classic `{error, description}` or newer `{errors: [{code, title, detail}]}`).

export type ZendeskErrorBody = Record<string, unknown>;

export class ZendeskHttpError extends Error {
  readonly statusCode: number;
  readonly body: ZendeskErrorBody;
  readonly headers: Record<string, string>;

  constructor(statusCode: number, body: ZendeskErrorBody, headers: Record<string, string> = {}) {
    super(typeof body.error === 'string' ? body.error : `HTTP ${statusCode}`);
    this.statusCode = statusCode;
    this.body = body;
    this.headers = headers;
  }
}

export interface FieldErrorDetail {
  description: string;
  error: string;
  field_key?: string | number;
}

export const BULK_LIMIT = 100;

export const zendeskErrors = {
  couldNotAuthenticate: () => new ZendeskHttpError(401, { error: "Couldn't authenticate you" }),
  invalidToken: () =>
    new ZendeskHttpError(401, {
      error: 'invalid_token',
      error_description: 'The access token provided is expired, revoked, malformed or invalid for other reasons.',
    }),
  forbidden: (
    description = 'You do not have access to this page. Please contact the account owner of this help desk for further help.',
  ) => new ZendeskHttpError(403, { error: 'Forbidden', description }),
  // Wording from third-party transcriptions of the Create Many Users docs ("Data imports are not enabled").
  bulkImportDisabled: () =>
    new ZendeskHttpError(403, { error: 'Forbidden', description: 'Data imports are not enabled' }),
  recordNotFound: () => new ZendeskHttpError(404, { error: 'RecordNotFound', description: 'Not found' }),
  invalidEndpoint: () => new ZendeskHttpError(404, { error: 'InvalidEndpoint', description: 'Not found' }),
  recordInvalid: (details: Record<string, FieldErrorDetail[]>) =>
    new ZendeskHttpError(422, { error: 'RecordInvalid', description: 'Record validation errors', details }),
  // The real API answers 422 to more than 100 items on bulk endpoints (seen on recover_many, reported in
  // cloudbees-oss/zendesk-java-client#384); the body's wording is not documented.
  tooManyRecords: (received: number) =>
    new ZendeskHttpError(422, {
      error: 'InvalidValue',
      description: `Too many records: ${received} given, at most ${BULK_LIMIT} allowed per request`,
    }),
  invalidParameter: (description: string) => new ZendeskHttpError(400, { error: 'InvalidParameter', description }),
  unparsableJson: () => new ZendeskHttpError(400, { error: 'InvalidJSON', description: 'Server could not parse JSON' }),
  updateConflict: () =>
    new ZendeskHttpError(409, {
      error: 'UpdateConflict',
      description:
        'Safe Update prevented the update due to outdated ticket data. Please fetch the latest ticket data and try again.',
    }),
  searchResponseLimit: () =>
    new ZendeskHttpError(422, {
      error: 'invalid',
      description: 'Invalid search: Requested response size was greater than Search Response Limits',
    }),
  rateLimited: (retryAfterSec: number, description = 'Number of allowed API requests per minute exceeded') =>
    new ZendeskHttpError(429, { error: 'APIRateLimitExceeded', description }, { 'retry-after': String(retryAfterSec) }),
  tooManyJobs: (retryAfterSec: number) =>
    new ZendeskHttpError(
      429,
      { error: 'TooManyJobs', description: 'Number of allowed queued jobs exceeded' },
      { 'retry-after': String(retryAfterSec) },
    ),
  serverError: (statusCode: number) =>
    new ZendeskHttpError(statusCode, { error: 'ServerError', description: 'Simulated server failure' }),

  // Newer endpoints (custom objects) answer with a JSON:API-like error list.
  errorList: (statusCode: number, errors: { code: string; title: string; detail?: string; source?: unknown }[]) =>
    new ZendeskHttpError(statusCode, { errors }),
  customObjectNotFound: (detail = 'Custom object not found') =>
    new ZendeskHttpError(404, { errors: [{ code: 'NotFound', status: '404', title: 'Not Found', detail }] }),
  customObjectRecordNotFound: () =>
    new ZendeskHttpError(404, {
      errors: [{ code: 'RecordNotFound', status: '404', title: 'Not Found', detail: 'Record not found' }],
    }),
};

// OAuth errors of POST /oauth/tokens (RFC 6749 §5.2 codes with the descriptions Zendesk's Doorkeeper emits).
export const oauthErrors = {
  invalidClient: () =>
    new ZendeskHttpError(401, {
      error: 'invalid_client',
      error_description:
        'Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.',
    }),
  invalidGrant: () =>
    new ZendeskHttpError(400, {
      error: 'invalid_grant',
      error_description:
        'The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.',
    }),
  unsupportedGrantType: () =>
    new ZendeskHttpError(400, {
      error: 'unsupported_grant_type',
      error_description: 'The authorization grant type is not supported by the authorization server.',
    }),
  invalidScope: () =>
    new ZendeskHttpError(400, {
      error: 'invalid_scope',
      error_description: 'The requested scope is invalid, unknown, or malformed.',
    }),
  invalidRequest: (detail: string) =>
    new ZendeskHttpError(400, {
      error: 'invalid_request',
      error_description: `The request is missing a required parameter, includes an unsupported parameter value, or is otherwise malformed. ${detail}`,
    }),
};

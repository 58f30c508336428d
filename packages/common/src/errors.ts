/**
 * The one catalog of errors the connector raises. Callers throw by code, tests assert on codes, and the
 * admin API turns an MlcError into a response with its statusCode, code and field. Messages never carry
 * secret values: name the variable, key or field instead.
 */
export const ERROR_CATALOG = {
  MLC_CONFIG_INVALID: { statusCode: 500, description: 'The environment has missing or invalid variables' },
  MLC_KAFKA_UNREACHABLE: { statusCode: 503, description: 'No Kafka broker answered within the startup timeout' },
  MLC_KAFKA_AUTH_FAILED: { statusCode: 503, description: 'The Kafka brokers refused the SASL credentials' },
  MLC_KAFKA_TLS_FAILED: {
    statusCode: 503,
    description: "The Kafka brokers' TLS certificate was not trusted or the TLS handshake failed",
  },
  MLC_REGISTRY_UNREACHABLE: { statusCode: 503, description: 'The schema registry did not answer' },
  MLC_SCHEMA_INCOMPATIBLE: { statusCode: 409, description: 'The registry rejected a schema as incompatible' },
  MLC_REGISTRY_MISCONFIGURED: { statusCode: 500, description: 'A registry subject has the wrong compatibility level' },
  MLC_SCHEMA_INVALID: { statusCode: 500, description: 'A value does not match its Avro schema' },
  MLC_TOPIC_MISCONFIGURED: { statusCode: 500, description: 'An existing topic has configs other than declared' },
  MLC_DB_UNREACHABLE: { statusCode: 503, description: 'PostgreSQL did not answer' },
  MLC_MIGRATION_FAILED: { statusCode: 500, description: 'A schema migration failed' },
  MLC_IONAPI_MISSING_KEY: { statusCode: 400, description: 'A required key is missing from the .ionapi file' },
  MLC_IONAPI_INVALID_VALUE: { statusCode: 400, description: 'A .ionapi key has an unusable value' },
  MLC_IONAPI_NOT_JSON: { statusCode: 400, description: 'The .ionapi file is not JSON' },
  MLC_VAULT_KEY_UNKNOWN: {
    statusCode: 500,
    description: 'Ciphertext was wrapped by a master key that is not configured',
  },
  MLC_VAULT_DECRYPT_FAILED: { statusCode: 500, description: 'Ciphertext could not be decrypted' },
  MLC_HTTP_RETRIES_EXHAUSTED: { statusCode: 502, description: 'An upstream call kept failing after every retry' },
  MLC_HTTP_UPSTREAM: { statusCode: 502, description: 'An upstream answered with an error' },
  MLC_ION_AUTH_FAILED: { statusCode: 502, description: 'The ION API token endpoint refused the credentials' },
  MLC_MI_ERROR: { statusCode: 502, description: 'An M3 MI transaction reported a failure' },
  MLC_CSI_ERROR: { statusCode: 502, description: 'A CloudSuite Industrial IDO request reported a failure' },
  MLC_ION_MALFORMED_RESPONSE: {
    statusCode: 502,
    description: 'An ION API answer could not be read: not JSON (cut short, an HTML page), or rows missing or not text',
  },
  MLC_ERP_RECORD_INVALID: {
    statusCode: 422,
    description: 'An ERP record cannot become an entity payload (missing key, bad value); it is dead-lettered',
  },
  MLC_ZENDESK_AUTH_FAILED: { statusCode: 502, description: 'Zendesk refused the OAuth client or token' },
  MLC_ZENDESK_BULK_REJECTED: { statusCode: 502, description: 'Zendesk rejected a bulk request as a whole' },
  MLC_ZENDESK_ITEM_FAILED: { statusCode: 502, description: 'Zendesk reported a failure for one item of a job' },
  MLC_ZENDESK_MALFORMED_RESPONSE: {
    statusCode: 502,
    description: 'A Zendesk answer could not be read: not JSON (cut short, an HTML page), too large, or keys missing',
  },
  MLC_DEPENDENCY_FAILED: {
    statusCode: 424,
    description: 'Not sent: a record it links to (a supplier organization) was refused by Zendesk',
  },
  MLC_VALIDATION: { statusCode: 400, description: 'A request or input value is invalid' },
  MLC_NOT_FOUND: { statusCode: 404, description: 'The resource does not exist' },
  MLC_CONFLICT: { statusCode: 409, description: 'The resource exists or changed concurrently' },
  MLC_UNAUTHORIZED: { statusCode: 401, description: 'Missing or invalid bearer token' },
  MLC_FORBIDDEN: { statusCode: 403, description: 'The token may not act on this resource' },
  MLC_UNSUPPORTED_MEDIA_TYPE: {
    statusCode: 415,
    description: 'The request body has a content type the route does not take',
  },
  MLC_PAYLOAD_TOO_LARGE: { statusCode: 413, description: 'The request body exceeds the size limit' },
  MLC_CONTROL_UNAVAILABLE: { statusCode: 503, description: 'Control messages cannot be sent: no Kafka producer' },
  MLC_INTERNAL: { statusCode: 500, description: 'An unexpected error; details are in the service log' },
} as const satisfies Record<string, { statusCode: number; description: string }>;

export type MlcErrorCode = keyof typeof ERROR_CATALOG;

export interface MlcErrorOptions {
  statusCode?: number;
  /** The input field, variable or key at fault, for 4xx bodies and config reports. */
  field?: string;
  details?: unknown;
  cause?: unknown;
}

export class MlcError extends Error {
  readonly code: MlcErrorCode;
  readonly statusCode: number;
  readonly field: string | undefined;
  readonly details: unknown;

  constructor(code: MlcErrorCode, message: string, options: MlcErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MlcError';
    this.code = code;
    this.statusCode = options.statusCode ?? ERROR_CATALOG[code].statusCode;
    this.field = options.field;
    this.details = options.details;
  }
}

export function isMlcError(error: unknown, code?: MlcErrorCode): error is MlcError {
  return error instanceof MlcError && (code === undefined || error.code === code);
}

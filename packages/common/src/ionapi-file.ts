import { MlcError } from './errors.ts';

/**
 * A CloudSuite `.ionapi` file (DESIGN.md §3), as downloaded from ION API Gateway "Authorized Apps".
 * Key names are Infor's; values are trimmed. Only the keys a backend service needs are required.
 */
export interface IonApiFile {
  /** Tenant, e.g. `ACME_PRD`. */
  ti: string;
  /** Application name. */
  cn?: string;
  /** Application type: "12" is a backend service. */
  dt?: string;
  /** OAuth client id (not secret). */
  ci: string;
  /** OAuth client secret. */
  cs: string;
  /** ION API base URL, e.g. `https://mingle-ionapi.eu1.inforcloudsuite.com` (on-premises may carry a port). */
  iu: string;
  /** Authorization server base URL, e.g. `https://mingle-sso.inforcloudsuite.com:443/ACME_PRD/as/`. */
  pu: string;
  /** Authorize path (cloud `authorization.oauth2`, on-premises `connect/authorize`). */
  oa?: string;
  /** Token path (cloud `token.oauth2`, on-premises `connect/token`). */
  ot: string;
  /** Revoke path (cloud `revoke_token.oauth2`, on-premises `connect/revocation`). */
  or?: string;
  ev?: string;
  /** File version, "1.0" or "1.1". */
  v?: string;
  /** Scopes (version 1.1). */
  sc?: string[];
  /** Service account access key, already prefixed `TENANT#`: used as the password-grant username unchanged. */
  saak: string;
  /** Service account secret key: the password-grant password. */
  sask: string;
  /** Redirect URL (web apps). */
  ru?: string;
}

/** Non-secret facts about a `.ionapi` file, safe for API responses and logs. */
export interface IonApiFileDescription {
  tenant: string;
  applicationName: string | undefined;
  applicationType: string | undefined;
  clientId: string;
  ionApiUrl: string;
  authServerUrl: string;
  tokenUrl: string;
  hasServiceAccount: boolean;
  version: string | undefined;
}

const REQUIRED_KEYS = ['ti', 'ci', 'cs', 'iu', 'pu', 'ot', 'saak', 'sask'] as const;
const OPTIONAL_STRING_KEYS = ['cn', 'dt', 'oa', 'or', 'ev', 'v', 'ru'] as const;
const URL_KEYS = new Set<string>(['iu', 'pu']);

const KEY_MEANINGS: Record<string, string> = {
  ti: 'tenant',
  ci: 'client id',
  cs: 'client secret',
  iu: 'ION API URL',
  pu: 'authorization server URL',
  ot: 'token path',
  saak: 'service account access key',
  sask: 'service account secret key',
};

function notJson(message: string): MlcError {
  return new MlcError('MLC_IONAPI_NOT_JSON', `.ionapi file ${message}`);
}

function missingKey(key: string): MlcError {
  const meaning = KEY_MEANINGS[key];
  const hint =
    key === 'saak' || key === 'sask' ? ' (download the file for a backend service app with a service account)' : '';
  return new MlcError(
    'MLC_IONAPI_MISSING_KEY',
    `.ionapi file is missing required key '${key}'${meaning ? ` (${meaning})` : ''}${hint}`,
    { field: key },
  );
}

// The offending value is never echoed: several keys are secrets and the rest do not need to be.
function invalidValue(key: string, problem: string): MlcError {
  return new MlcError('MLC_IONAPI_INVALID_VALUE', `.ionapi key '${key}' ${problem}`, { field: key });
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

/**
 * The text of a `.ionapi` file's bytes. The gateway download is UTF-8; Windows editors save it again as
 * UTF-16 ("Unicode", little-endian, or "Unicode big endian"), always with a byte order mark.
 */
export function decodeIonApiBytes(input: Uint8Array): string {
  const bytes = Buffer.from(input);
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return bytes.toString('utf16le');
  if (bytes[0] === 0xfe && bytes[1] === 0xff) {
    // swap16 needs whole code units: a truncated file's odd last byte is dropped (the JSON is broken anyway).
    return Buffer.from(bytes.subarray(0, bytes.length - (bytes.length % 2)))
      .swap16()
      .toString('utf16le');
  }
  return bytes.toString('utf8');
}

function toRecord(input: string | Uint8Array | object): Record<string, unknown> {
  let value: unknown = input;
  if (typeof input === 'string' || input instanceof Uint8Array) {
    const text = (typeof input === 'string' ? input : decodeIonApiBytes(input)).replace(/^\uFEFF/, '').trim();
    if (text === '') throw notJson('is empty');
    try {
      value = JSON.parse(text);
    } catch {
      // JSON.parse's message quotes the input, which holds secrets: report only what kind of text it was.
      const looksLike = text.startsWith('<') ? ' (it looks like XML or HTML)' : '';
      throw notJson(`is not valid JSON${looksLike}`);
    }
  }
  // Parsed once only: a file holding its content as one JSON string (double-encoded) is not a .ionapi file.
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw notJson(`must be a JSON object, got ${describeType(value)}`);
  }
  return value as Record<string, unknown>;
}

function readString(record: Record<string, unknown>, key: string, required: boolean): string | undefined {
  const raw = record[key];
  if (raw === undefined || raw === null) {
    if (required) throw missingKey(key);
    return undefined;
  }
  // Hand-edited files sometimes carry "dt": 12 or "v": 1.1; numbers are unambiguous there, never for secrets.
  if (typeof raw === 'number' && !required && Number.isFinite(raw)) return String(raw);
  if (typeof raw !== 'string') throw invalidValue(key, `must be a string, got ${describeType(raw)}`);
  const value = raw.trim();
  if (value === '') {
    if (required) throw invalidValue(key, 'must not be empty');
    return undefined;
  }
  return value;
}

function checkUrl(key: string, value: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalidValue(key, 'must be an absolute http(s) URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalidValue(key, 'must be an http(s) URL');
  if (url.username || url.password) throw invalidValue(key, 'must not carry credentials');
}

function readScopes(record: Record<string, unknown>): string[] | undefined {
  const raw = record.sc;
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw === 'string') return raw.split(/[\s,]+/).filter((s) => s !== '');
  if (Array.isArray(raw) && raw.every((s) => typeof s === 'string')) {
    return raw.map((s) => s.trim()).filter((s) => s !== '');
  }
  throw invalidValue('sc', `must be a string or a list of strings, got ${describeType(raw)}`);
}

/**
 * Parses and validates a `.ionapi` file given as text, bytes or already-parsed JSON.
 * Tolerates a BOM, surrounding whitespace, whitespace around values, unknown keys and both cloud and
 * on-premises layouts; throws MlcError `MLC_IONAPI_NOT_JSON`, `MLC_IONAPI_MISSING_KEY` or
 * `MLC_IONAPI_INVALID_VALUE` with `field` set to the offending key. Messages never contain values.
 */
export function parseIonApiFile(input: string | Uint8Array | object): IonApiFile {
  const record = toRecord(input);
  const required = {} as Record<(typeof REQUIRED_KEYS)[number], string>;
  for (const key of REQUIRED_KEYS) required[key] = readString(record, key, true)!;
  for (const key of URL_KEYS) checkUrl(key, required[key as 'iu' | 'pu']);
  if (/[/?#\s]/.test(required.ti)) throw invalidValue('ti', 'must be a tenant name without "/", "?", "#" or spaces');

  const file: IonApiFile = { ...required };
  for (const key of OPTIONAL_STRING_KEYS) {
    const value = readString(record, key, false);
    if (value !== undefined) file[key] = value;
  }
  const scopes = readScopes(record);
  if (scopes !== undefined) file.sc = scopes;
  return file;
}

/** Joins a base URL and a path with exactly one `/`; an absolute path URL is used as it is. */
export function joinUrl(base: string, path: string): string {
  if (/^https?:\/\//i.test(path)) return path;
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

/** Token URL: `pu` + `ot` (cloud `…/as/token.oauth2`, on-premises `…/connect/token`). */
export function ionTokenUrl(file: IonApiFile): string {
  return joinUrl(file.pu, file.ot);
}

/** Revoke URL: `pu` + `or`, undefined when the file has no revoke path. */
export function ionRevokeUrl(file: IonApiFile): string | undefined {
  return file.or === undefined ? undefined : joinUrl(file.pu, file.or);
}

/** Tenant API base: `iu` + `/` + `ti`; product paths (`M3/m3api-rest/v2`, `CSI/IDORequestService`) go after it. */
export function ionApiBaseUrl(file: IonApiFile): string {
  return joinUrl(file.iu, encodeURIComponent(file.ti));
}

export function describeIonApiFile(file: IonApiFile): IonApiFileDescription {
  return {
    tenant: file.ti,
    applicationName: file.cn,
    applicationType: file.dt,
    clientId: file.ci,
    ionApiUrl: file.iu,
    authServerUrl: file.pu,
    tokenUrl: ionTokenUrl(file),
    hasServiceAccount: file.saak !== '' && file.sask !== '',
    version: file.v,
  };
}

/**
 * Masks secrets before text or objects reach an error message, a log line or an API response.
 * Upstream error bodies are echoed to operators ("the upstream error verbatim but redacted"), and
 * token endpoints happily reflect what they were sent, so both known secret values and well-known
 * secret fields are masked.
 */

export const REDACTED = '[REDACTED]';

/** Field names (compared case-insensitively, ignoring `_`/`-`) whose values are always secret. */
export const SECRET_FIELD_NAMES: readonly string[] = [
  'access_token',
  'refresh_token',
  'id_token',
  'client_secret',
  'password',
  'sask',
  'saak',
  'cs',
  'token',
  'api_token',
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'secret',
];

const SECRET_FIELD_KEYS = new Set(SECRET_FIELD_NAMES.map(normalizeFieldName));

// Secrets shorter than this are not searched for in free text: masking every "ab" would destroy the text
// while protecting nothing (such a value is not a credential).
const MIN_SECRET_LENGTH = 4;

function normalizeFieldName(name: string): string {
  return name.toLowerCase().replace(/[-_\s]/g, '');
}

export function isSecretFieldName(name: string): boolean {
  return SECRET_FIELD_KEYS.has(normalizeFieldName(name));
}

/**
 * Replaces every occurrence of each secret value in `text`, including its URL-encoded and JSON-escaped
 * forms (a form-encoded token request echoed back carries `password=a%2Bb`).
 */
export function redactSecrets(text: string, secrets: readonly (string | null | undefined)[]): string {
  const variants = new Set<string>();
  for (const secret of secrets) {
    if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) continue;
    variants.add(secret);
    variants.add(encodeURIComponent(secret));
    variants.add(new URLSearchParams({ s: secret }).toString().slice(2));
    variants.add(JSON.stringify(secret).slice(1, -1));
  }
  // Longest first so a secret containing another secret is masked as a whole.
  const ordered = [...variants].filter((v) => v.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
  let result = text;
  for (const variant of ordered) result = result.split(variant).join(REDACTED);
  return result;
}

/**
 * Deep copy of `value` with the values of secret fields replaced by `[REDACTED]`.
 * Handles arrays, nested objects and cycles; non-plain values (Date, Buffer…) are kept as they are.
 */
export function redactSecretFields<T>(value: T, extraFieldNames: readonly string[] = []): T {
  const extra = new Set(extraFieldNames.map(normalizeFieldName));
  const seen = new WeakMap<object, unknown>();
  const walk = (node: unknown): unknown => {
    if (node === null || typeof node !== 'object') return node;
    const cached = seen.get(node);
    if (cached !== undefined) return cached;
    if (Array.isArray(node)) {
      const copy: unknown[] = [];
      seen.set(node, copy);
      for (const item of node) copy.push(walk(item));
      return copy;
    }
    const proto = Object.getPrototypeOf(node);
    if (proto !== Object.prototype && proto !== null) return node;
    const copy: Record<string, unknown> = {};
    seen.set(node, copy);
    for (const [key, child] of Object.entries(node)) {
      const normalized = normalizeFieldName(key);
      copy[key] = SECRET_FIELD_KEYS.has(normalized) || extra.has(normalized) ? REDACTED : walk(child);
    }
    return copy;
  };
  return walk(value) as T;
}

const SECRET_KEY_PATTERN = SECRET_FIELD_NAMES.map((name) => name.replace(/[-_]/g, '[-_]?')).join('|');
// "access_token": "…"  (JSON, possibly inside HTML or a log line)
const JSON_FIELD_RE = new RegExp(`("(?:${SECRET_KEY_PATTERN})"\\s*:\\s*)"(?:[^"\\\\]|\\\\.)*"`, 'gi');
// access_token=…  (form-encoded bodies and query strings)
const FORM_FIELD_RE = new RegExp(`(^|[?&\\s;,])((?:${SECRET_KEY_PATTERN})=)[^&\\s;,"']*`, 'gi');
// Authorization header values
const AUTH_SCHEME_RE = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{4,}/g;

/**
 * Redacts free text of unknown shape (an upstream body: JSON, HTML, form-encoded, plain):
 * known secret values, secret JSON/form fields and `Bearer …`/`Basic …` credentials.
 */
export function redactText(text: string, secrets: readonly (string | null | undefined)[] = []): string {
  return redactSecrets(text, secrets)
    .replace(JSON_FIELD_RE, `$1"${REDACTED}"`)
    .replace(FORM_FIELD_RE, `$1$2${REDACTED}`)
    .replace(AUTH_SCHEME_RE, `$1 ${REDACTED}`);
}

/** A redacted, length-bounded excerpt of an upstream body, safe for error messages and API responses. */
export function redactedSnippet(
  body: unknown,
  secrets: readonly (string | null | undefined)[] = [],
  maxLength = 2048,
): string {
  let text: string;
  if (typeof body === 'string') text = body;
  else if (body === undefined) text = '';
  else {
    try {
      text = JSON.stringify(redactSecretFields(body)) ?? '';
    } catch {
      text = String(body);
    }
  }
  // Redact before the final cut (a cut secret would no longer match), but never scan a 10 MB garbage body whole.
  const redacted = redactText(text.length > maxLength * 4 ? text.slice(0, maxLength * 4) : text, secrets);
  return redacted.length > maxLength || text.length > maxLength * 4
    ? `${redacted.slice(0, maxLength)}…[truncated, ${text.length} chars]`
    : redacted;
}

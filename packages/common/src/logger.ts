import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';

export type { Logger } from 'pino';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** Keys whose values are credentials wherever they appear: ION `.ionapi` keys, OAuth fields, Zendesk tokens. */
export const SECRET_KEYS = [
  'password',
  'passwd',
  'secret',
  'client_secret',
  'clientSecret',
  'cs',
  'sask',
  'saak',
  'access_token',
  'accessToken',
  'refresh_token',
  'refreshToken',
  'id_token',
  'token',
  'apiToken',
  'api_token',
  'bearerToken',
  'bootstrapToken',
  'masterKey',
  'masterKeys',
  'dataKey',
  'privateKey',
  'ionapi',
  'credentials',
  'authorization',
  'Authorization',
  'cookie',
  'Cookie',
  'set-cookie',
  'x-api-key',
  'proxy-authorization',
] as const;

/** Objects nest secrets at various depths (request headers, error causes, tenant bodies); cover four. */
const DEPTHS = ['', '*.', '*.*.', '*.*.*.', '*.*.*.*.'];

function redactPath(prefix: string, key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${prefix}${key}` : `${prefix}["${key}"]`;
}

export const REDACTED_PATHS: readonly string[] = DEPTHS.flatMap((prefix) =>
  SECRET_KEYS.map((key) => redactPath(prefix, key)),
);

export const REDACTION_CENSOR = '[REDACTED]';

export interface CreateLoggerOptions {
  name: string;
  level?: LogLevel;
  /** Where JSON lines go; stdout by default. Tests pass a stream to read them back. */
  destination?: DestinationStream;
}

export function createLogger({ name, level = 'info', destination }: CreateLoggerOptions): Logger {
  const options: LoggerOptions = {
    name,
    level,
    redact: { paths: [...REDACTED_PATHS], censor: REDACTION_CENSOR },
    base: { service: name },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}

export interface LogContext {
  tenantId: string;
  entity?: string;
  runId?: string;
}

/** A child logger whose every line carries the tenant (and entity and run when known). */
export function contextLogger(logger: Logger, context: LogContext): Logger {
  return logger.child(context);
}

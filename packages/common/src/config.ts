import { MlcError } from './errors.ts';

/**
 * Declarative configuration in the manner of Kafka Connect's ConfigDef: every variable is declared once
 * (environment name, type, default, validation, description, secrecy); validation at start and the
 * README's configuration table are both derived from the declarations.
 */
export type ConfigEnv = Readonly<Record<string, string | undefined>>;

export type ConfigType = 'string' | 'int' | 'url' | 'enum' | 'boolean' | 'list' | 'duration';

type ParseResult<T> = { ok: true; value: T } | { ok: false; reason: string };

export interface ConfigVar<T> {
  readonly env: string;
  readonly type: ConfigType;
  readonly description: string;
  readonly secret: boolean;
  readonly default: T | undefined;
  /** Absent and no default → undefined instead of an error (see `optional`). */
  readonly optional: boolean;
  /** For optional variables that become required depending on another one; the string says when. */
  readonly requiredWhen: { when: string; test: (env: ConfigEnv) => boolean } | undefined;
  /** Human description of the accepted values, for errors and the README table. */
  readonly accepts: string;
  // Method syntax keeps ConfigVar<string> assignable to ConfigVar<unknown> (parameters are bivariant).
  parse(raw: string): ParseResult<T>;
  /** Returns why the parsed value is unacceptable, or undefined. */
  validate(value: T, env: ConfigEnv): string | undefined;
  /** How a value is shown in the README and in errors; never called for secrets. */
  show(value: T): string;
}

export type ConfigDefinitions = Readonly<Record<string, ConfigVar<unknown>>>;

export type ConfigValues<D extends ConfigDefinitions> = {
  readonly [K in keyof D]: D[K] extends ConfigVar<infer T> ? T : never;
};

interface VarOptions<T> {
  env: string;
  description: string;
  default?: T;
  secret?: boolean;
  validate?: (value: T, env: ConfigEnv) => string | undefined;
}

function defineVar<T>(
  options: VarOptions<T>,
  type: ConfigType,
  accepts: string,
  parse: (raw: string) => ParseResult<T>,
  show: (value: T) => string = String,
): ConfigVar<T> {
  return {
    env: options.env,
    type,
    description: options.description,
    secret: options.secret ?? false,
    default: options.default,
    optional: false,
    requiredWhen: undefined,
    accepts,
    parse,
    validate: options.validate ?? (() => undefined),
    show,
  };
}

export function stringVar(options: VarOptions<string> & { pattern?: RegExp; patternHint?: string }): ConfigVar<string> {
  const { pattern, patternHint } = options;
  return defineVar(options, 'string', patternHint ?? 'text', (raw) =>
    pattern === undefined || pattern.test(raw)
      ? { ok: true, value: raw }
      : { ok: false, reason: `must be ${patternHint ?? `text matching ${pattern}`}` },
  );
}

export function intVar(options: VarOptions<number> & { min?: number; max?: number }): ConfigVar<number> {
  const { min, max } = options;
  const range = [min === undefined ? '' : `>= ${min}`, max === undefined ? '' : `<= ${max}`]
    .filter(Boolean)
    .join(' and ');
  const accepts = range === '' ? 'integer' : `integer ${range}`;
  return defineVar(options, 'int', accepts, (raw) => {
    const value = /^-?\d+$/.test(raw.trim()) ? Number(raw) : Number.NaN;
    if (!Number.isSafeInteger(value) || (min !== undefined && value < min) || (max !== undefined && value > max)) {
      return { ok: false, reason: `must be an ${accepts}` };
    }
    return { ok: true, value };
  });
}

/** Replaces the password of a URL so that it can be shown. */
export function redactUrlPassword(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.password === '') return raw;
    url.password = '***';
    return url.toString();
  } catch {
    return '(unparseable URL)';
  }
}

export function urlVar(options: VarOptions<string> & { protocols: readonly string[] }): ConfigVar<string> {
  const protocols = options.protocols;
  const accepts = `${protocols.join('|')} URL`;
  return defineVar(
    options,
    'url',
    accepts,
    (raw) => {
      let url: URL;
      try {
        url = new URL(raw);
      } catch {
        return { ok: false, reason: `must be a ${accepts}` };
      }
      const protocol = url.protocol.replace(/:$/, '');
      return protocols.includes(protocol)
        ? { ok: true, value: raw.replace(/\/+$/, '') }
        : { ok: false, reason: `must be a ${accepts}, not ${protocol}:` };
    },
    redactUrlPassword,
  );
}

export function enumVar<const C extends readonly string[]>(
  options: VarOptions<C[number]> & { choices: C },
): ConfigVar<C[number]> {
  const choices = options.choices;
  return defineVar(options, 'enum', choices.join(' | '), (raw) => {
    const value = raw.trim().toLowerCase();
    return choices.includes(value)
      ? { ok: true, value: value as C[number] }
      : { ok: false, reason: `must be one of ${choices.join(', ')}` };
  });
}

const TRUE_WORDS = ['true', '1', 'yes', 'on'];
const FALSE_WORDS = ['false', '0', 'no', 'off'];

export function booleanVar(options: VarOptions<boolean>): ConfigVar<boolean> {
  return defineVar(options, 'boolean', 'true | false', (raw) => {
    const word = raw.trim().toLowerCase();
    if (TRUE_WORDS.includes(word)) return { ok: true, value: true };
    if (FALSE_WORDS.includes(word)) return { ok: true, value: false };
    return { ok: false, reason: 'must be true or false' };
  });
}

export function listVar(options: VarOptions<readonly string[]>): ConfigVar<readonly string[]> {
  return defineVar(
    options,
    'list',
    'comma-separated list',
    (raw) => {
      const items = raw.split(',').map((item) => item.trim());
      return items.some((item) => item === '')
        ? { ok: false, reason: 'must be a comma-separated list without empty items' }
        : { ok: true, value: items };
    },
    (value) => value.join(','),
  );
}

const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Durations are milliseconds; a unit suffix (ms, s, m, h, d) is accepted for readability. */
export function durationVar(options: VarOptions<number> & { min?: number }): ConfigVar<number> {
  const min = options.min ?? 0;
  return defineVar(options, 'duration', 'milliseconds, or a number with ms|s|m|h|d', (raw) => {
    const match = /^(\d+)\s*(ms|s|m|h|d)?$/.exec(raw.trim());
    const value = match ? Number(match[1]) * (DURATION_UNITS_MS[match[2] ?? 'ms'] ?? 1) : Number.NaN;
    if (!Number.isSafeInteger(value) || value < min) {
      return { ok: false, reason: `must be a duration >= ${min} ms (e.g. 5000, 30s, 5m)` };
    }
    return { ok: true, value };
  });
}

/** An optional variable yields undefined when absent; `requiredWhen` makes it required depending on others. */
export function optional<T>(
  variable: ConfigVar<T>,
  requiredWhen?: { when: string; test: (env: ConfigEnv) => boolean },
): ConfigVar<T | undefined> {
  return { ...(variable as ConfigVar<T | undefined>), optional: true, requiredWhen };
}

export interface ConfigProblem {
  variable: string;
  reason: string;
}

function rawValue(env: ConfigEnv, name: string): string | undefined {
  const raw = env[name];
  return raw === undefined || raw.trim() === '' ? undefined : raw;
}

function describeBadValue(variable: ConfigVar<unknown>, raw: string): string {
  if (variable.secret) return '';
  const shown = variable.type === 'url' ? redactUrlPassword(raw) : raw;
  return ` (got ${JSON.stringify(shown.length > 80 ? `${shown.slice(0, 80)}…` : shown)})`;
}

/**
 * Reads and validates every declared variable. Collects all problems and throws one MlcError
 * (MLC_CONFIG_INVALID) that names each bad or missing variable and why; secret values are never echoed.
 */
export function loadConfig<D extends ConfigDefinitions>(definitions: D, env: ConfigEnv = process.env): ConfigValues<D> {
  const values: Record<string, unknown> = {};
  const problems: ConfigProblem[] = [];
  for (const [key, variable] of Object.entries(definitions)) {
    const raw = rawValue(env, variable.env);
    if (raw === undefined) {
      if (variable.default !== undefined) {
        values[key] = variable.default;
      } else if (variable.requiredWhen?.test(env)) {
        problems.push({ variable: variable.env, reason: `is required when ${variable.requiredWhen.when}` });
      } else if (variable.optional) {
        values[key] = undefined;
      } else {
        problems.push({ variable: variable.env, reason: `is required (${variable.description})` });
      }
      continue;
    }
    const parsed = variable.parse(raw);
    if (!parsed.ok) {
      problems.push({ variable: variable.env, reason: `${parsed.reason}${describeBadValue(variable, raw)}` });
      continue;
    }
    const invalid = variable.validate(parsed.value, env);
    if (invalid !== undefined) {
      problems.push({ variable: variable.env, reason: `${invalid}${describeBadValue(variable, raw)}` });
      continue;
    }
    values[key] = parsed.value;
  }
  if (problems.length > 0) {
    const lines = problems.map((problem) => `  - ${problem.variable} ${problem.reason}`);
    throw new MlcError(
      'MLC_CONFIG_INVALID',
      `Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${lines.join('\n')}`,
      { field: problems.map((problem) => problem.variable).join(','), details: problems },
    );
  }
  return values as ConfigValues<D>;
}

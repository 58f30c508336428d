import { MALFORMED_BODIES, type MalformedBody } from '../cloudsuite/malformed-answers.ts';

/**
 * Fault rules a test switches on and off at run time. A rule says which requests it may hit (tenant,
 * request class, program or path fragment), how often (rate, and an optional budget of times) and
 * what goes wrong. The simulator asks `pick()` per request and acts on the answer.
 */
export const FAULT_KINDS = ['status', 'timeout', 'slow', 'revoke-token', 'malformed'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export const REQUEST_CLASSES = ['api', 'token', 'all'] as const;
export type RequestClass = (typeof REQUEST_CLASSES)[number];

export interface FaultRuleInput {
  kind: FaultKind;
  tenant?: string;
  /** Which requests: API calls (default), token endpoint calls, or all. */
  target?: RequestClass;
  /** Only requests for this program / IDO (case-insensitive). */
  program?: string;
  /** Only requests whose path contains this fragment. */
  pathContains?: string;
  /** Share of matching requests hit, 0..1 (default 1). */
  rate?: number;
  /** Stop after this many hits. */
  times?: number;
  /** `status`: 500, 502 or 503 (any 4xx/5xx is accepted). */
  status?: number;
  /** `timeout`: delay before the 504 (default 60 000 ms, the gateway timeout); `slow`: added latency. */
  delayMs?: number;
  /** `malformed`: which bad body (see `malformed-answers.ts`); default `truncated-json`. */
  body?: MalformedBody;
}

export interface FaultRule extends FaultRuleInput {
  id: string;
  hits: number;
}

export interface FaultRequest {
  tenant: string | null;
  requestClass: Exclude<RequestClass, 'all'>;
  program: string | null;
  path: string;
}

export class FaultRuleError extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(message);
    this.name = 'FaultRuleError';
    this.field = field;
  }
}

/** Validates untrusted input (admin endpoint bodies) into a rule. */
export function parseFaultRule(input: unknown): FaultRuleInput {
  if (typeof input !== 'object' || input === null) throw new FaultRuleError('kind', 'a fault rule must be an object');
  const raw = input as Record<string, unknown>;
  if (!FAULT_KINDS.includes(raw.kind as FaultKind)) {
    throw new FaultRuleError('kind', `kind must be one of ${FAULT_KINDS.join(', ')}`);
  }
  const rule: FaultRuleInput = { kind: raw.kind as FaultKind };
  const optString = (key: 'tenant' | 'program' | 'pathContains') => {
    const v = raw[key];
    if (v === undefined) return;
    if (typeof v !== 'string' || v.length === 0) throw new FaultRuleError(key, `${key} must be a non-empty string`);
    rule[key] = v;
  };
  optString('tenant');
  optString('program');
  optString('pathContains');
  if (raw.target !== undefined) {
    if (!REQUEST_CLASSES.includes(raw.target as RequestClass)) {
      throw new FaultRuleError('target', `target must be one of ${REQUEST_CLASSES.join(', ')}`);
    }
    rule.target = raw.target as RequestClass;
  }
  const optNumber = (key: 'rate' | 'times' | 'status' | 'delayMs', min: number, max: number) => {
    const v = raw[key];
    if (v === undefined) return;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
      throw new FaultRuleError(key, `${key} must be a number between ${min} and ${max}`);
    }
    rule[key] = v;
  };
  optNumber('rate', 0, 1);
  optNumber('times', 1, Number.MAX_SAFE_INTEGER);
  optNumber('status', 400, 599);
  optNumber('delayMs', 0, 600_000);
  if (raw.body !== undefined) {
    if (!MALFORMED_BODIES.includes(raw.body as MalformedBody)) {
      throw new FaultRuleError('body', `body must be one of ${MALFORMED_BODIES.join(', ')}`);
    }
    rule.body = raw.body as MalformedBody;
  }
  if (rule.kind === 'status' && rule.status === undefined) rule.status = 503;
  return rule;
}

export class FaultInjector {
  readonly #rules: FaultRule[] = [];
  #nextId = 1;
  #random: () => number;

  constructor(random: () => number = Math.random) {
    this.#random = random;
  }

  add(input: FaultRuleInput): FaultRule {
    const rule: FaultRule = { ...input, id: `fault-${this.#nextId++}`, hits: 0 };
    this.#rules.push(rule);
    return rule;
  }

  remove(id: string): boolean {
    const i = this.#rules.findIndex((r) => r.id === id);
    if (i === -1) return false;
    this.#rules.splice(i, 1);
    return true;
  }

  clear(): void {
    this.#rules.length = 0;
  }

  list(): FaultRule[] {
    return this.#rules.map((r) => ({ ...r }));
  }

  /** The first rule that matches and fires for this request, counting the hit. */
  pick(request: FaultRequest): FaultRule | null {
    for (const rule of this.#rules) {
      if (!matches(rule, request)) continue;
      if (rule.times !== undefined && rule.hits >= rule.times) continue;
      if ((rule.rate ?? 1) < 1 && this.#random() >= (rule.rate ?? 1)) continue;
      rule.hits += 1;
      return { ...rule };
    }
    return null;
  }
}

function matches(rule: FaultRule, request: FaultRequest): boolean {
  const target = rule.target ?? 'api';
  if (target !== 'all' && target !== request.requestClass) return false;
  if (rule.tenant !== undefined && rule.tenant !== request.tenant) return false;
  if (rule.program !== undefined && rule.program.toUpperCase() !== (request.program ?? '').toUpperCase()) return false;
  if (rule.pathContains !== undefined && !request.path.includes(rule.pathContains)) return false;
  return true;
}

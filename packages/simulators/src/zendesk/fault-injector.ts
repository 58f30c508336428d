import { MALFORMED_BODIES, type MalformedBody } from './malformed-bodies.ts';

// Faults switched on at run time by rule: a share of matching requests fails, slows down, loses its
// token or gets an unreadable body, so clients can be tested against an unreliable Zendesk.
export type FaultAction =
  | { kind: 'status'; status: 500 | 502 | 503 | 504 }
  /** A 429 as the account limit answers it, without spending the account's budget. */
  | { kind: 'status'; status: 429; retryAfterSec?: number }
  | { kind: 'delay'; ms: number }
  | { kind: 'revoke-token' }
  /** The answer cut short (default), replaced by an HTML page, re-typed, without its first key, 10 MB or endless. */
  | { kind: 'malformed-body'; body?: MalformedBody };

export interface FaultRule {
  id?: string;
  /** Subdomain; absent = every account. */
  account?: string;
  method?: string;
  /** Regular expression source matched against the path (after any `/__account/x` prefix). */
  path?: string;
  /** Share of matching requests that get the fault, 0..1 (default 1). */
  rate?: number;
  /** How many times the rule fires before it switches itself off (default unlimited). */
  times?: number;
  action: FaultAction;
}

interface ActiveRule {
  rule: FaultRule;
  pathPattern: RegExp | null;
  fired: number;
}

export class FaultInjector {
  #rules: ActiveRule[] = [];
  #seed: number;

  constructor(seed = 0x5eed) {
    this.#seed = seed >>> 0;
  }

  setRules(rules: FaultRule[]): void {
    this.#rules = rules.map((rule) => {
      if (rule.rate !== undefined && (rule.rate < 0 || rule.rate > 1)) throw new Error('fault rate must be 0..1');
      const action = rule.action as { kind: string; body?: unknown };
      if (action.kind === 'malformed-body' && action.body !== undefined) {
        if (!MALFORMED_BODIES.includes(action.body as MalformedBody)) {
          throw new Error(`malformed-body body must be one of ${MALFORMED_BODIES.join(', ')}`);
        }
      }
      return { rule, pathPattern: rule.path ? new RegExp(rule.path) : null, fired: 0 };
    });
  }

  /** The rules with how often each has fired, so a test can tell its faults were exercised. */
  rules(): (FaultRule & { fired: number })[] {
    return this.#rules.map((active) => ({ ...active.rule, fired: active.fired }));
  }

  /** The faults to apply to this request (at most one of each kind). */
  pick(account: string | null, method: string, path: string): FaultAction[] {
    const picked: FaultAction[] = [];
    for (const active of this.#rules) {
      const { rule } = active;
      if (rule.account !== undefined && rule.account !== account) continue;
      if (rule.method !== undefined && rule.method.toUpperCase() !== method) continue;
      if (active.pathPattern && !active.pathPattern.test(path)) continue;
      if (rule.times !== undefined && active.fired >= rule.times) continue;
      if (this.#random() >= (rule.rate ?? 1)) continue;
      if (picked.some((action) => action.kind === rule.action.kind)) continue;
      active.fired += 1;
      picked.push(rule.action);
    }
    return picked;
  }

  // mulberry32: deterministic, so a seeded run injects the same faults every time.
  #random(): number {
    this.#seed = (this.#seed + 0x6d2b79f5) >>> 0;
    let t = this.#seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}

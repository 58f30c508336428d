/**
 * Drops the one process warning kafkajs 2.2.4 causes on Node 24, and nothing else.
 *
 * Its request queue schedules the next pending-request check with `setTimeout(fn, throttledUntil -
 * Date.now())` after every response, and `throttledUntil` starts at -1, so the delay is about minus the
 * epoch in ms. Node 24 clamps a negative delay to 1 ms, which is what kafkajs meant, and warns once
 * per process: "TimeoutNegativeWarning: -17… is a negative number". No client option reaches that code
 * (upstream: tulios/kafkajs#1751, fix unreleased), so the warning carries no news for an operator.
 */

export const KAFKAJS_NEGATIVE_TIMEOUT_WARNING = 'TimeoutNegativeWarning';

const KAFKAJS_FRAME = /[\\/]node_modules[\\/]kafkajs[\\/]/;
// Enough frames to see past setTimeout wrappers (APM agents, async-hook tooling) down to kafkajs.
const STACK_FRAMES_TO_SEARCH = 50;

const filtered = new WeakSet<object>();

/** The warning's name, from whichever `process.emitWarning` call form was used. */
export function warningName(warning: string | Error, typeOrOptions: unknown): string {
  if (warning instanceof Error) return warning.name;
  if (typeof typeOrOptions === 'string') return typeOrOptions;
  const type = (typeOrOptions as { type?: unknown } | null | undefined)?.type;
  return typeof type === 'string' ? type : 'Warning';
}

/**
 * True only for the negative-timeout warning raised while kafkajs's own code is on the stack. The stack is
 * taken only for that one warning name, so every other warning costs nothing extra.
 */
export function isKafkajsNegativeTimeoutWarning(name: string, stackAtEmit: () => string): boolean {
  return name === KAFKAJS_NEGATIVE_TIMEOUT_WARNING && KAFKAJS_FRAME.test(stackAtEmit());
}

function currentStack(): string {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = STACK_FRAMES_TO_SEARCH;
  try {
    return new Error().stack ?? '';
  } finally {
    Error.stackTraceLimit = limit;
  }
}

export type WarningEmitter = Pick<NodeJS.Process, 'emitWarning'>;

/** Wraps `target.emitWarning` (the process's by default) with the filter; a second call does nothing. */
export function dropKafkajsNegativeTimeoutWarning(target: WarningEmitter = process): void {
  if (filtered.has(target)) return;
  filtered.add(target);
  const emitWarning = target.emitWarning;
  target.emitWarning = function filteredEmitWarning(this: unknown, ...args: unknown[]): void {
    const [warning, typeOrOptions] = args as [string | Error, unknown];
    if (isKafkajsNegativeTimeoutWarning(warningName(warning, typeOrOptions), currentStack)) return;
    Reflect.apply(emitWarning, this, args);
  } as WarningEmitter['emitWarning'];
}

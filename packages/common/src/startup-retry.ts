import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from './logger.ts';

export interface StartupRetryFailure {
  attempts: number;
  lastError: unknown;
}

/**
 * Calls `attempt` (given the time left) until it resolves or `timeoutMs` has passed, backing off 400 ms up to
 * 6.4 s between tries. Resolves undefined on success, or with what the last try failed on, so each dependency
 * (PostgreSQL, Kafka, the registry) raises its own catalogued error: a service at start waits, never hangs.
 */
export async function retryUntilDeadline(
  attempt: (remainingMs: number) => Promise<void>,
  options: {
    timeoutMs: number;
    what: string;
    logger?: Logger | undefined;
    /** An error that waiting cannot cure (refused credentials, an untrusted certificate): fail at once. */
    isPermanent?: (error: unknown) => boolean;
  },
): Promise<StartupRetryFailure | undefined> {
  const deadline = Date.now() + options.timeoutMs;
  let attempts = 0;
  let lastError: unknown = new Error('no attempt');
  while (Date.now() < deadline) {
    attempts += 1;
    try {
      await attempt(deadline - Date.now());
      return undefined;
    } catch (error) {
      lastError = error;
      if (options.isPermanent?.(error)) return { attempts, lastError };
      options.logger?.warn({ attempt: attempts, err: error }, `${options.what} not reachable yet, retrying`);
      await sleep(Math.min(200 * 2 ** Math.min(attempts, 5), Math.max(0, deadline - Date.now())));
    }
  }
  return { attempts, lastError };
}

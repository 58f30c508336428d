/**
 * Waits until a started process answers over HTTP, failing fast (with the end of its log) when the process
 * exits first, so a service that refuses its configuration is reported in seconds rather than at timeout.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ManagedChild } from './child-process-group.ts';

export interface WaitForHttpOptions {
  /** Ready when any of these answers 2xx. */
  urls: readonly string[];
  child?: ManagedChild;
  timeoutMs?: number;
  intervalMs?: number;
}

export async function answers(url: string, timeoutMs = 2000): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

export async function waitForHttp(options: WaitForHttpOptions): Promise<string> {
  const { urls, child, timeoutMs = 60_000, intervalMs = 250 } = options;
  const deadline = Date.now() + timeoutMs;
  const who = child ? `${child.name} (pid ${child.pid})` : urls.join(' or ');
  while (Date.now() < deadline) {
    for (const url of urls) if (await answers(url)) return url;
    if (child?.exitInfo !== undefined) {
      const { code, signal } = child.exitInfo;
      throw new Error(
        `${who} exited (${signal ?? `code ${code}`}) before it was ready; end of ${child.logFile}:\n${child.logTail(25)}`,
      );
    }
    await sleep(intervalMs);
  }
  const tail = child ? `; end of ${child.logFile}:\n${child.logTail(25)}` : '';
  throw new Error(`${who} not ready after ${timeoutMs} ms (waited for ${urls.join(' or ')})${tail}`);
}

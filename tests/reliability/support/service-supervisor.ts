/**
 * What Kubernetes does for the connector's pods (restartPolicy: Always): a service process that exits on
 * its own is started again after a back-off that doubles while starts keep failing. Every exit is recorded,
 * so a suite can say whether its services stayed up or were restarted, and why.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ManagedChild } from '../../../scripts/start/child-process-group.ts';
import { SERVICE_NAMES, type ServiceName } from '../../../scripts/start/connector-stack.ts';
import type { KillablePipeline } from './killable-pipeline.ts';

export interface ServiceExit {
  service: ServiceName;
  code: number | null;
  signal: string | null;
  /** Date.now() at the exit. */
  at: number;
  /** The last log lines before it exited: why it gave up. */
  lastLog: string;
}

export interface ServiceSupervisor {
  readonly exits: readonly ServiceExit[];
  /** Starts that failed (the service exited again before it was ready). */
  readonly failedStarts: number;
  /** Stops watching: exits after this (the suite's own stop) are not restarted. */
  stop(): void;
}

export interface SupervisorOptions {
  /** First back-off (Kubernetes starts at 10 s; a suite wants seconds). */
  backoffMs: number;
  maxBackoffMs: number;
  log?: (line: string) => void;
}

export function superviseServices(pipeline: KillablePipeline, options: SupervisorOptions): ServiceSupervisor {
  const log = options.log ?? (() => undefined);
  const exits: ServiceExit[] = [];
  let failedStarts = 0;
  let stopped = false;

  const restartAfterExit = async (name: ServiceName, child: ManagedChild) => {
    // Killed and restarted by the suite itself (pipeline.kill / restart): not the supervisor's business.
    if (stopped || pipeline.services[name].child !== child) return;
    const { code, signal } = child.exitInfo ?? { code: null, signal: null };
    exits.push({ service: name, code, signal, at: Date.now(), lastLog: child.logTail(30) });
    log(`  supervisor: ${name} exited (${signal ?? `code ${code}`}), restarting`);
    for (let delay = options.backoffMs; !stopped; delay = Math.min(delay * 2, options.maxBackoffMs)) {
      await sleep(delay);
      if (stopped) return;
      try {
        await pipeline.restart(name);
        log(`  supervisor: ${name} is back`);
        watch(name);
        return;
      } catch (error) {
        failedStarts += 1;
        log(`  supervisor: ${name} did not start: ${error instanceof Error ? error.message.split('\n')[0] : error}`);
      }
    }
  };

  const watch = (name: ServiceName) => {
    const { child } = pipeline.services[name];
    void child.exited.then(() => restartAfterExit(name, child));
  };

  for (const name of SERVICE_NAMES) watch(name);
  return {
    exits,
    get failedStarts() {
      return failedStarts;
    },
    stop() {
      stopped = true;
    },
  };
}

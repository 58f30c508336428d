/** What the outage suite needs of a server it owns (never one shared with other engineers' tests). */
import { setTimeout as sleep } from 'node:timers/promises';

export interface PrivateServer {
  readonly name: string;
  /** Dies the way a crash does (SIGKILL, PostgreSQL's immediate shutdown); resolves once it is gone. */
  crash(): Promise<void>;
  /** Starts again on the same data; resolves once it answers. */
  start(): Promise<void>;
  /** Stops for good and deletes its data. Safe after a crash and safe twice. */
  dispose(): Promise<void>;
}

/** SIGKILLs a detached server process and waits until it is gone (reaped, not a zombie). */
export async function killDetached(pid: number, exited: (pid: number) => boolean): Promise<void> {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return;
  }
  while (!exited(pid)) await sleep(50);
}

/**
 * A detached server outlives this process unless killed: if the suite dies before its cleanup ran, the
 * server goes with it. Returns the hook's remover for a normal cleanup.
 */
export function killOnExit(kill: () => void): () => void {
  const hook = () => {
    try {
      kill();
    } catch {
      // Already gone.
    }
  };
  process.on('exit', hook);
  return () => process.off('exit', hook);
}

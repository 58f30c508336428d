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

export interface DetachedServerSpec<Extra> {
  name: string;
  /** Fields the caller's server type adds (its URL, its log file). */
  extra: Extra;
  /** Starts the process (detached) and returns its pid; `ready` then waits until it answers. */
  launch(): Promise<number>;
  ready(pid: number): Promise<void>;
  exited(pid: number): boolean;
  /** Deletes what the server kept (its data folder, its database); called once it is dead. */
  removeData(): Promise<void>;
}

/**
 * A detached server process the suite owns: started at once (its data removed if that fails), crashed with
 * SIGKILL, started again on the same data, and killed with the suite if the suite dies first.
 */
export async function startDetachedServer<Extra extends object>(
  spec: DetachedServerSpec<Extra>,
): Promise<PrivateServer & Extra> {
  let pid: number | undefined;
  const removeExitHook = killOnExit(() => {
    if (pid !== undefined) process.kill(pid, 'SIGKILL');
  });
  const server: PrivateServer & Extra = {
    ...spec.extra,
    name: spec.name,
    async start() {
      pid = await spec.launch();
      await spec.ready(pid);
    },
    async crash() {
      if (pid !== undefined) await killDetached(pid, spec.exited);
      pid = undefined;
    },
    async dispose() {
      await server.crash();
      removeExitHook();
      await spec.removeData();
    },
  };
  try {
    await server.start();
  } catch (error) {
    await server.dispose();
    throw error;
  }
  return server;
}

/**
 * The child processes one command (npm start, an e2e test) starts: each runs `node --import tsx <script>`
 * in its own process group with stdout and stderr in a log file, and `stopAll` ends them newest first
 * (services before the simulators they call), SIGTERM then SIGKILL after a grace period.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ChildSpec {
  /** Short name, also the log file's name (`<name>.log`). */
  name: string;
  /** TypeScript entry point, relative to the group's working directory. */
  script: string;
  args?: readonly string[];
  env?: Readonly<Record<string, string>>;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ManagedChild {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Set once the process has exited. */
  exitInfo: ExitInfo | undefined;
  readonly exited: Promise<ExitInfo>;
  logTail(lines?: number): string;
}

export interface ChildProcessGroupOptions {
  cwd: string;
  logDir: string;
  /** Environment every child gets before its own (defaults to this process's). */
  baseEnv?: NodeJS.ProcessEnv;
}

export function readLogTail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

export class ChildProcessGroup {
  readonly #options: ChildProcessGroupOptions;
  readonly #children: { child: ChildProcess; managed: ManagedChild }[] = [];
  readonly #killOnExit = () => this.killAllNow();

  constructor(options: ChildProcessGroupOptions) {
    this.#options = options;
    mkdirSync(options.logDir, { recursive: true });
    // Last resort if the parent ends without stopAll (an uncaught error): no child outlives it.
    process.on('exit', this.#killOnExit);
  }

  get children(): readonly ManagedChild[] {
    return this.#children.map(({ managed }) => managed);
  }

  start(spec: ChildSpec): ManagedChild {
    const logFile = join(this.#options.logDir, `${spec.name}.log`);
    const fd = openSync(logFile, 'a');
    const child = spawn(process.execPath, ['--import', 'tsx', spec.script, ...(spec.args ?? [])], {
      cwd: this.#options.cwd,
      env: { ...(this.#options.baseEnv ?? process.env), ...spec.env },
      stdio: ['ignore', fd, fd],
      detached: true,
    });
    closeSync(fd);
    if (child.pid === undefined) throw new Error(`could not start ${spec.name} (${spec.script})`);
    const managed: ManagedChild = {
      name: spec.name,
      pid: child.pid,
      logFile,
      exitInfo: undefined,
      exited: new Promise<ExitInfo>((resolve) => {
        child.once('exit', (code, signal) => {
          managed.exitInfo = { code, signal };
          resolve(managed.exitInfo);
        });
      }),
      logTail: (lines) => readLogTail(logFile, lines),
    };
    this.#children.push({ child, managed });
    return managed;
  }

  /** Stops one child (its whole process group); resolves with how it ended. */
  async stop(managed: ManagedChild, graceMs = 10_000): Promise<ExitInfo> {
    if (managed.exitInfo !== undefined) return managed.exitInfo;
    signalGroup(managed.pid, 'SIGTERM');
    const ended = await Promise.race([managed.exited, sleep(graceMs).then(() => undefined)]);
    if (ended !== undefined) return ended;
    signalGroup(managed.pid, 'SIGKILL');
    return managed.exited;
  }

  async stopAll(graceMs = 10_000): Promise<void> {
    for (const { managed } of [...this.#children].reverse()) await this.stop(managed, graceMs);
    process.off('exit', this.#killOnExit);
  }

  killAllNow(): void {
    for (const { managed } of this.#children) if (managed.exitInfo === undefined) signalGroup(managed.pid, 'SIGKILL');
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

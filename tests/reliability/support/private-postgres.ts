/**
 * A PostgreSQL cluster of the suite's own (initdb in a temporary folder, a free port, trust auth), run as
 * the `postgres` OS user, so it can be crashed (`pg_ctl stop -m immediate`: no checkpoint, recovery from the
 * WAL at the next start) and started again without touching the server other tests share.
 */
import { execFile, execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../../scripts/start/free-port.ts';
import { killOnExit, type PrivateServer } from './private-server.ts';

const execFileAsync = promisify(execFile);
const BIN_DIR = process.env.MLC_POSTGRES_BIN_DIR || '/usr/lib/postgresql/15/bin';
const OS_USER = 'postgres';
const START_TIMEOUT_S = 60;

export interface PrivatePostgres extends PrivateServer {
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  url: string;
  logFile: string;
}

/** initdb and the server refuse to run as root: every command runs as the `postgres` user. */
function asPostgres(command: string, args: string[]): string[] {
  return process.getuid?.() === 0
    ? ['runuser', '-u', OS_USER, '--', join(BIN_DIR, command), ...args]
    : [join(BIN_DIR, command), ...args];
}

async function run(command: string, args: string[]): Promise<void> {
  const [file = command, ...rest] = asPostgres(command, args);
  await execFileAsync(file, rest, { timeout: (START_TIMEOUT_S + 30) * 1000 });
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const baseDir = mkdtempSync(join(tmpdir(), 'mlc-private-pg-'));
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', OS_USER], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', OS_USER], { encoding: 'utf8' }).trim());
    chownSync(baseDir, uid, gid);
  }
  const dataDir = join(baseDir, 'data');
  const logFile = join(baseDir, 'postgres.log');
  const port = await freePort();
  // The socket directory is ours too: the default one (/var/run/postgresql) belongs to the shared server.
  // fsync=off: the crash is the server's, not the machine's, so what it wrote is still in the OS's cache.
  const serverOptions = `-p ${port} -c listen_addresses=127.0.0.1 -k ${baseDir} -c fsync=off -c max_connections=200`;
  const pgCtl = (...args: string[]) => run('pg_ctl', ['-D', dataDir, ...args]);
  let running = false;
  const removeExitHook = killOnExit(() => {
    if (running) {
      const [file = 'pg_ctl', ...rest] = asPostgres('pg_ctl', ['-D', dataDir, '-m', 'immediate', 'stop']);
      execFileSync(file, rest, { stdio: 'ignore' });
    }
  });
  const server: PrivatePostgres = {
    name: 'PostgreSQL',
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    logFile,
    async start() {
      await pgCtl('-l', logFile, '-o', serverOptions, '-w', '-t', String(START_TIMEOUT_S), 'start');
      running = true;
    },
    async crash() {
      if (!running) return;
      await pgCtl('-m', 'immediate', '-w', 'stop');
      running = false;
    },
    async dispose() {
      await server.crash().catch(() => undefined);
      removeExitHook();
      rmSync(baseDir, { recursive: true, force: true });
    },
  };
  try {
    await run('initdb', ['-D', dataDir, '-A', 'trust', '-U', OS_USER, '-E', 'UTF8', '--no-sync', '--no-instructions']);
    await server.start();
  } catch (error) {
    await server.dispose();
    throw error;
  }
  return server;
}

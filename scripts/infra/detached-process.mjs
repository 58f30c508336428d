import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

function isZombie(pid) {
  try {
    // The state is the first field after the parenthesised command name.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return error.code === 'EPERM';
  }
  return !isZombie(pid);
}

// A pid file can outlive its process and the pid be reused by something else:
// only trust it when the command line still carries the marker we started it with.
function commandLineContains(pid, marker) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(marker);
  } catch {
    // Without /proc (macOS) liveness is all we can check.
    return process.platform !== 'linux';
  }
}

/** The pid recorded for a server, when that process is still the one we started; undefined otherwise. */
export async function runningPid(pidFile, marker) {
  let pid;
  try {
    pid = Number((await readFile(pidFile, 'utf8')).trim());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  return isAlive(pid) && commandLineContains(pid, marker) ? pid : undefined;
}

/** Starts a process in its own session so it outlives this one; output goes to logFile. */
export async function startDetached({ command, args, env, cwd, logFile, pidFile }) {
  await mkdir(dirname(logFile), { recursive: true });
  await mkdir(dirname(pidFile), { recursive: true });
  const log = openSync(logFile, 'a');
  try {
    const child = spawn(command, args, {
      cwd,
      env: { ...process.env, ...env },
      detached: true,
      stdio: ['ignore', log, log],
    });
    const pid = await new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('spawn', () => resolve(child.pid));
    });
    child.unref();
    await writeFile(pidFile, `${pid}\n`);
    return pid;
  } finally {
    closeSync(log);
  }
}

/** Runs a short-lived command to completion, with its output appended to logFile. */
export async function runToCompletion({ command, args, env, cwd, logFile }) {
  await mkdir(dirname(logFile), { recursive: true });
  const log = openSync(logFile, 'a');
  try {
    const code = await new Promise((resolve, reject) => {
      const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', log, log] });
      child.once('error', reject);
      child.once('close', resolve);
    });
    if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${code}; see ${logFile}`);
  } finally {
    closeSync(log);
  }
}

export function processExited(pid) {
  return !isAlive(pid);
}

/** SIGTERM, then SIGKILL when the process has not gone within graceMs. Returns how it ended. */
export async function stopProcess(pid, pidFile, graceMs) {
  let how = 'terminated';
  if (isAlive(pid)) {
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (isAlive(pid) && Date.now() < deadline) await sleep(200);
    if (isAlive(pid)) {
      process.kill(pid, 'SIGKILL');
      how = 'killed';
      while (isAlive(pid)) await sleep(100);
    }
  } else {
    how = 'already gone';
  }
  await rm(pidFile, { force: true });
  return how;
}

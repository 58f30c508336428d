import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

function ownerIsAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/**
 * Serialises `up`/`down` across processes (several engineers or test runs on one machine share the
 * stack), so two of them never resolve into the same cache or start a second broker on the same data.
 */
export async function withInfraLock(stateDir, timeoutMs, action) {
  const lockDir = join(stateDir, 'infra.lock');
  const ownerFile = join(lockDir, 'owner');
  await mkdir(stateDir, { recursive: true });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await mkdir(lockDir);
      await writeFile(ownerFile, `${process.pid}\n`);
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      const owner = Number((await readFile(ownerFile, 'utf8').catch(() => '')).trim());
      // An owner file not yet written means the holder is between mkdir and writeFile: wait for it.
      if (owner > 0 && !ownerIsAlive(owner)) {
        await rm(lockDir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new Error(`another infra command (pid ${owner || 'unknown'}) holds ${lockDir}; try again later`);
      }
      await sleep(500);
    }
  }
  try {
    return await action();
  } finally {
    await rm(lockDir, { recursive: true, force: true });
  }
}

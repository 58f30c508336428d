import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const JVM_ROOTS = ['/usr/lib/jvm', '/opt/java', '/Library/Java/JavaVirtualMachines'];

/** The major version a java binary reports, or undefined when it does not run. */
export function javaMajorVersion(javaBinary) {
  const result = spawnSync(javaBinary, ['-version'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) return undefined;
  const match = /version "(\d+)(?:\.(\d+))?/.exec(result.stderr);
  if (!match) return undefined;
  // Java 8 and older report "1.8"; from 9 on the first number is the major.
  return match[1] === '1' ? Number(match[2]) : Number(match[1]);
}

function installedJavaBinaries() {
  const binaries = [];
  for (const root of JVM_ROOTS) {
    if (!existsSync(root)) continue;
    for (const name of readdirSync(root)) {
      for (const candidate of [join(root, name, 'bin', 'java'), join(root, name, 'Contents', 'Home', 'bin', 'java')]) {
        if (existsSync(candidate)) binaries.push(candidate);
      }
    }
  }
  return binaries;
}

/**
 * A java binary of at least minimumMajor: MLC_REGISTRY_JAVA_HOME, then JAVA_HOME, then `java` on PATH,
 * then the newest JDK installed in the usual places. Undefined when there is none.
 */
export function findJava(minimumMajor) {
  const preferred = [process.env.MLC_REGISTRY_JAVA_HOME, process.env.JAVA_HOME]
    .filter((home) => home)
    .map((home) => join(home, 'bin', 'java'));
  for (const binary of [...preferred, 'java']) {
    const major = javaMajorVersion(binary);
    if (major !== undefined && major >= minimumMajor) return { binary, major };
  }
  const installed = installedJavaBinaries()
    .map((binary) => ({ binary, major: javaMajorVersion(binary) }))
    .filter((java) => java.major !== undefined && java.major >= minimumMajor)
    .sort((a, b) => b.major - a.major);
  return installed[0];
}

import { spawnSync } from 'node:child_process';

const INSTALL_HINT =
  'The local Kafka and schema registry need Java 17+ and Maven on PATH ' +
  '(Debian/Ubuntu: apt-get install openjdk-17-jre-headless maven), ' +
  'or run the stack with Docker instead: docker compose up -d kafka registry postgres';

function javaMajorVersion() {
  const result = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) return undefined;
  const match = /version "(\d+)(?:\.(\d+))?/.exec(result.stderr);
  if (!match) return undefined;
  // Java 8 and older report "1.8"; from 9 on the first number is the major.
  return match[1] === '1' ? Number(match[2]) : Number(match[1]);
}

function hasMaven() {
  const result = spawnSync('mvn', ['--version'], { encoding: 'utf8' });
  return !result.error && result.status === 0;
}

/** Throws one message covering everything missing, so nobody has to fix prerequisites one by one. */
export function assertJavaAndMaven() {
  const problems = [];
  const java = javaMajorVersion();
  if (java === undefined) problems.push('java not found');
  else if (java < 17) problems.push(`java ${java} is too old`);
  if (!hasMaven()) problems.push('mvn not found');
  if (problems.length > 0) {
    throw new Error(`${problems.join(', ')}. ${INSTALL_HINT}`);
  }
}

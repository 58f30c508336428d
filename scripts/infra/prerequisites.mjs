import { spawnSync } from 'node:child_process';
import { findJava } from './java-runtimes.mjs';

/** Kafka 3.9 runs on Java 17; Apicurio Registry 3.3 is compiled for Java 21. */
export const KAFKA_MIN_JAVA = 17;
export const REGISTRY_MIN_JAVA = 21;

const INSTALL_HINT =
  `The local Kafka and schema registry need Maven and Java ${KAFKA_MIN_JAVA}+ on PATH, plus a Java ${REGISTRY_MIN_JAVA}+ ` +
  'for the registry (found via MLC_REGISTRY_JAVA_HOME, JAVA_HOME, PATH or /usr/lib/jvm; one Java 21+ on PATH covers both). ' +
  'Debian/Ubuntu: apt-get install maven openjdk-21-jre-headless (or openjdk-17 + a Temurin 21+). ' +
  'Or run the stack with Docker instead: docker compose up -d';

function hasMaven() {
  const result = spawnSync('mvn', ['--version'], { encoding: 'utf8' });
  return !result.error && result.status === 0;
}

/**
 * The java binaries to run each server with. Throws one message covering everything missing,
 * so nobody has to fix prerequisites one by one.
 */
export function requireJavaAndMaven() {
  const problems = [];
  const kafkaJava = findJava(KAFKA_MIN_JAVA);
  const registryJava = findJava(REGISTRY_MIN_JAVA);
  if (kafkaJava === undefined) problems.push(`no Java ${KAFKA_MIN_JAVA}+ found`);
  if (registryJava === undefined) problems.push(`no Java ${REGISTRY_MIN_JAVA}+ found`);
  if (!hasMaven()) problems.push('mvn not found');
  if (problems.length > 0) throw new Error(`${problems.join(', ')}. ${INSTALL_HINT}`);
  return { kafka: kafkaJava.binary, registry: registryJava.binary };
}

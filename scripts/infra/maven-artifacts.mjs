import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

// Pinned so that a cold resolve does not depend on what Maven picks as "latest" that day.
const DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1';
// Kafka's own distribution logs through slf4j 1.7 + reload4j; the Maven artifact ships no binding.
const KAFKA_LOGGING_BINDING = [
  { groupId: 'org.slf4j', artifactId: 'slf4j-reload4j', version: '1.7.36' },
  { groupId: 'ch.qos.reload4j', artifactId: 'reload4j', version: '1.2.25' },
];
const COMPLETE_MARKER = '.complete';

function runMaven(args, cwd) {
  return new Promise((resolve, reject) => {
    const child = spawn('mvn', ['-q', '-B', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`mvn ${args.join(' ')} failed with exit code ${code}:\n${output.slice(-4000)}`));
    });
  });
}

function runCommand(command, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`${command} ${args.join(' ')} failed with exit code ${code}: ${stderr.slice(-2000)}`));
    });
  });
}

function isComplete(homeDir) {
  return existsSync(join(homeDir, COMPLETE_MARKER));
}

// A resolve that dies half way must not look like a usable cache: build in a scratch folder,
// move it into place, and only then write the marker.
async function buildInto(homeDir, build) {
  await mkdir(dirname(homeDir), { recursive: true });
  const scratch = await mkdtemp(`${homeDir}.partial-`);
  try {
    await build(scratch);
    await rm(homeDir, { recursive: true, force: true });
    await rename(scratch, homeDir);
    await writeFile(join(homeDir, COMPLETE_MARKER), `${new Date().toISOString()}\n`);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

function kafkaPom(version) {
  const dependencies = [{ groupId: 'org.apache.kafka', artifactId: 'kafka_2.13', version }, ...KAFKA_LOGGING_BINDING]
    .map(
      (d) =>
        `    <dependency><groupId>${d.groupId}</groupId><artifactId>${d.artifactId}</artifactId><version>${d.version}</version></dependency>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.ml-connector</groupId>
  <artifactId>kafka-runtime</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
${dependencies}
  </dependencies>
</project>
`;
}

/**
 * Resolves Kafka and its runtime dependencies into `<cache>/kafka-<v>/lib`.
 * Returns true when it had to download, false when the cache was complete.
 */
export async function ensureKafkaLibraries(kafka) {
  if (isComplete(kafka.homeDir)) return false;
  await buildInto(kafka.homeDir, async (scratch) => {
    await writeFile(join(scratch, 'pom.xml'), kafkaPom(kafka.version));
    await runMaven(
      [`${DEPENDENCY_PLUGIN}:copy-dependencies`, '-DincludeScope=runtime', `-DoutputDirectory=${join(scratch, 'lib')}`],
      scratch,
    );
  });
  return true;
}

/**
 * Fetches the Apicurio Registry `tar.gz:all` distribution and unpacks it into `<cache>/apicurio-registry-<v>`.
 * Returns true when it had to download, false when the cache was complete.
 */
export async function ensureRegistryDistribution(registry) {
  if (isComplete(registry.homeDir)) return false;
  await buildInto(registry.homeDir, async (scratch) => {
    const downloads = join(scratch, 'download');
    await runMaven(
      [
        `${DEPENDENCY_PLUGIN}:copy`,
        `-Dartifact=io.apicurio:apicurio-registry-app:${registry.version}:tar.gz:all`,
        `-DoutputDirectory=${downloads}`,
      ],
      scratch,
    );
    const [archive] = (await readdir(downloads)).filter((name) => name.endsWith('.tar.gz'));
    if (archive === undefined) throw new Error(`Maven copied no tar.gz for Apicurio Registry ${registry.version}`);
    const distribution = join(scratch, 'dist');
    await mkdir(distribution);
    await runCommand('tar', ['-xzf', join(downloads, archive), '-C', distribution]);
    await rm(downloads, { recursive: true, force: true });
  });
  return true;
}

/** The archive's layout differs between 3.x releases, so look for the launcher instead of assuming a path. */
export async function findQuarkusRunJar(registry) {
  const candidates = await readdir(join(registry.homeDir, 'dist'), { recursive: true });
  const match = candidates.find((path) => path === 'quarkus-run.jar' || path.endsWith('/quarkus-run.jar'));
  if (match === undefined) {
    throw new Error(`quarkus-run.jar not found under ${registry.homeDir}/dist: delete that folder and run again`);
  }
  return join(registry.homeDir, 'dist', match);
}

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runToCompletion, startDetached } from './detached-process.mjs';

const execFileAsync = promisify(execFile);

/** Found in the JVM's command line, to tell our broker from any other java process. */
export const KAFKA_PROCESS_MARKER = '-Dmlc.infra=kafka';

export function kafkaFiles(settings) {
  return {
    pidFile: join(settings.stateDir, 'kafka.pid'),
    logFile: join(settings.logsDir, 'kafka-server.log'),
    consoleFile: join(settings.logsDir, 'kafka-console.log'),
    propertiesFile: join(settings.stateDir, 'kafka-server.properties'),
    log4jFile: join(settings.stateDir, 'kafka-log4j.properties'),
  };
}

/**
 * `kafka.extraListeners` ([{ name, protocol, port }]) and `kafka.extraProperties` ({ key: value }) add
 * client listeners (e.g. SASL_SSL for the security tests) to the PLAINTEXT and CONTROLLER ones, which
 * the broker keeps for itself.
 */
function serverProperties(settings) {
  const { host, kafka } = settings;
  const extraListeners = kafka.extraListeners ?? [];
  const listeners = [
    `PLAINTEXT://${host}:${kafka.port}`,
    ...extraListeners.map((listener) => `${listener.name}://${host}:${listener.port}`),
  ];
  const protocols = [
    'CONTROLLER:PLAINTEXT',
    'PLAINTEXT:PLAINTEXT',
    ...extraListeners.map((listener) => `${listener.name}:${listener.protocol}`),
  ];
  const extraProperties = Object.entries(kafka.extraProperties ?? {}).map(([key, value]) => `${key}=${value}\n`);
  return `# Written by scripts/infra on every start: edit kafka-server.mjs instead.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@${host}:${kafka.controllerPort}
listeners=${listeners.join(',')},CONTROLLER://${host}:${kafka.controllerPort}
advertised.listeners=${listeners.join(',')}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=${protocols.join(',')}
log.dirs=${kafka.dataDir}
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=10
group.initial.rebalance.delay.ms=0
# Topics are declared with their configs (partitions, compaction) by the code; a typo must fail, not create a topic.
auto.create.topics.enable=false
delete.topic.enable=true
log.retention.hours=168
log.cleaner.backoff.ms=1000
${extraProperties.join('')}`;
}

function log4jProperties(logFile) {
  return `log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.RollingFileAppender
log4j.appender.file.File=${logFile}
log4j.appender.file.MaxFileSize=20MB
log4j.appender.file.MaxBackupIndex=2
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.log.LogCleaner=WARN
log4j.logger.org.apache.kafka.storage.internals.log=WARN
log4j.logger.kafka.log=WARN
`;
}

function javaArgs(settings, files, mainClass, mainArgs) {
  return [
    '-Xms256m',
    '-Xmx1g',
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-Djava.awt.headless=true',
    `-Dlog4j.configuration=file:${files.log4jFile}`,
    `-Dkafka.logs.dir=${settings.logsDir}`,
    '-cp',
    join(settings.kafka.libDir, '*'),
    mainClass,
    ...mainArgs,
  ];
}

async function formatStorageOnce(settings, files, java) {
  if (existsSync(join(settings.kafka.dataDir, 'meta.properties'))) return false;
  const { stdout } = await execFileAsync(java, javaArgs(settings, files, 'kafka.tools.StorageTool', ['random-uuid']));
  const clusterId = stdout.trim().split('\n').pop();
  await runToCompletion({
    command: java,
    args: javaArgs(settings, files, 'kafka.tools.StorageTool', [
      'format',
      '-t',
      clusterId,
      '-c',
      files.propertiesFile,
      '--ignore-formatted',
      // KRaft keeps SCRAM credentials in the metadata log: they are written at format time (`--add-scram`).
      ...(settings.kafka.formatArgs ?? []),
    ]),
    logFile: files.consoleFile,
  });
  return true;
}

/** Writes the configuration, formats storage on first use, and starts the broker detached. */
export async function startKafka(settings, java) {
  const files = kafkaFiles(settings);
  await mkdir(settings.kafka.dataDir, { recursive: true });
  await mkdir(settings.logsDir, { recursive: true });
  await writeFile(files.propertiesFile, serverProperties(settings));
  await writeFile(files.log4jFile, log4jProperties(files.logFile));
  const formatted = await formatStorageOnce(settings, files, java);
  const pid = await startDetached({
    command: java,
    args: [KAFKA_PROCESS_MARKER, ...javaArgs(settings, files, 'kafka.Kafka', [files.propertiesFile])],
    logFile: files.consoleFile,
    pidFile: files.pidFile,
  });
  return { pid, formatted };
}

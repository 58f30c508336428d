/**
 * The local stack's scripts (scripts/infra, plain .mjs without type declarations), loaded with the types
 * the reliability suites use, so a suite can run private servers the same way `npm run infra:up` does.
 */

export interface InfraSettings {
  host: string;
  stateDir: string;
  logsDir: string;
  kafka: { homeDir: string; libDir: string; dataDir: string; port: number; controllerPort: number };
  registry: { homeDir: string; port: number; managementPort: number };
}

export interface LocalInfraScripts {
  infraSettings(env: NodeJS.ProcessEnv): InfraSettings;
  requireJavaAndMaven(): { kafka: string; registry: string };
  ensureKafkaLibraries(kafka: InfraSettings['kafka']): Promise<boolean>;
  ensureRegistryDistribution(registry: InfraSettings['registry']): Promise<boolean>;
  startKafka(settings: InfraSettings, java: string): Promise<{ pid: number }>;
  kafkaFiles(settings: InfraSettings): { logFile: string; consoleFile: string; pidFile: string };
  startRegistry(settings: InfraSettings, java: string, storage: Record<string, string>): Promise<{ pid: number }>;
  registryFiles(settings: InfraSettings): { logFile: string; pidFile: string };
  ensureBackwardCompatibility(ccompatUrl: string): Promise<string>;
  kafkaAnswersMetadata(brokers: string[]): Promise<boolean>;
  registryAnswersCcompat(ccompatUrl: string): Promise<boolean>;
  waitUntilReady(options: {
    name: string;
    probe: () => Promise<boolean>;
    timeoutMs: number;
    hasDied?: () => boolean;
    logFile: string;
  }): Promise<void>;
  processExited(pid: number): boolean;
}

async function load(file: string): Promise<Record<string, unknown>> {
  return (await import(new URL(`../../../scripts/infra/${file}`, import.meta.url).href)) as Record<string, unknown>;
}

export async function localInfraScripts(): Promise<LocalInfraScripts> {
  const modules = await Promise.all(
    [
      'infra-settings.mjs',
      'prerequisites.mjs',
      'maven-artifacts.mjs',
      'kafka-server.mjs',
      'registry-server.mjs',
      'readiness-probes.mjs',
      'detached-process.mjs',
    ].map(load),
  );
  return Object.assign({}, ...modules) as LocalInfraScripts;
}

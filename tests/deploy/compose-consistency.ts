import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';

/**
 * Checks of a parsed docker-compose file that its JSON Schema cannot express: that what it references
 * exists and that services fit together. Each check returns one readable line per problem, so a
 * failing test says everything that is wrong at once.
 */

type Mapping = Record<string, unknown>;

function isMapping(value: unknown): value is Mapping {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function composeServices(compose: unknown): Record<string, Mapping> {
  if (!isMapping(compose) || !isMapping(compose.services)) return {};
  const services: Record<string, Mapping> = {};
  for (const [name, service] of Object.entries(compose.services)) {
    if (isMapping(service)) services[name] = service;
  }
  return services;
}

const INTERPOLATION = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])((?:[^}$]|\$\{[^}]*\})*))?\}/g;

/** Names of every `${VAR…}` the file interpolates. */
export function interpolatedVariables(text: string): Set<string> {
  return new Set([...text.matchAll(INTERPOLATION)].map((match) => match[1] as string));
}

/**
 * Resolves interpolation the way compose does when the variables are unset: `${VAR:-default}` and
 * `${VAR-default}` give the default, anything else gives undefined (unknown until run time).
 */
export function withDefaults(value: string): string | undefined {
  let unresolved = false;
  const resolved = value.replace(INTERPOLATION, (_whole, _name: string, operator?: string, argument?: string) => {
    if (operator === ':-' || operator === '-') return argument ?? '';
    unresolved = true;
    return '';
  });
  return unresolved ? undefined : resolved;
}

function commandArgs(service: Mapping): string[] {
  const command = service.command;
  if (Array.isArray(command)) return command.map(String);
  if (typeof command === 'string') return command.split(/\s+/).filter(Boolean);
  return [];
}

/** The script a service runs (the first argument that is a .ts/.mjs/.js path), if any. */
export function commandScript(service: Mapping): string | undefined {
  return commandArgs(service).find((arg) => /\.(?:ts|mts|mjs|js)$/.test(arg));
}

function resolveInRepo(repoRoot: string, path: string): string {
  return isAbsolute(path) ? path : join(repoRoot, path);
}

export function buildProblems(compose: unknown, repoRoot: string): string[] {
  const problems: string[] = [];
  for (const [name, service] of Object.entries(composeServices(compose))) {
    if (service.build === undefined) {
      if (service.image === undefined) problems.push(`${name}: has neither image nor build`);
      continue;
    }
    const build = typeof service.build === 'string' ? { context: service.build } : service.build;
    if (!isMapping(build)) continue;
    const context = resolveInRepo(repoRoot, String(build.context ?? '.'));
    if (!existsSync(context)) problems.push(`${name}: build context ${String(build.context)} does not exist`);
    const dockerfile = join(context, String(build.dockerfile ?? 'Dockerfile'));
    if (!existsSync(dockerfile)) problems.push(`${name}: dockerfile ${dockerfile} does not exist`);
  }
  return problems;
}

export function envFileProblems(compose: unknown, repoRoot: string): string[] {
  const problems: string[] = [];
  for (const [name, service] of Object.entries(composeServices(compose))) {
    const entries = service.env_file === undefined ? [] : [service.env_file].flat();
    for (const entry of entries) {
      const path = isMapping(entry) ? String(entry.path) : String(entry);
      const required = isMapping(entry) ? entry.required !== false : true;
      if (required && !existsSync(resolveInRepo(repoRoot, path))) {
        problems.push(`${name}: env_file ${path} is required but does not exist`);
      }
    }
  }
  return problems;
}

export function dependencyProblems(compose: unknown): string[] {
  const services = composeServices(compose);
  const problems: string[] = [];
  for (const [name, service] of Object.entries(services)) {
    const dependsOn = service.depends_on;
    const targets: [string, string | undefined][] = Array.isArray(dependsOn)
      ? dependsOn.map((target) => [String(target), undefined])
      : isMapping(dependsOn)
        ? Object.entries(dependsOn).map(([target, spec]) => [
            target,
            isMapping(spec) && typeof spec.condition === 'string' ? spec.condition : undefined,
          ])
        : [];
    for (const [target, condition] of targets) {
      const dependency = services[target];
      if (dependency === undefined) {
        problems.push(`${name}: depends on ${target}, which is not a service`);
        continue;
      }
      const healthcheck = dependency.healthcheck;
      const hasHealthcheck = isMapping(healthcheck) && healthcheck.disable !== true && healthcheck.test !== undefined;
      if (condition === 'service_healthy' && !hasHealthcheck) {
        problems.push(`${name}: waits for ${target} to be healthy, but ${target} has no healthcheck`);
      }
      if (dependency.profiles !== undefined && service.profiles === undefined) {
        problems.push(`${name}: depends on ${target}, which only runs in profiles ${String(dependency.profiles)}`);
      }
    }
  }
  return problems;
}

interface PublishedPort {
  service: string;
  hostIp: string;
  port: string;
  protocol: string;
}

function publishedPorts(name: string, service: Mapping): PublishedPort[] {
  const ports = Array.isArray(service.ports) ? service.ports : [];
  const published: PublishedPort[] = [];
  for (const entry of ports) {
    if (isMapping(entry)) {
      if (entry.published === undefined) continue;
      const port = withDefaults(String(entry.published));
      if (port !== undefined) {
        published.push({
          service: name,
          hostIp: String(entry.host_ip ?? ''),
          port,
          protocol: String(entry.protocol ?? 'tcp'),
        });
      }
      continue;
    }
    const resolved = withDefaults(String(entry));
    if (resolved === undefined) continue;
    const [mapping = '', protocol = 'tcp'] = resolved.split('/');
    const parts = mapping.split(':');
    // "container" alone publishes nothing fixed; "host:container" or "ip:host:container".
    if (parts.length < 2) continue;
    const port = parts[parts.length - 2] ?? '';
    const hostIp = parts.length > 2 ? parts.slice(0, -2).join(':') : '';
    if (port !== '') published.push({ service: name, hostIp, port, protocol });
  }
  return published;
}

/** Host ports (with their defaults) that two services would both publish. */
export function portCollisionProblems(compose: unknown): string[] {
  const seen: PublishedPort[] = [];
  const problems: string[] = [];
  for (const [name, service] of Object.entries(composeServices(compose))) {
    for (const port of publishedPorts(name, service)) {
      // Two bindings clash on the same port and protocol unless both name different host addresses.
      const owner = seen.find(
        (other) =>
          other.port === port.port &&
          other.protocol === port.protocol &&
          (other.hostIp === '' || port.hostIp === '' || other.hostIp === port.hostIp),
      );
      if (owner !== undefined) {
        problems.push(`host port ${port.port}/${port.protocol}: published by ${owner.service} and ${name}`);
      }
      seen.push(port);
    }
  }
  return problems;
}

/** Every script a service runs must exist, or the container exits at start. */
export function commandScriptProblems(compose: unknown, repoRoot: string): string[] {
  const problems: string[] = [];
  for (const [name, service] of Object.entries(composeServices(compose))) {
    const script = commandScript(service);
    if (script !== undefined && !existsSync(resolveInRepo(repoRoot, script))) {
      problems.push(`${name}: runs ${script}, which does not exist`);
    }
  }
  return problems;
}

export function bindMountProblems(compose: unknown, repoRoot: string): string[] {
  const problems: string[] = [];
  for (const [name, service] of Object.entries(composeServices(compose))) {
    const volumes = Array.isArray(service.volumes) ? service.volumes : [];
    for (const volume of volumes) {
      const source = isMapping(volume)
        ? volume.type === 'bind'
          ? String(volume.source)
          : undefined
        : String(volume).split(':')[0];
      if (source === undefined || !/^\.{0,2}\//.test(source)) continue;
      if (!existsSync(resolveInRepo(repoRoot, source)))
        problems.push(`${name}: mounts ${source}, which does not exist`);
    }
  }
  return problems;
}

function environmentOf(service: Mapping): Record<string, string> {
  const environment = service.environment;
  if (isMapping(environment)) {
    return Object.fromEntries(Object.entries(environment).map(([key, value]) => [key, String(value ?? '')]));
  }
  if (Array.isArray(environment)) {
    return Object.fromEntries(
      environment.map((entry) => {
        const text = String(entry);
        const equals = text.indexOf('=');
        return equals === -1 ? [text, ''] : [text.slice(0, equals), text.slice(equals + 1)];
      }),
    );
  }
  return {};
}

/** The ports a service listens on, as its own configuration says: env ports and `--port N`. */
function listeningPorts(service: Mapping): Set<string> {
  const environment = environmentOf(service);
  const ports = new Set<string>();
  for (const key of ['METRICS_PORT', 'ADMIN_API_PORT']) {
    const value = environment[key] === undefined ? undefined : withDefaults(environment[key]);
    if (value !== undefined && value !== '') ports.add(value);
  }
  const args = commandArgs(service);
  const portFlag = args.indexOf('--port');
  const portValue = portFlag === -1 ? undefined : args[portFlag + 1];
  if (portValue !== undefined) ports.add(portValue);
  return ports;
}

/**
 * A healthcheck that calls http://127.0.0.1:<port>/… of a service we build must call a port that
 * service listens on; otherwise it is never healthy and everything depending on it waits forever.
 */
export function healthcheckTargetProblems(compose: unknown): string[] {
  const problems: string[] = [];
  for (const [name, service] of Object.entries(composeServices(compose))) {
    if (service.build === undefined || !isMapping(service.healthcheck)) continue;
    const test = service.healthcheck.test;
    const text = Array.isArray(test) ? test.join(' ') : String(test ?? '');
    const urls = [...text.matchAll(/https?:\/\/(?:127\.0\.0\.1|localhost):(\d+)/g)].map((match) => match[1] as string);
    if (urls.length === 0) {
      problems.push(`${name}: healthcheck calls no local HTTP port`);
      continue;
    }
    const listening = listeningPorts(service);
    for (const port of urls) {
      if (!listening.has(port)) {
        problems.push(
          `${name}: healthcheck calls port ${port}, but the service listens on ${[...listening].join(', ') || 'nothing declared'}`,
        );
      }
    }
  }
  return problems;
}

/** Variable names set in the environment of every service built from this repository. */
export function connectorEnvironmentNames(compose: unknown): Map<string, string[]> {
  const names = new Map<string, string[]>();
  for (const [name, service] of Object.entries(composeServices(compose))) {
    if (service.build === undefined) continue;
    names.set(name, Object.keys(environmentOf(service)));
  }
  return names;
}

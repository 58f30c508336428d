import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ALL_CONFIG_DEFINITIONS } from '@mlc/common/config-definitions';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import {
  bindMountProblems,
  buildProblems,
  commandScriptProblems,
  composeServices,
  connectorEnvironmentNames,
  dependencyProblems,
  envFileProblems,
  healthcheckTargetProblems,
  interpolatedVariables,
  portCollisionProblems,
} from './compose-consistency.ts';

// No Docker engine or compose plugin on the build machines: the file is checked against the Compose
// Specification's JSON Schema, and what it references is checked against the repository.
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
// In CI the repository is cloned with the shared reference folder beside it.
const schemaPath = join(repoRoot, '..', 'shared', 'reference', 'compose-spec.schema.json');
const composeText = readFileSync(join(repoRoot, 'docker-compose.yml'), 'utf8');
// Compose honours YAML merge keys (`<<: *anchor`); so must the parser.
const compose: unknown = parse(composeText, { merge: true });

function composeSchemaValidator() {
  const schema = JSON.parse(readFileSync(schemaPath, 'utf8')) as Record<string, unknown>;
  const ajv = new Ajv({ strict: false, allErrors: true });
  // The schema names its meta-schema by the https URL without the trailing '#', which Ajv does not
  // know under that name; it is draft-07, which Ajv's default build implements.
  if (schema.$schema !== undefined && ajv.getSchema(String(schema.$schema)) === undefined) {
    ajv.addMetaSchema(
      { ...(ajv.getSchema('http://json-schema.org/draft-07/schema')?.schema as object), $id: String(schema.$schema) },
      String(schema.$schema),
    );
  }
  return ajv.compile(schema);
}

const validateCompose = composeSchemaValidator();

test('docker-compose.yml validates against the Compose Specification schema', () => {
  const valid = validateCompose(compose);
  assert.equal(valid, true, JSON.stringify(validateCompose.errors, null, 2));
});

test('the Compose schema check rejects a malformed service', () => {
  // An unquoted "a ? b : c" in a healthcheck list item parses as a YAML mapping, not a string.
  const mappingInTest = parse(
    'services:\n  a:\n    image: x\n    healthcheck:\n      test: [CMD, node, -e, r.ok ? 0 : 1]\n',
  );
  assert.equal(validateCompose(mappingInTest), false);
  assert.equal(validateCompose({ services: { kafka: { image: 'x', restart_policy: 'always' } } }), false);
});

test('the stack has Kafka, the registry, PostgreSQL, the three services, and the simulators under demo', () => {
  const services = composeServices(compose);
  for (const name of ['kafka', 'registry', 'postgres', 'extractor', 'loader', 'admin-api']) {
    assert.ok(services[name], `service ${name} is missing`);
    assert.equal(services[name]?.profiles, undefined, `${name} must run without a profile`);
  }
  for (const name of ['cloudsuite-simulator', 'zendesk-simulator']) {
    assert.deepEqual(services[name]?.profiles, ['demo'], `${name} must run in the demo profile only`);
  }
});

test('every build context and dockerfile exists', () => {
  assert.deepEqual(buildProblems(compose, repoRoot), []);
});

test('every required env_file exists', () => {
  assert.deepEqual(envFileProblems(compose, repoRoot), []);
});

test('every depends_on target is a service, and service_healthy targets define a healthcheck', () => {
  assert.deepEqual(dependencyProblems(compose), []);
});

test('every service defines a healthcheck', () => {
  const missing = Object.entries(composeServices(compose))
    .filter(([, service]) => service.healthcheck === undefined)
    .map(([name]) => name);
  assert.deepEqual(missing, []);
});

test('healthchecks of our services call a port the service listens on', () => {
  assert.deepEqual(healthcheckTargetProblems(compose), []);
});

test('published host ports do not collide', () => {
  assert.deepEqual(portCollisionProblems(compose), []);
});

test('bind-mounted paths exist in the repository', () => {
  assert.deepEqual(bindMountProblems(compose, repoRoot), []);
});

test('every variable the file interpolates is documented in .env.example', () => {
  const example = readFileSync(join(repoRoot, '.env.example'), 'utf8');
  const documented = new Set([...example.matchAll(/^([A-Z_][A-Z0-9_]*)=/gm)].map((match) => match[1]));
  const undocumented = [...interpolatedVariables(composeText)].filter((name) => !documented.has(name));
  assert.deepEqual(undocumented, []);
});

test('secrets have no default: compose refuses to start without them', () => {
  for (const name of ['POSTGRES_PASSWORD', 'MLC_MASTER_KEYS', 'ADMIN_BOOTSTRAP_TOKEN']) {
    const uses = [...composeText.matchAll(new RegExp(`\\$\\{${name}(:?[-?+])?`, 'g'))];
    assert.ok(uses.length > 0, `${name} is not used`);
    for (const use of uses) assert.equal(use[1], ':?', `${name} must be interpolated as \${${name}:?message}`);
  }
});

test('the services get only variables the connector declares', () => {
  const declared = new Set(ALL_CONFIG_DEFINITIONS.flatMap((area) => Object.values(area.definitions).map((v) => v.env)));
  // Read by Node itself and by glibc's allocator, not by the connector's configuration.
  for (const name of ['NODE_OPTIONS', 'MALLOC_ARENA_MAX', 'MALLOC_MMAP_THRESHOLD_']) declared.add(name);
  const unknown = [...connectorEnvironmentNames(compose)].flatMap(([service, names]) =>
    names.filter((name) => !declared.has(name)).map((name) => `${service}: ${name}`),
  );
  assert.deepEqual(unknown, []);
});

test('every service command runs a script that exists in the repository', () => {
  assert.deepEqual(commandScriptProblems(compose, repoRoot), []);
});

test('the consistency checks report what is wrong', () => {
  const broken = parse(`
services:
  a:
    build: { context: ./no-such-folder }
    command: ["node", "--import", "tsx", "services/nowhere/src/main.ts"]
    env_file: [missing.env]
    ports: ["\${A_PORT:-8080}:8080"]
    environment: { METRICS_PORT: "9464" }
    healthcheck: { test: ["CMD", "node", "-e", "fetch('http://127.0.0.1:9999/readyz')"] }
    depends_on:
      b: { condition: service_healthy }
      c: { condition: service_started }
  b:
    image: postgres:17
    ports: ["8080:80"]
    volumes: ["./no-such-init:/docker-entrypoint-initdb.d:ro"]
`);
  assert.equal(existsSync(join(repoRoot, 'no-such-folder')), false);
  assert.equal(buildProblems(broken, repoRoot).length, 2);
  assert.deepEqual(envFileProblems(broken, repoRoot), ['a: env_file missing.env is required but does not exist']);
  assert.deepEqual(dependencyProblems(broken), [
    'a: waits for b to be healthy, but b has no healthcheck',
    'a: depends on c, which is not a service',
  ]);
  assert.deepEqual(portCollisionProblems(broken), ['host port 8080/tcp: published by a and b']);
  assert.deepEqual(commandScriptProblems(broken, repoRoot), [
    'a: runs services/nowhere/src/main.ts, which does not exist',
  ]);
  assert.deepEqual(bindMountProblems(broken, repoRoot), ['b: mounts ./no-such-init, which does not exist']);
  assert.deepEqual(healthcheckTargetProblems(broken), [
    'a: healthcheck calls port 9999, but the service listens on 9464',
  ]);
});

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ALL_CONFIG_DEFINITIONS } from '@mlc/common/config-definitions';
import { parse } from 'yaml';
import {
  configMapReferenceProblems,
  containersOf,
  declaredConfigMapKeys,
  deploymentProblems,
  kustomizationProblems,
  loadManifests,
  type ManifestDocument,
  memoryBytes,
  nameOf,
  ofKind,
  patchTargetProblems,
  schemaProblems,
  secretKeyReferences,
  serviceProblems,
  structureProblems,
  yamlFilesUnder,
} from './k8s-consistency.ts';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const deployDir = join(repoRoot, 'deploy');
const { documents, problems: parseProblems } = loadManifests(yamlFilesUnder(deployDir), repoRoot);
const base = documents.filter((document) => document.file.startsWith('deploy/k8s/base/'));
const declaredVariables = new Set(
  ALL_CONFIG_DEFINITIONS.flatMap((area) => Object.values(area.definitions).map((variable) => variable.env)),
);

test('every YAML document under deploy/ parses and has apiVersion, kind and metadata.name', () => {
  assert.ok(documents.length >= 10, `only ${documents.length} documents found`);
  assert.deepEqual([...parseProblems, ...structureProblems(documents)], []);
});

test('every manifest under deploy/k8s is valid against the Kubernetes OpenAPI schema (kubernetes-models)', async () => {
  const manifests = documents.filter((document) => document.file.startsWith('deploy/k8s/'));
  assert.ok(manifests.length >= 10, `only ${manifests.length} manifests found`);
  assert.deepEqual(await schemaProblems(manifests, repoRoot), []);
});

test('the schema check reports wrong types, missing required fields and unknown kinds', async () => {
  const broken: ManifestDocument[] = parse(`
- apiVersion: apps/v1
  kind: Deployment
  metadata: { name: loader }
  spec:
    replicas: three
    selector: { matchLabels: { app: loader } }
    template:
      metadata: { labels: { app: loader } }
      spec:
        containers:
          - image: ml-connector
            env: [{ name: METRICS_PORT, value: 9464 }]
- apiVersion: v1
  kind: ConfigMap
  metadata: { name: config }
  data: { TOPIC_PARTITIONS: 6 }
- apiVersion: v1
  kind: Service
  metadata: { name: admin-api }
  spec: { ports: [{ port: "80" }] }
- apiVersion: batch/v1
  kind: Job
  metadata: { name: migrate }
  spec: { template: { spec: { restartPolicy: Never } } }
- apiVersion: apps/v1
  kind: Deploymnet
  metadata: { name: typo }
- apiVersion: kustomize.config.k8s.io/v1beta1
  kind: Kustomization
  resources: [loader.yaml]
`).map((content: Record<string, unknown>, index: number) => ({ file: 'fixture.yaml', index, content }));
  assert.deepEqual(await schemaProblems(broken, repoRoot), [
    'fixture.yaml#0 Deployment loader: /spec/replicas must be integer',
    'fixture.yaml#0 Deployment loader: /spec/template/spec/containers/0 must have required property name',
    'fixture.yaml#0 Deployment loader: /spec/template/spec/containers/0/env/0/value must be string',
    'fixture.yaml#1 ConfigMap config: /data/TOPIC_PARTITIONS must be string',
    'fixture.yaml#2 Service admin-api: /spec/ports/0/port must be integer',
    'fixture.yaml#3 Job migrate: /spec/template/spec must have required property containers',
    'fixture.yaml#4 Deploymnet typo: no Kubernetes schema for apiVersion apps/v1, kind Deploymnet',
  ]);
});

test('a patch is held to the schema types but not to its required fields', async () => {
  const overlay: ManifestDocument[] = [
    {
      file: 'overlay/kustomization.yaml',
      index: 0,
      content: parse(
        '{ apiVersion: kustomize.config.k8s.io/v1beta1, kind: Kustomization, patches: [{ path: loader.yaml }] }',
      ),
    },
    {
      file: 'overlay/loader.yaml',
      index: 0,
      content: parse(`
apiVersion: apps/v1
kind: Deployment
metadata: { name: loader }
spec: { template: { spec: { containers: [{ name: loader, env: [{ name: LOG_LEVEL, value: debug }, { name: METRICS_PORT, value: 9464 }] }] } } }
`),
    },
  ];
  assert.deepEqual(await schemaProblems(overlay, repoRoot), [
    'overlay/loader.yaml#0 Deployment loader: /spec/template/spec/containers/0/env/1/value must be string',
  ]);
});

test('every kustomization lists files that exist', () => {
  assert.deepEqual(kustomizationProblems(documents, repoRoot), []);
});

test('the base declares the three services with their PodDisruptionBudgets, the admin-api Service and a loader HPA', () => {
  const names = (kind: string) => ofKind(base, kind).map(nameOf).sort();
  assert.deepEqual(names('Deployment'), ['admin-api', 'extractor', 'loader']);
  assert.deepEqual(names('PodDisruptionBudget'), ['admin-api', 'extractor', 'loader']);
  assert.deepEqual(names('Service'), ['admin-api']);
  assert.deepEqual(names('HorizontalPodAutoscaler'), ['loader']);
});

test('deployments select their pods, probe declared ports, set resources and run non-root read-only', () => {
  assert.deepEqual(deploymentProblems(documents), []);
});

test('the Service, PodDisruptionBudgets and HPA point at declared deployments and ports', () => {
  assert.deepEqual(serviceProblems(base), []);
});

test('overlay patches target resources the base declares', () => {
  assert.deepEqual(patchTargetProblems(documents, repoRoot), []);
});

test('every referenced ConfigMap and ConfigMap key is declared', () => {
  assert.deepEqual(configMapReferenceProblems(base), []);
});

test('every referenced Secret key is documented in deploy/README.md', () => {
  const readme = readFileSync(join(deployDir, 'README.md'), 'utf8');
  const undocumented = secretKeyReferences(documents).filter(
    (reference) =>
      !readme.includes(`\`${reference.secret}\``) ||
      !new RegExp(`^\\|\\s*\`${reference.key}\`\\s*\\|`, 'm').test(readme),
  );
  assert.deepEqual(
    undocumented.map((reference) => `${reference.where}: ${reference.secret}/${reference.key}`),
    [],
  );
});

test('secrets are referenced from the Secret, never written into a ConfigMap or env value', () => {
  const secretVariables = ['DATABASE_URL', 'MLC_MASTER_KEYS', 'ADMIN_BOOTSTRAP_TOKEN', 'KAFKA_SASL_PASSWORD'];
  const inConfigMaps = [...declaredConfigMapKeys(documents)].flatMap(([name, keys]) =>
    secretVariables.filter((key) => keys.has(key)).map((key) => `ConfigMap ${name}: ${key}`),
  );
  const inline = ofKind(documents, 'Deployment').flatMap((deployment) =>
    containersOf(deployment).flatMap((container) =>
      (Array.isArray(container.env) ? container.env : [])
        .filter((variable) => secretVariables.includes(variable.name) && variable.value !== undefined)
        .map((variable) => `Deployment ${nameOf(deployment)}: ${String(variable.name)}`),
    ),
  );
  assert.deepEqual([...inConfigMaps, ...inline], []);
  assert.deepEqual(ofKind(documents, 'Secret'), [], 'no Secret manifest belongs in git');
});

test('ConfigMap keys and env names are variables the connector declares', () => {
  const readByNode = new Set(['NODE_OPTIONS', 'MALLOC_ARENA_MAX', 'MALLOC_MMAP_THRESHOLD_']);
  const unknown = [
    ...[...declaredConfigMapKeys(documents)].flatMap(([name, keys]) =>
      [...keys].filter((key) => !declaredVariables.has(key)).map((key) => `ConfigMap ${name}: ${key}`),
    ),
    ...ofKind(documents, 'Deployment').flatMap((deployment) =>
      containersOf(deployment).flatMap((container) =>
        (Array.isArray(container.env) ? container.env : [])
          .map((variable) => String(variable.name))
          .filter((name) => !declaredVariables.has(name) && !readByNode.has(name))
          .map((name) => `Deployment ${nameOf(deployment)}: ${name}`),
      ),
    ),
  ];
  assert.deepEqual(unknown, []);
});

test('memory limits leave room above the 200 MB RSS target and above the V8 heap cap', () => {
  const target = 200 * 1024 ** 2;
  for (const deployment of ofKind(base, 'Deployment')) {
    for (const container of containersOf(deployment)) {
      const resources = container.resources as { limits: { memory: string }; requests: { memory: string } };
      const limit = memoryBytes(resources.limits.memory);
      assert.ok(limit > target, `${nameOf(deployment)}: memory limit ${resources.limits.memory} is not above 200 MB`);
      assert.ok(memoryBytes(resources.requests.memory) <= limit, `${nameOf(deployment)}: request above limit`);
      const nodeOptions = (container.env as { name: string; value?: string }[]).find((v) => v.name === 'NODE_OPTIONS');
      const heapMb = Number(/--max-old-space-size=(\d+)/.exec(nodeOptions?.value ?? '')?.[1]);
      assert.ok(heapMb * 1024 ** 2 < target, `${nameOf(deployment)}: heap cap must stay under the RSS target`);
    }
  }
});

test('loader replicas cannot outgrow the change-topic partitions', () => {
  const config = ofKind(base, 'ConfigMap').find((document) => nameOf(document) === 'ml-connector-config');
  const partitions = Number((config?.content.data as Record<string, string> | undefined)?.TOPIC_PARTITIONS);
  const hpa = ofKind(base, 'HorizontalPodAutoscaler')[0]?.content.spec as { maxReplicas: number } | undefined;
  assert.ok(Number.isInteger(partitions) && partitions > 0, 'TOPIC_PARTITIONS must be set in the ConfigMap');
  assert.ok(hpa !== undefined && hpa.maxReplicas <= partitions, 'loader maxReplicas exceeds TOPIC_PARTITIONS');
});

test('each container runs the same script as compose, and that script exists', () => {
  const compose = parse(readFileSync(join(repoRoot, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, { command?: string[] }>;
  };
  const missing: string[] = [];
  for (const deployment of ofKind(base, 'Deployment')) {
    const command = (containersOf(deployment)[0]?.command ?? []) as string[];
    assert.deepEqual(command, compose.services[nameOf(deployment)]?.command, `${nameOf(deployment)} command`);
    const script = command.find((arg) => arg.endsWith('.ts'));
    if (script === undefined || !existsSync(join(repoRoot, script))) missing.push(`${nameOf(deployment)}: ${script}`);
  }
  assert.deepEqual(missing, []);
});

test('the manifest checks report what is wrong', () => {
  const broken: ManifestDocument[] = parse(`
- apiVersion: apps/v1
  kind: Deployment
  metadata: { name: loader }
  spec:
    replicas: 3
    selector: { matchLabels: { app: loader } }
    template:
      metadata: { labels: { app: other } }
      spec:
        containers:
          - name: loader
            ports: [{ name: metrics, containerPort: 9464 }]
            envFrom: [{ configMapRef: { name: missing-config } }]
            readinessProbe: { httpGet: { path: /readyz, port: http } }
            livenessProbe: { httpGet: { path: /healthz, port: metrics } }
            resources: { requests: { cpu: 1m, memory: 1Mi }, limits: { cpu: 1 } }
            securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, runAsNonRoot: true }
            volumeMounts: [{ name: tmp, mountPath: /tmp }]
- apiVersion: autoscaling/v2
  kind: HorizontalPodAutoscaler
  metadata: { name: loader }
  spec: { scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: loader }, maxReplicas: 2 }
- apiVersion: v1
  kind: Service
  metadata: { name: Admin_API }
  spec: { selector: { app: admin-api }, ports: [{ port: 80 }] }
`).map((content: Record<string, unknown>, index: number) => ({ file: 'fixture.yaml', index, content }));
  assert.deepEqual(structureProblems(broken), ['fixture.yaml#2: metadata.name Admin_API is not a DNS subdomain name']);
  assert.deepEqual(deploymentProblems(broken), [
    'Deployment loader: selector does not match its pod template labels',
    'Deployment loader container loader: readinessProbe targets port http, which the container does not declare',
    'Deployment loader container loader: no limits.memory',
    'Deployment loader container loader: mounts volume tmp, which the pod does not declare',
  ]);
  assert.deepEqual(configMapReferenceProblems(broken), [
    'Deployment loader container loader: envFrom ConfigMap missing-config, which is not declared',
  ]);
  assert.deepEqual(serviceProblems(broken), [
    "Service Admin_API: selects no Deployment's pods",
    'Deployment loader: sets replicas although an autoscaler owns them',
  ]);
});

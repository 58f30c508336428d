import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';

/**
 * Structural checks of the Kubernetes manifests under deploy/: each returns one readable line per
 * problem. There is no cluster here to apply them to, so these checks stand in for what the API
 * server and kustomize would reject, plus the cross-references neither of them checks.
 */

export type Mapping = Record<string, unknown>;

export function isMapping(value: unknown): value is Mapping {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export interface ManifestDocument {
  file: string;
  index: number;
  content: Mapping;
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function mapping(value: unknown): Mapping {
  return isMapping(value) ? value : {};
}

export function yamlFilesUnder(directory: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) files.push(...yamlFilesUnder(path));
    else if (/\.ya?ml$/.test(entry.name)) files.push(path);
  }
  return files.sort();
}

/** Parses every document of every file; YAML errors are returned as problems, not thrown. */
export function loadManifests(
  files: readonly string[],
  root: string,
): { documents: ManifestDocument[]; problems: string[] } {
  const documents: ManifestDocument[] = [];
  const problems: string[] = [];
  for (const path of files) {
    const file = relative(root, path);
    parseAllDocuments(readFileSync(path, 'utf8')).forEach((document, index) => {
      if (!('errors' in document)) return;
      for (const error of document.errors) problems.push(`${file}#${index}: ${error.message}`);
      const content: unknown = document.toJS();
      if (content === null || content === undefined) return;
      if (!isMapping(content)) problems.push(`${file}#${index}: is not a mapping`);
      else documents.push({ file, index, content });
    });
  }
  return { documents, problems };
}

const isKustomization = (document: ManifestDocument): boolean => document.content.kind === 'Kustomization';
const API_VERSION = /^([a-z0-9.-]+\/)?v\d+((alpha|beta)\d+)?$/;

export function structureProblems(documents: readonly ManifestDocument[]): string[] {
  const problems: string[] = [];
  for (const document of documents) {
    const where = `${document.file}#${document.index}`;
    const { apiVersion, kind, metadata } = document.content;
    if (typeof apiVersion !== 'string' || !API_VERSION.test(apiVersion)) {
      problems.push(`${where}: apiVersion ${String(apiVersion)} is not group/version`);
    }
    if (typeof kind !== 'string' || !/^[A-Z][A-Za-z]+$/.test(kind)) problems.push(`${where}: kind ${String(kind)}`);
    if (isKustomization(document)) continue;
    const name = mapping(metadata).name;
    if (typeof name !== 'string' || !/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(name)) {
      problems.push(`${where}: metadata.name ${String(name)} is not a DNS subdomain name`);
    }
  }
  return problems;
}

/** Every path a kustomization lists (resources, patches, components, generator files) must exist. */
export function kustomizationProblems(documents: readonly ManifestDocument[], root: string): string[] {
  const problems: string[] = [];
  for (const document of documents.filter(isKustomization)) {
    const base = dirname(join(root, document.file));
    const paths: string[] = [
      ...list(document.content.resources).map(String),
      ...list(document.content.components).map(String),
      ...list(document.content.patches).flatMap((patch) => {
        const path = mapping(patch).path;
        return typeof path === 'string' ? [path] : [];
      }),
      ...[...list(document.content.configMapGenerator), ...list(document.content.secretGenerator)].flatMap(
        (generator) =>
          [...list(mapping(generator).files), ...list(mapping(generator).envs)].map((file) =>
            String(file).replace(/^[^=]*=/, ''),
          ),
      ),
    ];
    for (const path of paths) {
      if (/^[a-z]+:\/\//.test(path)) continue;
      const target = join(base, path);
      if (!existsSync(target)) {
        problems.push(`${document.file}: lists ${path}, which does not exist`);
      } else if (statSync(target).isDirectory() && !existsSync(join(target, 'kustomization.yaml'))) {
        problems.push(`${document.file}: lists folder ${path}, which has no kustomization.yaml`);
      }
    }
  }
  return problems;
}

export function ofKind(documents: readonly ManifestDocument[], kind: string): ManifestDocument[] {
  return documents.filter((document) => document.content.kind === kind);
}

export function nameOf(document: ManifestDocument): string {
  return String(mapping(document.content.metadata).name);
}

function podSpec(deployment: ManifestDocument): Mapping {
  return mapping(mapping(mapping(deployment.content.spec).template).spec);
}

function podLabels(deployment: ManifestDocument): Mapping {
  return mapping(mapping(mapping(mapping(deployment.content.spec).template).metadata).labels);
}

export function containersOf(deployment: ManifestDocument): Mapping[] {
  return list(podSpec(deployment).containers).filter(isMapping);
}

function selects(selector: Mapping, labels: Mapping): boolean {
  const entries = Object.entries(selector);
  return entries.length > 0 && entries.every(([key, value]) => labels[key] === value);
}

function portMatches(port: unknown, container: Mapping): boolean {
  return list(container.ports).some((declared) => {
    const { name, containerPort } = mapping(declared);
    return typeof port === 'string' ? name === port : containerPort === port;
  });
}

/** Bytes of a Kubernetes memory quantity (Ki, Mi, Gi, or plain bytes). */
export function memoryBytes(quantity: unknown): number {
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|K|M|G)?$/.exec(String(quantity));
  if (!match) return Number.NaN;
  const factor: Record<string, number> = { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, K: 1e3, M: 1e6, G: 1e9 };
  return Number(match[1]) * (factor[match[2] ?? ''] ?? 1);
}

export function deploymentProblems(documents: readonly ManifestDocument[]): string[] {
  const problems: string[] = [];
  for (const deployment of ofKind(documents, 'Deployment')) {
    const name = nameOf(deployment);
    const selector = mapping(mapping(deployment.content.spec).selector).matchLabels;
    if (!selects(mapping(selector), podLabels(deployment))) {
      problems.push(`Deployment ${name}: selector does not match its pod template labels`);
    }
    const spec = podSpec(deployment);
    const podSecurity = mapping(spec.securityContext);
    const volumes = new Set(list(spec.volumes).map((volume) => mapping(volume).name));
    const containers = containersOf(deployment);
    if (containers.length === 0) problems.push(`Deployment ${name}: no containers`);
    for (const container of containers) {
      const where = `Deployment ${name} container ${String(container.name)}`;
      for (const probeName of ['readinessProbe', 'livenessProbe']) {
        const probe = mapping(container[probeName]);
        const httpGet = mapping(probe.httpGet);
        if (Object.keys(probe).length === 0) problems.push(`${where}: no ${probeName}`);
        else if (httpGet.port !== undefined && !portMatches(httpGet.port, container)) {
          problems.push(
            `${where}: ${probeName} targets port ${String(httpGet.port)}, which the container does not declare`,
          );
        }
      }
      const startupPort = mapping(mapping(container.startupProbe).httpGet).port;
      if (startupPort !== undefined && !portMatches(startupPort, container)) {
        problems.push(
          `${where}: startupProbe targets port ${String(startupPort)}, which the container does not declare`,
        );
      }
      const resources = mapping(container.resources);
      for (const bound of ['requests', 'limits']) {
        for (const resource of ['cpu', 'memory']) {
          if (mapping(resources[bound])[resource] === undefined) problems.push(`${where}: no ${bound}.${resource}`);
        }
      }
      const security = mapping(container.securityContext);
      if (security.runAsNonRoot !== true && podSecurity.runAsNonRoot !== true) {
        problems.push(`${where}: runAsNonRoot is not set`);
      }
      if (security.readOnlyRootFilesystem !== true) problems.push(`${where}: root filesystem is writable`);
      if (security.allowPrivilegeEscalation !== false) problems.push(`${where}: allows privilege escalation`);
      for (const mount of list(container.volumeMounts)) {
        const volume = mapping(mount).name;
        if (!volumes.has(volume))
          problems.push(`${where}: mounts volume ${String(volume)}, which the pod does not declare`);
      }
    }
  }
  return problems;
}

interface SecretKeyReference {
  where: string;
  secret: string;
  key: string;
}

export function secretKeyReferences(documents: readonly ManifestDocument[]): SecretKeyReference[] {
  return ofKind(documents, 'Deployment').flatMap((deployment) =>
    containersOf(deployment).flatMap((container) =>
      list(container.env).flatMap((variable) => {
        const reference = mapping(mapping(mapping(variable).valueFrom).secretKeyRef);
        if (reference.name === undefined) return [];
        return [
          {
            where: `Deployment ${nameOf(deployment)} env ${String(mapping(variable).name)}`,
            secret: String(reference.name),
            key: String(reference.key),
          },
        ];
      }),
    ),
  );
}

/** ConfigMap data keys by ConfigMap name, from manifests (patches included) and generator literals. */
export function declaredConfigMapKeys(documents: readonly ManifestDocument[]): Map<string, Set<string>> {
  const declared = new Map<string, Set<string>>();
  const add = (name: string, keys: Iterable<string>) => {
    const set = declared.get(name) ?? new Set<string>();
    for (const key of keys) set.add(key);
    declared.set(name, set);
  };
  for (const configMap of ofKind(documents, 'ConfigMap')) {
    add(nameOf(configMap), Object.keys(mapping(configMap.content.data)));
  }
  for (const kustomization of documents.filter(isKustomization)) {
    for (const generator of list(kustomization.content.configMapGenerator)) {
      const literals = list(mapping(generator).literals).map((literal) => String(literal).split('=')[0] ?? '');
      add(String(mapping(generator).name), literals);
    }
  }
  return declared;
}

export function configMapReferenceProblems(documents: readonly ManifestDocument[]): string[] {
  const declared = declaredConfigMapKeys(documents);
  const problems: string[] = [];
  for (const deployment of ofKind(documents, 'Deployment')) {
    for (const container of containersOf(deployment)) {
      const where = `Deployment ${nameOf(deployment)} container ${String(container.name)}`;
      for (const source of list(container.envFrom)) {
        const name = mapping(mapping(source).configMapRef).name;
        if (name !== undefined && !declared.has(String(name))) {
          problems.push(`${where}: envFrom ConfigMap ${String(name)}, which is not declared`);
        }
      }
      for (const variable of list(container.env)) {
        const reference = mapping(mapping(mapping(variable).valueFrom).configMapKeyRef);
        if (reference.name === undefined) continue;
        if (!declared.get(String(reference.name))?.has(String(reference.key)) && reference.optional !== true) {
          problems.push(`${where}: ConfigMap key ${String(reference.name)}/${String(reference.key)} is not declared`);
        }
      }
    }
  }
  return problems;
}

export function serviceProblems(documents: readonly ManifestDocument[]): string[] {
  const deployments = ofKind(documents, 'Deployment');
  const problems: string[] = [];
  for (const service of ofKind(documents, 'Service')) {
    const spec = mapping(service.content.spec);
    const backing = deployments.filter((deployment) => selects(mapping(spec.selector), podLabels(deployment)));
    if (backing.length === 0) {
      problems.push(`Service ${nameOf(service)}: selects no Deployment's pods`);
      continue;
    }
    for (const port of list(spec.ports)) {
      const target = mapping(port).targetPort ?? mapping(port).port;
      const served = backing.every((deployment) =>
        containersOf(deployment).some((container) => portMatches(target, container)),
      );
      if (!served) problems.push(`Service ${nameOf(service)}: targetPort ${String(target)} is not a container port`);
    }
  }
  for (const budget of ofKind(documents, 'PodDisruptionBudget')) {
    const selector = mapping(mapping(mapping(budget.content.spec).selector).matchLabels);
    if (!deployments.some((deployment) => selects(selector, podLabels(deployment)))) {
      problems.push(`PodDisruptionBudget ${nameOf(budget)}: selects no Deployment's pods`);
    }
  }
  for (const autoscaler of ofKind(documents, 'HorizontalPodAutoscaler')) {
    const spec = mapping(autoscaler.content.spec);
    const target = mapping(spec.scaleTargetRef);
    const deployment = deployments.find((candidate) => nameOf(candidate) === target.name);
    if (target.kind !== 'Deployment' || deployment === undefined) {
      problems.push(
        `HorizontalPodAutoscaler ${nameOf(autoscaler)}: scales ${String(target.kind)} ${String(target.name)}, which is not declared`,
      );
      continue;
    }
    if (mapping(deployment.content.spec).replicas !== undefined) {
      problems.push(`Deployment ${nameOf(deployment)}: sets replicas although an autoscaler owns them`);
    }
    if (!(Number(spec.minReplicas ?? 1) <= Number(spec.maxReplicas))) {
      problems.push(`HorizontalPodAutoscaler ${nameOf(autoscaler)}: minReplicas exceeds maxReplicas`);
    }
  }
  return problems;
}

/** Files that a kustomization applies as patches (repo-relative), as opposed to resources. */
function patchFilesOf(documents: readonly ManifestDocument[], root: string): Set<string> {
  return new Set(
    documents.filter(isKustomization).flatMap((kustomization) =>
      list(kustomization.content.patches).flatMap((patch) => {
        const path = mapping(patch).path;
        return typeof path === 'string' ? [relative(root, join(root, dirname(kustomization.file), path))] : [];
      }),
    ),
  );
}

/** Every patch of an overlay must name a resource of its bases, or kustomize fails to apply it. */
export function patchTargetProblems(documents: readonly ManifestDocument[], root: string): string[] {
  const problems: string[] = [];
  const patchFiles = patchFilesOf(documents, root);
  const resources = documents.filter((document) => !patchFiles.has(document.file) && !isKustomization(document));
  for (const patch of documents.filter((document) => patchFiles.has(document.file))) {
    const exists = resources.some(
      (resource) => resource.content.kind === patch.content.kind && nameOf(resource) === nameOf(patch),
    );
    if (!exists)
      problems.push(`${patch.file}: patches ${String(patch.content.kind)} ${nameOf(patch)}, which no base declares`);
  }
  return problems;
}

/**
 * Kinds that are no Kubernetes API object, so kubernetes-models has no schema for them: kustomize's own
 * file (kustomizationProblems checks it). Any other kind without a schema is a problem, so a typo in
 * apiVersion or kind cannot slip past the schema check.
 */
const KINDS_WITHOUT_SCHEMA = new Set(['kustomize.config.k8s.io/v1beta1 Kustomization']);

interface KubernetesModel {
  new (data: Mapping): { validate(): void };
  apiVersion: string;
  kind: string;
}

/** The kubernetes-models class for apiVersion + kind (`kubernetes-models/apps/v1/Deployment`), if one exists. */
async function kubernetesModel(apiVersion: unknown, kind: unknown): Promise<KubernetesModel | undefined> {
  if (typeof apiVersion !== 'string' || !API_VERSION.test(apiVersion)) return undefined;
  if (typeof kind !== 'string' || !/^[A-Z][A-Za-z0-9]*$/.test(kind)) return undefined;
  let exports: Record<string, unknown>;
  try {
    exports = (await import(`kubernetes-models/${apiVersion}/${kind}`)) as Record<string, unknown>;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ERR_PACKAGE_PATH_NOT_EXPORTED' || code === 'ERR_MODULE_NOT_FOUND') return undefined;
    throw error;
  }
  const model = exports[kind] as Partial<KubernetesModel> | undefined;
  // `v1/PodSpec` and the like exist too: only a top-level object declares its own apiVersion and kind.
  return model?.apiVersion === apiVersion && model.kind === kind ? (model as KubernetesModel) : undefined;
}

interface SchemaError {
  instancePath?: string;
  keyword?: string;
  message?: string;
}

/**
 * Validates every document against the official Kubernetes OpenAPI schema that kubernetes-models ships
 * (required fields, types, formats, enums; the schemas allow unknown fields, as the API server does
 * without strict field validation). A patch only has to be well-typed: the resource it patches carries
 * the required fields.
 */
export async function schemaProblems(documents: readonly ManifestDocument[], root: string): Promise<string[]> {
  const patchFiles = patchFilesOf(documents, root);
  const problems: string[] = [];
  for (const document of documents) {
    const { apiVersion, kind } = document.content;
    const where = `${document.file}#${document.index} ${String(kind)} ${nameOf(document)}`;
    if (KINDS_WITHOUT_SCHEMA.has(`${String(apiVersion)} ${String(kind)}`)) continue;
    const Model = await kubernetesModel(apiVersion, kind);
    if (Model === undefined) {
      problems.push(`${where}: no Kubernetes schema for apiVersion ${String(apiVersion)}, kind ${String(kind)}`);
      continue;
    }
    try {
      new Model(document.content).validate();
    } catch (error) {
      const errors = (error as { errors?: SchemaError[] }).errors;
      if (!Array.isArray(errors)) throw error;
      const relevant = patchFiles.has(document.file) ? errors.filter((e) => e.keyword !== 'required') : errors;
      for (const e of relevant) problems.push(`${where}: ${e.instancePath || '/'} ${e.message}`);
    }
  }
  return problems;
}

// Static checks of a Cloud Run service YAML, hand-written or rendered: what `gcloud run services replace` or Cloud
// Run would refuse, and what a serving container should not go without (a port, resource limits, an HTTP health
// probe, secrets kept out of plain env). The rules are those the options are validated with (cloud-run-limits.ts).
import type { ContainersIssue } from '../containers-error.js';
import { imageReferenceIssues } from '../cloud-build/image-reference.js';
import { parseYamlText } from '../gcloud/yaml-text.js';
import {
  concurrencyIssues,
  cpuIssues,
  envNameIssues,
  EXECUTION_ENVIRONMENTS,
  INGRESS_VALUES,
  instanceIssues,
  integerIssues,
  memoryBytes,
  memoryIssues,
  probePathIssues,
  probeTimingIssues,
  resourceCombinationIssues,
  serviceNameIssues,
  timeoutIssues,
} from './cloud-run-limits.js';
import { looksLikeSecretName } from './secret-names.js';

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function show(value: unknown): string {
  return typeof value === 'number' || typeof value === 'boolean' || value === undefined ? String(value) : JSON.stringify(value);
}

/** Kubernetes CPU quantities as Cloud Run reads them: `1`, `"2"`, `"0.5"`, `"500m"`. */
function parseCpu(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return undefined;
  if (/^\d+(?:\.\d+)?$/.test(value)) return Number(value);
  const millis = /^(\d+)m$/.exec(value);
  return millis ? Number(millis[1]) / 1000 : undefined;
}

/** Annotation values are strings in the API; an unquoted `true` or `3` in YAML is refused. */
function annotationIssues(annotations: unknown, path: string): ContainersIssue[] {
  if (annotations === undefined) return [];
  if (!isObject(annotations)) return [{ path, message: `${show(annotations)} is not a map; write annotations as "key: 'value'" lines` }];
  return Object.entries(annotations)
    .filter(([, value]) => typeof value !== 'string')
    .map(([key, value]) => ({
      path: `${path}["${key}"]`,
      message: `${show(value)} is not a string; annotation values must be quoted strings: write '${show(value)}'`,
    }));
}

/**
 * Checks a Cloud Run service YAML (`serving.knative.dev/v1` Service) without deploying it: apiVersion and kind, the
 * service name, the first container's image, port, CPU and memory limits against Cloud Run's documented limits,
 * concurrency, timeout and scaling annotations, reserved or malformed env names, secrets written as plain env
 * values (names ending in KEY, SECRET, TOKEN, PASSWORD: move them to Secret Manager), and an HTTP startup probe on
 * a path. Returns every finding; an empty list means nothing was found.
 *
 * @example const issues = checkCloudRunService(readFileSync('service.yaml', 'utf8'));
 */
export function checkCloudRunService(yamlText: string): ContainersIssue[] {
  const parsed = parseYamlText(yamlText);
  if (parsed.issues.length > 0) return parsed.issues;
  const service = parsed.value;
  if (!isObject(service)) return [{ path: 'document', message: 'the file is not a YAML map; a Cloud Run service starts with "apiVersion: serving.knative.dev/v1" and "kind: Service"' }];
  const issues: ContainersIssue[] = [];
  if (service.apiVersion !== 'serving.knative.dev/v1') {
    issues.push({ path: 'apiVersion', message: `${show(service.apiVersion)} is not what gcloud run services replace reads for a service; write "serving.knative.dev/v1"` });
  }
  if (service.kind !== 'Service') issues.push({ path: 'kind', message: `${show(service.kind)} is not a Cloud Run service; write "Service"` });
  const metadata = isObject(service.metadata) ? service.metadata : {};
  issues.push(...serviceNameIssues(metadata.name, 'metadata.name'));
  issues.push(...annotationIssues(metadata.annotations, 'metadata.annotations'));
  const ingress = isObject(metadata.annotations) ? metadata.annotations['run.googleapis.com/ingress'] : undefined;
  if (typeof ingress === 'string' && !(INGRESS_VALUES as readonly string[]).includes(ingress)) {
    issues.push({ path: 'metadata.annotations["run.googleapis.com/ingress"]', message: `${show(ingress)} is not a Cloud Run ingress setting; use ${INGRESS_VALUES.map((value) => `"${value}"`).join(', ')}` });
  }
  const template = isObject(service.spec) && isObject(service.spec.template) ? service.spec.template : undefined;
  if (!template) {
    issues.push({ path: 'spec.template', message: 'missing; a service needs spec.template.spec.containers with at least the image' });
    return issues;
  }
  issues.push(...templateIssues(template));
  return issues;
}

function templateIssues(template: Json): ContainersIssue[] {
  const issues: ContainersIssue[] = [];
  const annotationsPath = 'spec.template.metadata.annotations';
  const annotations = isObject(template.metadata) && isObject(template.metadata.annotations) ? template.metadata.annotations : {};
  issues.push(...annotationIssues(isObject(template.metadata) ? template.metadata.annotations : undefined, annotationsPath));
  const scale = (key: string): { value: unknown; path: string } | undefined => {
    const value = annotations[key];
    if (value === undefined) return undefined;
    const number = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
    return { value: number, path: `${annotationsPath}["${key}"]` };
  };
  issues.push(...instanceIssues(scale('autoscaling.knative.dev/minScale'), scale('autoscaling.knative.dev/maxScale')));
  for (const key of ['run.googleapis.com/cpu-throttling', 'run.googleapis.com/startup-cpu-boost']) {
    const value = annotations[key];
    if (typeof value === 'string' && value !== 'true' && value !== 'false') {
      issues.push({ path: `${annotationsPath}["${key}"]`, message: `${show(value)} is neither "true" nor "false"; write one of them` });
    }
  }
  const environment = annotations['run.googleapis.com/execution-environment'];
  if (typeof environment === 'string' && !(EXECUTION_ENVIRONMENTS as readonly string[]).includes(environment)) {
    issues.push({ path: `${annotationsPath}["run.googleapis.com/execution-environment"]`, message: `${show(environment)} is not a Cloud Run execution environment; use "gen1" or "gen2"` });
  }
  const spec = isObject(template.spec) ? template.spec : {};
  if (spec.containerConcurrency !== undefined) issues.push(...concurrencyIssues(spec.containerConcurrency, 'spec.template.spec.containerConcurrency'));
  if (spec.timeoutSeconds !== undefined) issues.push(...timeoutIssues(spec.timeoutSeconds, 'spec.template.spec.timeoutSeconds'));
  const containers = spec.containers;
  if (!Array.isArray(containers) || containers.length === 0 || !isObject(containers[0])) {
    issues.push({ path: 'spec.template.spec.containers', message: 'missing; list the container, at least "- image: REGION-docker.pkg.dev/PROJECT/REPOSITORY/IMAGE:TAG"' });
    return issues;
  }
  issues.push(...containerIssues(containers[0], spec, annotations));
  return issues;
}

function containerIssues(container: Json, spec: Json, annotations: Json): ContainersIssue[] {
  const base = 'spec.template.spec.containers[0]';
  const issues: ContainersIssue[] = [...imageReferenceIssues(container.image, `${base}.image`)];
  // The port.
  const port = Array.isArray(container.ports) && isObject(container.ports[0]) ? container.ports[0] : undefined;
  let containerPort: number | undefined;
  if (!port) {
    issues.push({ path: `${base}.ports`, message: 'missing; Cloud Run then sends requests to 8080: declare the port your server listens on, "- name: http1" and "containerPort: 8080"' });
  } else {
    const portIssues = integerIssues(port.containerPort, `${base}.ports[0].containerPort`, 1, 65535, 'a TCP port');
    issues.push(...portIssues);
    if (portIssues.length === 0) containerPort = port.containerPort as number;
    if (port.name !== undefined && port.name !== 'http1' && port.name !== 'h2c') {
      issues.push({ path: `${base}.ports[0].name`, message: `${show(port.name)} is not a Cloud Run port name; use "http1" (HTTP/1, which the HTTP probes need) or "h2c" (end-to-end HTTP/2)` });
    }
  }
  issues.push(...resourceIssues(container, spec, annotations));
  issues.push(...envIssues(container.env, `${base}.env`));
  // The probes.
  const startup = container.startupProbe;
  if (!isObject(startup)) {
    issues.push({
      path: `${base}.startupProbe`,
      message: 'missing; Cloud Run then only waits for the port to open, and routes requests before the model is loaded: add "startupProbe: {httpGet: {path: /health}}" on your health route',
    });
  } else {
    issues.push(...probeIssues(startup, `${base}.startupProbe`, 'startup', containerPort));
  }
  if (container.livenessProbe !== undefined) {
    if (isObject(container.livenessProbe)) issues.push(...probeIssues(container.livenessProbe, `${base}.livenessProbe`, 'liveness', containerPort));
    else issues.push({ path: `${base}.livenessProbe`, message: `${show(container.livenessProbe)} is not a probe; write "httpGet: {path: /health}" under it` });
  }
  return issues;
}

function resourceIssues(container: Json, spec: Json, annotations: Json): ContainersIssue[] {
  const base = 'spec.template.spec.containers[0].resources.limits';
  const limits = isObject(container.resources) && isObject(container.resources.limits) ? container.resources.limits : undefined;
  if (!limits) {
    return [{ path: base, message: 'missing; Cloud Run then gives 1 CPU and 512Mi, too little for most models: set "cpu" and "memory", e.g. cpu: "2", memory: 4Gi' }];
  }
  const issues: ContainersIssue[] = [];
  const cpuPath = `${base}.cpu`;
  const memoryPath = `${base}.memory`;
  const cpu = parseCpu(limits.cpu);
  const cpuProblems = limits.cpu === undefined ? [{ path: cpuPath, message: 'missing; Cloud Run then gives 1 CPU: set it explicitly, e.g. "1" or "2"' }] : cpuIssues(cpu ?? limits.cpu, cpuPath);
  const environment = typeof annotations['run.googleapis.com/execution-environment'] === 'string' ? annotations['run.googleapis.com/execution-environment'] : undefined;
  const memoryProblems =
    limits.memory === undefined ? [{ path: memoryPath, message: 'missing; Cloud Run then gives 512Mi: set it explicitly, e.g. "2Gi"' }] : memoryIssues(limits.memory, memoryPath, environment);
  issues.push(...cpuProblems, ...memoryProblems);
  if (cpuProblems.length === 0 && memoryProblems.length === 0 && cpu !== undefined && typeof limits.memory === 'string') {
    const concurrency = spec.containerConcurrency;
    const throttling = annotations['run.googleapis.com/cpu-throttling'];
    issues.push(
      ...resourceCombinationIssues({
        cpu: { value: cpu, path: cpuPath },
        memory: { value: limits.memory, bytes: memoryBytes(limits.memory) ?? 0, path: memoryPath },
        ...(typeof concurrency === 'number' ? { concurrency: { value: concurrency, path: 'spec.template.spec.containerConcurrency' } } : {}),
        ...(throttling === 'false' ? { cpuAlwaysAllocated: { value: true, path: 'spec.template.metadata.annotations["run.googleapis.com/cpu-throttling"]' } } : {}),
        ...(environment !== undefined ? { executionEnvironment: { value: environment, path: 'spec.template.metadata.annotations["run.googleapis.com/execution-environment"]' } } : {}),
      }),
    );
  }
  return issues;
}

function envIssues(env: unknown, base: string): ContainersIssue[] {
  if (env === undefined) return [];
  if (!Array.isArray(env)) return [{ path: base, message: `${show(env)} is not a list; write env as "- name: NAME" entries with "value" or "valueFrom"` }];
  const issues: ContainersIssue[] = [];
  env.forEach((entry: unknown, index) => {
    const path = `${base}[${index}]`;
    if (!isObject(entry) || typeof entry.name !== 'string') {
      issues.push({ path: `${path}.name`, message: 'missing; every env entry needs a name' });
      return;
    }
    const name = entry.name;
    issues.push(...envNameIssues(name, `${path}.name`));
    if (entry.value !== undefined && entry.valueFrom !== undefined) {
      issues.push({ path, message: `${name} has both value and valueFrom; keep one` });
    }
    if (entry.value !== undefined && typeof entry.value !== 'string') {
      const text = JSON.stringify(entry.value) ?? 'null';
      issues.push({ path: `${path}.value`, message: `${text} is not a string; YAML reads it as ${typeof entry.value}: quote it, '${text}'` });
    }
    if (typeof entry.value === 'string' && entry.value !== '' && looksLikeSecretName(name)) {
      issues.push({
        path: `${path}.value`,
        message: `${name} looks like a secret written in plain text (anyone with viewer access reads it); store it in Secret Manager and write "valueFrom: {secretKeyRef: {name: SECRET, key: latest}}" instead of value`,
      });
    }
    if (entry.valueFrom !== undefined) {
      const ref = isObject(entry.valueFrom) && isObject(entry.valueFrom.secretKeyRef) ? entry.valueFrom.secretKeyRef : undefined;
      if (!ref) {
        issues.push({ path: `${path}.valueFrom`, message: 'Cloud Run reads only secretKeyRef here; write "secretKeyRef: {name: SECRET, key: latest}"' });
      } else {
        if (typeof ref.name !== 'string' || ref.name === '') issues.push({ path: `${path}.valueFrom.secretKeyRef.name`, message: 'missing; name the Secret Manager secret' });
        if (typeof ref.key !== 'string' || ref.key === '') {
          issues.push({ path: `${path}.valueFrom.secretKeyRef.key`, message: `missing; give the secret version as a string, "latest" or a number such as '1'` });
        }
      }
    }
  });
  return issues;
}

function probeIssues(probe: Json, path: string, kind: 'startup' | 'liveness', containerPort: number | undefined): ContainersIssue[] {
  const issues: ContainersIssue[] = [];
  const httpGet = isObject(probe.httpGet) ? probe.httpGet : undefined;
  if (!httpGet) {
    const other = probe.tcpSocket !== undefined ? 'a TCP probe only sees the port open' : probe.grpc !== undefined ? 'a gRPC probe needs the gRPC health protocol' : 'it has no check';
    issues.push({ path: `${path}.httpGet.path`, message: `missing (${other}); probe the health route over HTTP: "httpGet: {path: /health}"` });
  } else {
    issues.push(...probePathIssues(httpGet.path, `${path}.httpGet.path`));
    if (httpGet.port !== undefined && containerPort !== undefined && httpGet.port !== containerPort) {
      issues.push({ path: `${path}.httpGet.port`, message: `${show(httpGet.port)} is not the container port ${containerPort}; probe the port the server listens on, or leave port out` });
    }
  }
  issues.push(...probeTimingIssues(probe, path, kind));
  return issues;
}

// The options of a Cloud Run service in users' words, their defaults, and the one validation every renderer runs
// first (so the YAML, the deploy command and the error messages agree on what a service is).
import { throwIfIssues, type ContainersIssue } from '../containers-error.js';
import { imageReferenceIssues, PROJECT_ID } from '../cloud-build/image-reference.js';
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

/** Timing of an HTTP health check probe. */
export interface CloudRunProbeOptions {
  /** Seconds after the container starts before the first probe, 0 to 240. Default 0. */
  initialDelaySeconds?: number;
  /** Seconds between probes. Default 10 (startup) or 30 (liveness). */
  periodSeconds?: number;
  /** Seconds one probe may take, at most `periodSeconds`. Default 5. */
  timeoutSeconds?: number;
  /** Failed probes in a row before Cloud Run gives up on (startup) or restarts (liveness) the instance. Default 24 (startup) or 3 (liveness). */
  failureThreshold?: number;
}

/** A liveness probe: the startup probe's timing plus the path, which defaults to `healthRoute`. */
export interface CloudRunLivenessProbeOptions extends CloudRunProbeOptions {
  /** HTTP path Cloud Run GETs; default the service's `healthRoute`. */
  path?: string;
}

/** Who can reach the service over the network (`run.googleapis.com/ingress`). */
export type CloudRunIngress = (typeof INGRESS_VALUES)[number];

/** A Cloud Run service: what runs, how big, how it scales, what it is told. */
export interface CloudRunServiceOptions {
  /** Service name: lowercase letters, digits and `-`, starting with a letter, at most 49 characters. */
  name: string;
  /** Container image, e.g. `us-central1-docker.pkg.dev/my-project/models/server:1.0`. */
  image: string;
  /** Region to deploy to, e.g. `us-central1`. Used by the gcloud commands only. */
  region?: string;
  /** Project ID. Used by the gcloud commands only. */
  project?: string;
  /** Memory per instance: `512Mi`, `2Gi`, up to `32Gi`. Default `2Gi` (a model and its runtime rarely fit Cloud Run's 512Mi). */
  memory?: string;
  /** CPUs per instance: 1, 2, 4, 6 or 8, or 0.08 to below 1. Default 1. */
  cpu?: number;
  /** Requests one instance serves at once, 1 to 1000. Default 80 (Cloud Run's), or 1 when `cpu` is below 1. */
  concurrency?: number;
  /** Seconds a request may take, 1 to 3600. Default 300. */
  timeoutSeconds?: number;
  /** Instances kept warm (billed while idle). Default 0: scale to zero. */
  minInstances?: number;
  /** Upper bound on instances. Default 100, Cloud Run's own default, written out so YAML and gcloud agree. */
  maxInstances?: number;
  /** Port the server listens on; Cloud Run passes it as $PORT. Default 8080. */
  port?: number;
  /** HTTP path the startup (and liveness) probe GETs; any 2xx/3xx is healthy. Default `/health`. */
  healthRoute?: string;
  /** Plain environment variables. Secrets go in `secrets`. */
  env?: Record<string, string>;
  /**
   * Environment variables read from Secret Manager: `{ HF_TOKEN: 'hf-token' }` (latest version) or
   * `{ HF_TOKEN: 'hf-token:3' }` (version 3; Google recommends pinning, since env secrets are read at startup).
   */
  secrets?: Record<string, string>;
  /** Service account email the service runs as. Default: the project's default compute service account. */
  serviceAccount?: string;
  /** Let anyone on the internet call the service (`--allow-unauthenticated`). gcloud command only. Default false. */
  allowUnauthenticated?: boolean;
  /** Keep CPU allocated between requests (instance-based billing) for background work. Default false. */
  cpuAlwaysAllocated?: boolean;
  /** Extra CPU while an instance starts, which shortens model loading. Default true. */
  startupCpuBoost?: boolean;
  /** `gen1` or `gen2`. Default: unset, Cloud Run chooses. */
  executionEnvironment?: (typeof EXECUTION_ENVIRONMENTS)[number];
  /** Who can reach the service. Default `all`. */
  ingress?: CloudRunIngress;
  /** Labels on the service: lowercase keys and values, at most 63 characters each. */
  labels?: Record<string, string>;
  /** Timing of the HTTP startup probe on `healthRoute`. Defaults: every 10 s, 5 s timeout, 24 failures (4 minutes). */
  startupProbe?: CloudRunProbeOptions;
  /** An HTTP liveness probe that restarts a stuck instance: `true` for the defaults, or its settings. Default off. */
  livenessProbe?: boolean | CloudRunLivenessProbeOptions;
}

/** A probe with every field decided. */
export interface ResolvedProbe {
  path: string;
  initialDelaySeconds: number;
  periodSeconds: number;
  timeoutSeconds: number;
  failureThreshold: number;
}

/** The options with defaults applied, secrets split into name and version, in the order they were given. */
export interface ResolvedCloudRunService {
  name: string;
  image: string;
  region: string | undefined;
  project: string | undefined;
  memory: string;
  cpu: number;
  concurrency: number;
  timeoutSeconds: number;
  minInstances: number;
  maxInstances: number;
  port: number;
  healthRoute: string;
  env: Array<{ name: string; value: string }>;
  secrets: Array<{ name: string; secret: string; version: string }>;
  serviceAccount: string | undefined;
  allowUnauthenticated: boolean;
  cpuAlwaysAllocated: boolean;
  startupCpuBoost: boolean;
  executionEnvironment: string | undefined;
  ingress: string;
  labels: Array<{ key: string; value: string }>;
  startupProbe: ResolvedProbe;
  livenessProbe: ResolvedProbe | undefined;
}

// Secret Manager secret IDs: letters, digits, `_` and `-`, up to 255; versions are `latest` or a number.
const SECRET_ID = /^[A-Za-z0-9_-]{1,255}$/;
const SECRET_VERSION = /^(?:latest|[1-9]\d*)$/;
// Google Cloud labels: keys start with a lowercase letter; keys and values use lowercase letters, digits, _ and -.
const LABEL_KEY = /^[a-z][a-z0-9_-]{0,62}$/;
const LABEL_VALUE = /^[a-z0-9_-]{0,63}$/;
const SERVICE_ACCOUNT = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
/** Cloud Run regions: `us-central1`, `europe-west4`, `northamerica-northeast1`. */
export const REGION = /^[a-z]+-[a-z]+\d+$/;

function show(value: unknown): string {
  return typeof value === 'number' || typeof value === 'boolean' || value === undefined ? String(value) : JSON.stringify(value);
}

/** Defaults applied; nothing checked. */
export function resolveCloudRunService(options: CloudRunServiceOptions): ResolvedCloudRunService {
  const cpu = options.cpu ?? 1;
  const healthRoute = options.healthRoute ?? '/health';
  const liveness = options.livenessProbe;
  return {
    name: options.name,
    image: options.image,
    region: options.region,
    project: options.project,
    memory: options.memory ?? '2Gi',
    cpu,
    // Below 1 CPU Cloud Run only takes concurrency 1, so that is the default there rather than an error.
    concurrency: options.concurrency ?? (cpu < 1 ? 1 : 80),
    timeoutSeconds: options.timeoutSeconds ?? 300,
    minInstances: options.minInstances ?? 0,
    maxInstances: options.maxInstances ?? 100,
    port: options.port ?? 8080,
    healthRoute,
    env: Object.entries(options.env ?? {}).map(([name, value]) => ({ name, value })),
    secrets: Object.entries(options.secrets ?? {}).map(([name, reference]) => {
      const colon = reference.lastIndexOf(':');
      return colon === -1 ? { name, secret: reference, version: 'latest' } : { name, secret: reference.slice(0, colon), version: reference.slice(colon + 1) };
    }),
    serviceAccount: options.serviceAccount,
    allowUnauthenticated: options.allowUnauthenticated ?? false,
    cpuAlwaysAllocated: options.cpuAlwaysAllocated ?? false,
    startupCpuBoost: options.startupCpuBoost ?? true,
    executionEnvironment: options.executionEnvironment,
    ingress: options.ingress ?? 'all',
    labels: Object.entries(options.labels ?? {}).map(([key, value]) => ({ key, value })),
    // 10 s × 24 = 4 minutes to load a model. Cloud Run's health check pages cap failureThreshold × periodSeconds at
    // 240 s (600 s on newer pages), so the default fits either.
    startupProbe: resolveProbe(options.startupProbe, healthRoute, { periodSeconds: 10, failureThreshold: 24 }),
    livenessProbe:
      liveness === undefined || liveness === false
        ? undefined
        : resolveProbe(liveness === true ? {} : liveness, (liveness === true ? undefined : liveness.path) ?? healthRoute, { periodSeconds: 30, failureThreshold: 3 }),
  };
}

function resolveProbe(
  probe: CloudRunProbeOptions | undefined,
  path: string,
  defaults: { periodSeconds: number; failureThreshold: number },
): ResolvedProbe {
  const periodSeconds = probe?.periodSeconds ?? defaults.periodSeconds;
  return {
    path,
    initialDelaySeconds: probe?.initialDelaySeconds ?? 0,
    periodSeconds,
    // A probe must time out before the next one starts, so a short period shortens the default timeout with it.
    timeoutSeconds: probe?.timeoutSeconds ?? Math.min(5, periodSeconds),
    failureThreshold: probe?.failureThreshold ?? defaults.failureThreshold,
  };
}

/** Every problem of the options, each with its field, its value and the fix. */
export function cloudRunServiceIssues(options: CloudRunServiceOptions): ContainersIssue[] {
  const service = resolveCloudRunService(options);
  const issues: ContainersIssue[] = [];
  issues.push(...serviceNameIssues(service.name, 'name'));
  issues.push(...imageReferenceIssues(service.image, 'image'));
  if (service.region !== undefined && !REGION.test(service.region)) {
    issues.push({ path: 'region', message: `${show(service.region)} is not a Cloud Run region; write one such as "us-central1" or "europe-west4"` });
  }
  if (service.project !== undefined && !PROJECT_ID.test(service.project)) {
    issues.push({ path: 'project', message: `${show(service.project)} is not a Google Cloud project ID: 6–30 lowercase letters, digits and "-", starting with a letter` });
  }
  if (service.executionEnvironment !== undefined && !(EXECUTION_ENVIRONMENTS as readonly string[]).includes(service.executionEnvironment)) {
    issues.push({ path: 'executionEnvironment', message: `${show(service.executionEnvironment)} is not a Cloud Run execution environment; use "gen1" or "gen2"` });
  }
  if (!(INGRESS_VALUES as readonly string[]).includes(service.ingress)) {
    issues.push({ path: 'ingress', message: `${show(service.ingress)} is not a Cloud Run ingress setting; use ${INGRESS_VALUES.map((value) => `"${value}"`).join(', ')}` });
  }
  const memory = memoryIssues(service.memory, 'memory', service.executionEnvironment);
  const cpu = cpuIssues(service.cpu, 'cpu');
  const concurrency = concurrencyIssues(service.concurrency, 'concurrency');
  issues.push(...memory, ...cpu, ...concurrency);
  if (memory.length === 0 && cpu.length === 0) {
    issues.push(
      ...resourceCombinationIssues({
        cpu: { value: service.cpu, path: 'cpu' },
        memory: { value: service.memory, bytes: memoryBytes(service.memory) ?? 0, path: 'memory' },
        ...(concurrency.length === 0 ? { concurrency: { value: service.concurrency, path: 'concurrency' } } : {}),
        cpuAlwaysAllocated: { value: service.cpuAlwaysAllocated, path: 'cpuAlwaysAllocated' },
        ...(service.executionEnvironment !== undefined ? { executionEnvironment: { value: service.executionEnvironment, path: 'executionEnvironment' } } : {}),
      }),
    );
  }
  issues.push(...timeoutIssues(service.timeoutSeconds, 'timeoutSeconds'));
  issues.push(...instanceIssues({ value: service.minInstances, path: 'minInstances' }, { value: service.maxInstances, path: 'maxInstances' }));
  issues.push(...integerIssues(service.port, 'port', 1, 65535, 'a TCP port'));
  issues.push(...probePathIssues(service.healthRoute, 'healthRoute'));
  issues.push(...probeTimingIssues(service.startupProbe, 'startupProbe', 'startup'));
  if (service.livenessProbe) {
    if (typeof options.livenessProbe === 'object' && options.livenessProbe.path !== undefined) issues.push(...probePathIssues(options.livenessProbe.path, 'livenessProbe.path'));
    issues.push(...probeTimingIssues(service.livenessProbe, 'livenessProbe', 'liveness'));
  }
  issues.push(...envIssues(service));
  if (service.serviceAccount !== undefined && !SERVICE_ACCOUNT.test(service.serviceAccount)) {
    issues.push({ path: 'serviceAccount', message: `${show(service.serviceAccount)} is not a service account email; write NAME@PROJECT.iam.gserviceaccount.com` });
  }
  for (const { key, value } of service.labels) {
    if (!LABEL_KEY.test(key)) issues.push({ path: `labels.${key}`, message: `${show(key)} is not a label key: start with a lowercase letter, then lowercase letters, digits, "_" and "-", at most 63 characters` });
    else if (typeof value !== 'string' || !LABEL_VALUE.test(value)) issues.push({ path: `labels.${key}`, message: `${show(value)} is not a label value: lowercase letters, digits, "_" and "-", at most 63 characters` });
  }
  return issues;
}

function envIssues(service: ResolvedCloudRunService): ContainersIssue[] {
  const issues: ContainersIssue[] = [];
  for (const { name, value } of service.env) {
    issues.push(...envNameIssues(name, `env.${name}`));
    if (typeof value !== 'string') {
      issues.push({ path: `env.${name}`, message: `${show(value)} is not a string; environment variable values are text: write ${JSON.stringify(String(value))}` });
    } else if (value !== '' && looksLikeSecretName(name)) {
      issues.push({
        path: `env.${name}`,
        message: `${name} looks like a secret, written in plain text where anyone with viewer access reads it; store it in Secret Manager and pass it as secrets: { ${name}: 'SECRET_NAME' }`,
      });
    }
  }
  const plain = new Set(service.env.map((entry) => entry.name));
  for (const { name, secret, version } of service.secrets) {
    const path = `secrets.${name}`;
    issues.push(...envNameIssues(name, path));
    if (plain.has(name)) issues.push({ path, message: `${name} is also in env; a variable is either plain or a secret: remove it from one of them` });
    if (secret.startsWith('projects/')) {
      issues.push({ path, message: `${show(secret)} is a resource path; give the secret's name in this project (e.g. "hf-token" or "hf-token:3")` });
    } else if (!SECRET_ID.test(secret)) {
      issues.push({ path, message: `${show(secret)} is not a Secret Manager secret name: letters, digits, "_" and "-"; write "NAME" or "NAME:VERSION"` });
    }
    if (!SECRET_VERSION.test(version)) {
      issues.push({ path, message: `${show(version)} is not a secret version; use "latest" or a version number, e.g. "${secret}:1"` });
    }
  }
  return issues;
}

/** The options with defaults applied, or a ContainersError INVALID_OPTIONS listing every issue. */
export function validCloudRunService(options: CloudRunServiceOptions, what: string): ResolvedCloudRunService {
  throwIfIssues(what, cloudRunServiceIssues(options));
  return resolveCloudRunService(options);
}

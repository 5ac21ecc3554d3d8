// Cloud Run's documented limits as rules shared by the option validation (paths like `memory`) and the YAML check
// (paths like `spec.template.spec.containers[0].resources.limits.memory`). Every message names the value and the fix
// in terms of the paths it is given, so the same rule reads right for options and for a hand-written file.
//
// Sources:
// - memory: https://cloud.google.com/run/docs/configuring/services/memory-limits — default 512 MiB; more than
//   4/8/16/24 GiB needs at least 2/4/6/8 CPUs; at most 32 GiB; at least 128 MiB (gen1) or 512 MiB (gen2); sizes as
//   a number with M, G, Mi or Gi.
// - CPU: https://cloud.google.com/run/docs/configuring/services/cpu — 1, 2, 4, 6 or 8 CPUs, or 0.08 to 1 in steps
//   of 0.001 (older pages: 0.01); 4 CPUs need at least 2 GiB, 6 and 8 CPUs at least 4 GiB; below 1 CPU: more than
//   512 MiB needs 0.5 CPU, more than 1 GiB needs 1 CPU, concurrency must be 1, CPU only during requests, first
//   generation environment.
// - concurrency: https://cloud.google.com/run/docs/about-concurrency — up to 1000 requests per instance.
// - request timeout: https://cloud.google.com/run/docs/configuring/request-timeout — default 300 s, up to 3600 s.
// - env: https://cloud.google.com/run/docs/configuring/services/environment-variables — the names of the container
//   runtime contract (https://cloud.google.com/run/docs/container-contract: PORT, K_SERVICE, K_REVISION,
//   K_CONFIGURATION) are reserved; keys may not be empty, hold `=` or start with X_GOOGLE_ (stated for functions,
//   which are Cloud Run services too).
// - service name: the v1 API answers "only lowercase, digits, and hyphens; must begin with letter, and may not end
//   with hyphen; must be less than 64 characters", the v2 API "... less than 50 characters"
//   (https://github.com/pulumi/pulumi-gcp/issues/2162 and /3166); we take the stricter so the name works through
//   either.
// - probes: https://cloud.google.com/run/docs/configuring/healthchecks — initialDelaySeconds 0 to 240.
import type { ContainersIssue } from '../containers-error.js';

const MIB = 2 ** 20;
const GIB = 2 ** 30;

/** Memory sizes as Cloud Run takes them: a number and M, G (powers of ten) or Mi, Gi (powers of two). */
const MEMORY = /^(\d+(?:\.\d+)?)(Mi|Gi|M|G)$/;
const UNIT_BYTES: Record<string, number> = { M: 1e6, G: 1e9, Mi: MIB, Gi: GIB };

/** The byte count of a Cloud Run memory size, or undefined when it is not one. */
export function memoryBytes(memory: string): number | undefined {
  const match = MEMORY.exec(memory);
  if (!match) return undefined;
  return Number(match[1]) * (UNIT_BYTES[match[2] ?? ''] ?? 0);
}

/** Most memory an instance can have (memory-limits page: "32 gibibyte"). */
export const MAX_MEMORY = 32 * GIB;
/** CPUs of 1 or more Cloud Run accepts (cpu page; the v2 API: "1, 2, 4, 6, or 8"). */
export const WHOLE_CPUS = [1, 2, 4, 6, 8] as const;
/** Fewest CPUs (cpu page: "any value between 0.08 and 1"). */
export const MIN_FRACTIONAL_CPU = 0.08;
/** Most concurrent requests per instance (https://cloud.google.com/run/docs/about-concurrency: "a maximum of 1000"). */
export const MAX_CONCURRENCY = 1000;
/** Longest request timeout (https://cloud.google.com/run/docs/configuring/request-timeout: "up to 60 minutes (3600 seconds)"). */
export const MAX_TIMEOUT_SECONDS = 3600;
/** Service names: lowercase letters, digits and `-`, starting with a letter, not ending with `-`. */
export const SERVICE_NAME = /^[a-z](?:[-a-z0-9]*[a-z0-9])?$/;
/** The v2 API's "less than 50 characters" (the v1 API allows 63). */
export const MAX_SERVICE_NAME_LENGTH = 49;
/** Env names Cloud Run sets itself (https://cloud.google.com/run/docs/container-contract). */
export const RESERVED_ENV_NAMES = ['PORT', 'K_SERVICE', 'K_REVISION', 'K_CONFIGURATION'] as const;
/** Values of the `run.googleapis.com/ingress` annotation and `--ingress` (https://cloud.google.com/run/docs/reference/yaml/v1). */
export const INGRESS_VALUES = ['all', 'internal', 'internal-and-cloud-load-balancing'] as const;
/** Values of `run.googleapis.com/execution-environment` and `--execution-environment`. */
export const EXECUTION_ENVIRONMENTS = ['gen1', 'gen2'] as const;

// More than this much memory needs at least this many CPUs (memory-limits page, "Required minimum CPUs").
const MEMORY_CPU_FLOOR: ReadonlyArray<{ above: number; label: string; cpus: number }> = [
  { above: 24 * GIB, label: '24Gi', cpus: 8 },
  { above: 16 * GIB, label: '16Gi', cpus: 6 },
  { above: 8 * GIB, label: '8Gi', cpus: 4 },
  { above: 4 * GIB, label: '4Gi', cpus: 2 },
];
// This many CPUs need at least this much memory (cpu page, "CPU and memory").
const CPU_MEMORY_FLOOR: Readonly<Record<number, { bytes: number; label: string }>> = {
  4: { bytes: 2 * GIB, label: '2Gi' },
  6: { bytes: 4 * GIB, label: '4Gi' },
  8: { bytes: 4 * GIB, label: '4Gi' },
};

function show(value: unknown): string {
  return typeof value === 'number' || typeof value === 'boolean' || value === undefined ? String(value) : JSON.stringify(value);
}

/** `name`: lowercase letters, digits and `-`, starting with a letter, not ending with `-`, at most 49 characters. */
export function serviceNameIssues(name: unknown, path: string): ContainersIssue[] {
  if (typeof name !== 'string' || name === '') return [{ path, message: 'missing; name the service, e.g. "my-model"' }];
  const suggestion = name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^[^a-z]+/, '').replace(/-+$/, '').slice(0, MAX_SERVICE_NAME_LENGTH).replace(/-+$/, '');
  const fix = suggestion !== '' && suggestion !== name ? `; e.g. "${suggestion}"` : '';
  if (!SERVICE_NAME.test(name)) {
    return [{ path, message: `${show(name)} is not a Cloud Run service name: use lowercase letters, digits and "-", start with a letter and do not end with "-"${fix}` }];
  }
  if (name.length > MAX_SERVICE_NAME_LENGTH) {
    return [{ path, message: `${show(name)} is ${name.length} characters; Cloud Run service names must be at most ${MAX_SERVICE_NAME_LENGTH}${fix}` }];
  }
  return [];
}

/** The memory size, checked alone: its format and Cloud Run's minimum and maximum. */
export function memoryIssues(memory: unknown, path: string, executionEnvironment: string | undefined): ContainersIssue[] {
  const bytes = typeof memory === 'string' ? memoryBytes(memory) : undefined;
  if (bytes === undefined) {
    return [{ path, message: `${show(memory)} is not a Cloud Run memory size; write a number and Mi or Gi, e.g. "512Mi" or "2Gi"` }];
  }
  if (bytes > MAX_MEMORY) return [{ path, message: `${show(memory)} is more than Cloud Run's maximum of 32Gi; set at most "32Gi"` }];
  const gen2 = executionEnvironment === 'gen2';
  const minimum = gen2 ? 512 * MIB : 128 * MIB;
  if (bytes < minimum) {
    const why = gen2 ? 'the second generation execution environment needs at least 512Mi' : "Cloud Run's minimum is 128Mi";
    return [{ path, message: `${show(memory)} is too little: ${why}; set at least "${gen2 ? '512Mi' : '128Mi'}"` }];
  }
  return [];
}

/** The CPU count, checked alone: 1, 2, 4, 6, 8, or a fraction from 0.08 below 1. */
export function cpuIssues(cpu: unknown, path: string): ContainersIssue[] {
  const valid =
    typeof cpu === 'number' &&
    Number.isFinite(cpu) &&
    ((WHOLE_CPUS as readonly number[]).includes(cpu) || (cpu >= MIN_FRACTIONAL_CPU && cpu < 1 && Math.abs(cpu * 1000 - Math.round(cpu * 1000)) < 1e-9));
  if (valid) return [];
  const nearest = typeof cpu === 'number' && cpu > 1 ? WHOLE_CPUS.find((whole) => whole >= cpu) : undefined;
  const fix = nearest !== undefined ? `; did you mean ${nearest}?` : '';
  return [{ path, message: `${show(cpu)} is not a Cloud Run CPU count: use 1, 2, 4, 6 or 8, or a value from 0.08 below 1 in steps of 0.001${fix}` }];
}

/** What the CPU count, memory, concurrency, CPU allocation and execution environment require of each other. */
export interface ResourceCombination {
  cpu: { value: number; path: string };
  memory: { value: string; bytes: number; path: string };
  /** Absent: not set (Cloud Run's default applies), so nothing to check. */
  concurrency?: { value: number; path: string };
  cpuAlwaysAllocated?: { value: boolean; path: string };
  executionEnvironment?: { value: string; path: string };
}

/** The documented minimums between CPU and memory, and what a CPU below 1 rules out. */
export function resourceCombinationIssues(combination: ResourceCombination): ContainersIssue[] {
  const { cpu, memory } = combination;
  const issues: ContainersIssue[] = [];
  const floor = MEMORY_CPU_FLOOR.find((step) => memory.bytes > step.above);
  if (floor && cpu.value < floor.cpus) {
    issues.push({
      path: cpu.path,
      message: `${cpu.value} is too few CPUs for ${memory.path} ${show(memory.value)}: more than ${floor.label} needs at least ${floor.cpus}; set ${cpu.path} to ${floor.cpus} or lower ${memory.path} to "${floor.label}"`,
    });
  }
  const memoryFloor = CPU_MEMORY_FLOOR[cpu.value];
  if (memoryFloor && memory.bytes < memoryFloor.bytes) {
    issues.push({
      path: memory.path,
      message: `${show(memory.value)} is too little for ${cpu.path} ${cpu.value}: ${cpu.value} CPUs need at least ${memoryFloor.label}; set ${memory.path} to "${memoryFloor.label}" or lower ${cpu.path}`,
    });
  }
  if (cpu.value >= 1) return issues;
  // Below 1 CPU: https://cloud.google.com/run/docs/configuring/services/cpu ("If you use less than 1 CPU ...").
  if (memory.bytes > GIB) {
    issues.push({
      path: cpu.path,
      message: `${cpu.value} is too few CPUs for ${memory.path} ${show(memory.value)}: more than 1Gi needs at least 1 CPU; set ${cpu.path} to 1 or lower ${memory.path} to "1Gi"`,
    });
  } else if (memory.bytes > 512 * MIB && cpu.value < 0.5) {
    issues.push({
      path: cpu.path,
      message: `${cpu.value} is too few CPUs for ${memory.path} ${show(memory.value)}: more than 512Mi needs at least 0.5 CPU; set ${cpu.path} to 0.5 or lower ${memory.path} to "512Mi"`,
    });
  }
  const { concurrency, cpuAlwaysAllocated, executionEnvironment } = combination;
  if (concurrency && concurrency.value !== 1) {
    issues.push({
      path: concurrency.path,
      message: `${concurrency.value} needs at least 1 CPU: below 1 CPU (${cpu.path} ${cpu.value}) Cloud Run serves one request at a time; set ${concurrency.path} to 1 or ${cpu.path} to 1`,
    });
  }
  if (cpuAlwaysAllocated?.value === true) {
    issues.push({
      path: cpuAlwaysAllocated.path,
      message: `CPU always allocated needs at least 1 CPU (${cpu.path} is ${cpu.value}); below 1 CPU Cloud Run allocates CPU only during requests: turn it off or set ${cpu.path} to 1`,
    });
  }
  if (executionEnvironment?.value === 'gen2') {
    issues.push({
      path: executionEnvironment.path,
      message: `"gen2" needs at least 1 CPU (${cpu.path} is ${cpu.value}); below 1 CPU Cloud Run runs the first generation only: use "gen1" or set ${cpu.path} to 1`,
    });
  }
  return issues;
}

/** A whole number within [min, max] (no upper bound when max is undefined), or the issue saying so. */
export function integerIssues(value: unknown, path: string, min: number, max: number | undefined, what: string): ContainersIssue[] {
  if (typeof value === 'number' && Number.isInteger(value) && value >= min && (max === undefined || value <= max)) return [];
  const range = max === undefined ? `${min} or more` : `from ${min} to ${max}`;
  return [{ path, message: `${show(value)} is out of range: ${what} must be a whole number ${range}` }];
}

/** Requests per instance: 1 to 1000. */
export function concurrencyIssues(concurrency: unknown, path: string): ContainersIssue[] {
  return integerIssues(concurrency, path, 1, MAX_CONCURRENCY, "Cloud Run's concurrency (requests per instance)");
}

/** Request timeout: 1 to 3600 seconds. */
export function timeoutIssues(timeoutSeconds: unknown, path: string): ContainersIssue[] {
  return integerIssues(timeoutSeconds, path, 1, MAX_TIMEOUT_SECONDS, "Cloud Run's request timeout in seconds (default 300, at most 60 minutes)");
}

/** minInstances ≤ maxInstances, each a whole number (min from 0, max from 1). */
export function instanceIssues(
  min: { value: unknown; path: string } | undefined,
  max: { value: unknown; path: string } | undefined,
): ContainersIssue[] {
  const issues: ContainersIssue[] = [];
  if (min !== undefined) issues.push(...integerIssues(min.value, min.path, 0, undefined, 'the minimum instance count'));
  if (max !== undefined) issues.push(...integerIssues(max.value, max.path, 1, undefined, 'the maximum instance count'));
  if (issues.length === 0 && min !== undefined && max !== undefined && (min.value as number) > (max.value as number)) {
    issues.push({
      path: min.path,
      message: `${show(min.value)} is more than ${max.path} ${show(max.value)}; lower ${min.path} or raise ${max.path} to at least ${show(min.value)}`,
    });
  }
  return issues;
}

/** An environment variable name Cloud Run accepts: not empty, no `=`, not reserved by the container contract. */
export function envNameIssues(name: string, path: string): ContainersIssue[] {
  if (name === '') return [{ path, message: 'an environment variable name is empty; give it a name' }];
  if (name.includes('=')) return [{ path, message: `${show(name)} holds "="; environment variable names cannot, rename it` }];
  if ((RESERVED_ENV_NAMES as readonly string[]).includes(name)) {
    const fix = name === 'PORT' ? 'Cloud Run sets it to the container port; set the port option instead and read $PORT' : 'Cloud Run sets it itself; remove it or rename it';
    return [{ path, message: `${show(name)} is reserved by Cloud Run's container contract; ${fix}` }];
  }
  if (name.toUpperCase().startsWith('X_GOOGLE_')) return [{ path, message: `${show(name)} starts with X_GOOGLE_, which Cloud Run reserves; rename it` }];
  return [];
}

/** An HTTP path for a probe: starts with `/`, no spaces. */
export function probePathIssues(path: unknown, at: string): ContainersIssue[] {
  if (typeof path === 'string' && path.startsWith('/') && !/\s/.test(path)) return [];
  const fix = typeof path === 'string' && path !== '' && !path.startsWith('/') ? `; did you mean "/${path.trim()}"?` : '; e.g. "/health"';
  return [{ path: at, message: `${show(path)} is not an HTTP path for the health check: start it with "/" and leave out spaces${fix}` }];
}

/** Probe timing as Cloud Run bounds it. */
export interface ProbeTiming {
  initialDelaySeconds?: unknown;
  periodSeconds?: unknown;
  timeoutSeconds?: unknown;
  failureThreshold?: unknown;
}

/**
 * initialDelaySeconds 0–240 (healthchecks page). periodSeconds 1–240 for startup and 1–3600 for liveness, and a
 * timeout of 1–240 s no longer than the period, are the bounds of Cloud Run's probe reference as we know it; they
 * were not on the pages we could check, so revisit them if Cloud Run accepts more.
 */
export function probeTimingIssues(probe: ProbeTiming, path: string, kind: 'startup' | 'liveness'): ContainersIssue[] {
  const issues: ContainersIssue[] = [];
  const maxPeriod = kind === 'startup' ? 240 : 3600;
  if (probe.initialDelaySeconds !== undefined) issues.push(...integerIssues(probe.initialDelaySeconds, `${path}.initialDelaySeconds`, 0, 240, 'a probe delay in seconds'));
  if (probe.periodSeconds !== undefined) issues.push(...integerIssues(probe.periodSeconds, `${path}.periodSeconds`, 1, maxPeriod, `a ${kind} probe period in seconds`));
  if (probe.timeoutSeconds !== undefined) issues.push(...integerIssues(probe.timeoutSeconds, `${path}.timeoutSeconds`, 1, 240, 'a probe timeout in seconds'));
  if (probe.failureThreshold !== undefined) issues.push(...integerIssues(probe.failureThreshold, `${path}.failureThreshold`, 1, undefined, 'a probe failure threshold'));
  const period = probe.periodSeconds;
  if (issues.length === 0 && typeof probe.timeoutSeconds === 'number' && typeof period === 'number' && probe.timeoutSeconds > period) {
    issues.push({
      path: `${path}.timeoutSeconds`,
      message: `${probe.timeoutSeconds} is longer than the probe period (${period} s); a probe must time out before the next one starts: lower it to ${period} or raise ${path}.periodSeconds`,
    });
  }
  return issues;
}

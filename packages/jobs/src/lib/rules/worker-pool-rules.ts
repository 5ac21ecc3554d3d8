// Rules of a CustomJobSpec's worker pools that Vertex AI enforces but the protos do not state: pool 0 is the
// chief (primary replica) and runs exactly one replica; later pools may be left empty ({}) to skip a role
// (workers, parameter servers, evaluators in that order); a pool that is used needs a machine and a task.
import type { SpecIssue } from '../jobs-error.js';
import type { ValidateSpecOptions } from './common-rules.js';
import { isPlainObject, joinPath } from '../schema/well-known-types.js';

/** Whether a worker pool is `{}` (or only undefined fields): a skipped role. */
export function isEmptyPool(pool: unknown): boolean {
  return isPlainObject(pool) && Object.values(pool).every((value) => value === undefined);
}

/** Checks `jobSpec` (a CustomJobSpec) found at `path`. */
export function workerPoolRules(jobSpec: unknown, path: string, issues: SpecIssue[], options: ValidateSpecOptions = {}): void {
  if (!isPlainObject(jobSpec) || !Array.isArray(jobSpec.workerPoolSpecs)) return;
  const poolsPath = joinPath(path, 'workerPoolSpecs');
  jobSpec.workerPoolSpecs.forEach((pool: unknown, index: number) => {
    const at = `${poolsPath}[${index}]`;
    if (!isPlainObject(pool)) return;
    if (isEmptyPool(pool)) {
      if (index === 0) {
        issues.push({ path: at, message: 'the first pool is the chief (primary replica) and can\'t be empty; later pools may be {} to skip a role' });
      }
      return;
    }
    if (pool.machineSpec === undefined || pool.machineSpec === null) {
      issues.push({ path: joinPath(at, 'machineSpec'), message: 'machineSpec is required in a worker pool: machineSpec: { machineType: "n1-standard-4" }' });
    } else if (isPlainObject(pool.machineSpec) && (pool.machineSpec.machineType === undefined || pool.machineSpec.machineType === '')) {
      issues.push({ path: joinPath(joinPath(at, 'machineSpec'), 'machineType'), message: 'machineType is required in a worker pool, e.g. "n1-standard-4"' });
    }
    const replicas = replicaCount(pool.replicaCount);
    if (index === 0 && replicas !== undefined && replicas !== 1) {
      issues.push({
        path: joinPath(at, 'replicaCount'),
        message: `the first pool is the chief and runs exactly 1 replica, got ${replicas}; put more replicas in a second pool (workerPoolSpecs[1])`,
      });
    }
    if (index > 0 && replicas === 0) {
      issues.push({ path: joinPath(at, 'replicaCount'), message: 'replicaCount 0 runs nothing; set it to 1 or more, or make the pool {} to skip it' });
    }
    const python = pool.pythonPackageSpec;
    if (options.checkExecutorImage && isPlainObject(python) && typeof python.executorImageUri === 'string' && python.executorImageUri !== '') {
      const machine = isPlainObject(pool.machineSpec) ? pool.machineSpec : {};
      const acceleratorType = typeof machine.acceleratorType === 'string' ? machine.acceleratorType : undefined;
      const problem = options.checkExecutorImage({ imageUri: python.executorImageUri, ...(acceleratorType ? { acceleratorType } : {}) });
      if (problem) issues.push({ path: joinPath(joinPath(at, 'pythonPackageSpec'), 'executorImageUri'), message: problem });
    }
    const hasContainer = pool.containerSpec !== undefined && pool.containerSpec !== null;
    const hasPackage = pool.pythonPackageSpec !== undefined && pool.pythonPackageSpec !== null;
    if (!hasContainer && !hasPackage) {
      issues.push({
        path: at,
        message:
          'set what the pool runs: containerSpec: { imageUri } (your own image) or pythonPackageSpec: { executorImageUri, packageUris, pythonModule } (a package run in a prebuilt image)',
      });
    }
  });
}

function replicaCount(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
  return undefined;
}

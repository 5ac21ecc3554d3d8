import type { HyperparameterTuningJob } from '../../generated/vertex-types.js';
import type { SpecIssue } from '../jobs-error.js';
import type { ValidateSpecOptions } from '../rules/common-rules.js';
import { workerPoolRules } from '../rules/worker-pool-rules.js';
import { V1 } from '../schema/vertex-schema.js';
import { visitMessages } from '../schema/visit-messages.js';
import { isPlainObject, joinPath } from '../schema/well-known-types.js';
import { toResource } from '../to-resource.js';
import { defaultReplicaCounts } from './custom-job-spec.js';
import { assertValidSpec, type SpecKind } from './spec-validation.js';

/**
 * A HyperparameterTuningJob as you write it (the body of `hyperparameterTuningJobs.create`): `{ displayName,
 * studySpec: { metrics, parameters, algorithm }, maxTrialCount, parallelTrialCount, trialJobSpec }`, where
 * `trialJobSpec` is a CustomJob's `jobSpec`.
 */
export type HyperparameterTuningJobSpec = HyperparameterTuningJob;

/** A HyperparameterTuningJob as the official client's `createHyperparameterTuningJob` takes it. */
export type HyperparameterTuningJobResource = Record<string, unknown>;

const VALUE_SPECS = ['doubleValueSpec', 'integerValueSpec', 'categoricalValueSpec', 'discreteValueSpec'];

export const HYPERPARAMETER_TUNING_JOB_KIND: SpecKind = {
  label: 'HyperparameterTuningJob',
  type: `${V1}.HyperparameterTuningJob`,
  rules: (spec, issues, options) => {
    workerPoolRules(spec.trialJobSpec, 'trialJobSpec', issues, options);
    trialCountRules(spec, issues);
    studyRules(spec, issues);
  },
};

function trialCountRules(spec: Record<string, unknown>, issues: SpecIssue[]): void {
  const max = spec.maxTrialCount;
  const parallel = spec.parallelTrialCount;
  const failed = spec.maxFailedTrialCount;
  if (typeof max === 'number' && max < 1) issues.push({ path: 'maxTrialCount', message: `at least 1 trial, got ${max}` });
  if (typeof parallel === 'number' && parallel < 1) {
    issues.push({ path: 'parallelTrialCount', message: `at least 1 trial at a time, got ${parallel}` });
  }
  if (typeof max === 'number' && typeof parallel === 'number' && max >= 1 && parallel > max) {
    issues.push({ path: 'parallelTrialCount', message: `${parallel} trials at a time but only ${max} in total; set parallelTrialCount <= maxTrialCount` });
  }
  if (typeof max === 'number' && typeof failed === 'number' && failed > max) {
    issues.push({ path: 'maxFailedTrialCount', message: `${failed} is more than the ${max} trials the job runs` });
  }
}

function studyRules(spec: Record<string, unknown>, issues: SpecIssue[]): void {
  const study = spec.studySpec;
  if (!isPlainObject(study)) return;
  uniqueIds(study.metrics, 'metricId', 'studySpec.metrics', issues);
  uniqueIds(study.parameters, 'parameterId', 'studySpec.parameters', issues);
  const grid = study.algorithm === 'GRID_SEARCH';
  visitMessages(study, `${V1}.StudySpec`, 'studySpec', (type, parameter, at) => {
    if (type !== `${V1}.StudySpec.ParameterSpec`) return;
    const set = VALUE_SPECS.filter((key) => parameter[key] !== undefined && parameter[key] !== null);
    if (set.length === 0) {
      issues.push({
        path: at,
        message: 'say which values to try: doubleValueSpec { minValue, maxValue }, integerValueSpec, categoricalValueSpec { values } or discreteValueSpec { values }',
      });
    }
    if (grid && set.includes('doubleValueSpec')) {
      issues.push({
        path: joinPath(at, 'doubleValueSpec'),
        message: 'GRID_SEARCH cannot enumerate a continuous range; use discreteValueSpec { values: [...] } or RANDOM_SEARCH',
      });
    }
    rangeRules(parameter, at, issues);
    valueListRules(parameter, at, issues);
  });
}

function uniqueIds(list: unknown, key: string, path: string, issues: SpecIssue[]): void {
  if (!Array.isArray(list)) return;
  const seen = new Set<string>();
  list.forEach((item: unknown, index) => {
    if (!isPlainObject(item) || typeof item[key] !== 'string') return;
    const id = item[key];
    if (seen.has(id)) issues.push({ path: `${path}[${index}].${key}`, message: `${JSON.stringify(id)} appears twice; ${key}s must be unique` });
    seen.add(id);
  });
}

/** A number or an int64 decimal string as a bigint-comparable number; undefined if neither. */
function numeric(value: unknown): number | bigint | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return BigInt(value);
  return undefined;
}

function compare(a: number | bigint, b: number | bigint): number {
  if (typeof a === 'bigint' || typeof b === 'bigint') {
    const x = typeof a === 'bigint' ? a : BigInt(Math.trunc(a));
    const y = typeof b === 'bigint' ? b : BigInt(Math.trunc(b));
    return x < y ? -1 : x > y ? 1 : 0;
  }
  return a - b;
}

function rangeRules(parameter: Record<string, unknown>, at: string, issues: SpecIssue[]): void {
  for (const key of ['doubleValueSpec', 'integerValueSpec']) {
    const range = parameter[key];
    if (!isPlainObject(range)) continue;
    const path = joinPath(at, key);
    const min = numeric(range.minValue);
    const max = numeric(range.maxValue);
    if (min !== undefined && max !== undefined && compare(min, max) >= 0) {
      issues.push({ path: joinPath(path, 'maxValue'), message: `maxValue (${String(max)}) must be greater than minValue (${String(min)})` });
    }
    const fallback = numeric(range.defaultValue);
    if (fallback !== undefined && min !== undefined && max !== undefined && (compare(fallback, min) < 0 || compare(fallback, max) > 0)) {
      issues.push({ path: joinPath(path, 'defaultValue'), message: `defaultValue ${String(fallback)} is outside [${String(min)}, ${String(max)}]` });
    }
    if (parameter.scaleType === 'UNIT_LOG_SCALE' && min !== undefined && compare(min, 0) <= 0) {
      issues.push({ path: joinPath(path, 'minValue'), message: `UNIT_LOG_SCALE needs minValue > 0, got ${String(min)}` });
    }
  }
}

function valueListRules(parameter: Record<string, unknown>, at: string, issues: SpecIssue[]): void {
  const categorical = parameter.categoricalValueSpec;
  if (isPlainObject(categorical) && Array.isArray(categorical.values)) {
    const values = categorical.values as unknown[];
    const path = joinPath(joinPath(at, 'categoricalValueSpec'), 'values');
    values.forEach((value, index) => {
      if (values.indexOf(value) !== index) issues.push({ path: `${path}[${index}]`, message: `${JSON.stringify(value)} is listed twice` });
    });
    if (categorical.defaultValue !== undefined && !values.includes(categorical.defaultValue)) {
      issues.push({ path: joinPath(joinPath(at, 'categoricalValueSpec'), 'defaultValue'), message: `${JSON.stringify(categorical.defaultValue)} is not one of values` });
    }
  }
  const discrete = parameter.discreteValueSpec;
  if (isPlainObject(discrete) && Array.isArray(discrete.values)) {
    const values = discrete.values as unknown[];
    const path = joinPath(joinPath(at, 'discreteValueSpec'), 'values');
    for (let index = 1; index < values.length; index++) {
      const previous = values[index - 1];
      const current = values[index];
      if (typeof previous === 'number' && typeof current === 'number' && current <= previous) {
        issues.push({ path: `${path}[${index}]`, message: `values must be in increasing order: ${current} comes after ${previous}` });
        break;
      }
    }
  }
}

/**
 * Checks a HyperparameterTuningJob spec before anything is sent: the protos, the worker pool rules of its
 * `trialJobSpec`, trial counts (parallel <= max), and the study (one value spec per parameter, min < max,
 * defaults in range, log scales above 0, unique ids, no continuous ranges under GRID_SEARCH).
 *
 * @throws JobsError INVALID_SPEC with every problem
 */
export function validateHyperparameterTuningJobSpec(spec: unknown, options: ValidateSpecOptions = {}): HyperparameterTuningJobSpec {
  assertValidSpec(HYPERPARAMETER_TUNING_JOB_KIND, spec, options);
  return spec as HyperparameterTuningJobSpec;
}

/**
 * Validates and converts a HyperparameterTuningJob spec to the official client's shape (as
 * {@link toCustomJobResource} does for its trialJobSpec).
 *
 * @throws JobsError INVALID_SPEC
 */
export function toHyperparameterTuningJobResource(
  spec: HyperparameterTuningJobSpec,
  options: ValidateSpecOptions = {},
): HyperparameterTuningJobResource {
  validateHyperparameterTuningJobSpec(spec, options);
  const resource = toResource(spec, HYPERPARAMETER_TUNING_JOB_KIND.type, 'client');
  defaultReplicaCounts(resource.trialJobSpec);
  return resource;
}

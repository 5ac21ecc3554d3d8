import type { CustomJob } from '../../generated/vertex-types.js';
import type { ValidateSpecOptions } from '../rules/common-rules.js';
import { isEmptyPool, workerPoolRules } from '../rules/worker-pool-rules.js';
import { V1 } from '../schema/vertex-schema.js';
import { isPlainObject } from '../schema/well-known-types.js';
import { toResource } from '../to-resource.js';
import { assertValidSpec, type SpecKind } from './spec-validation.js';

/**
 * A CustomJob as you write it: the body of `customJobs.create` in the API's JSON (camelCase), so Google's
 * reference maps 1:1 — `{ displayName, jobSpec: { workerPoolSpecs: [...], scheduling, baseOutputDirectory, ... },
 * labels }`. Conveniences: `scheduling.timeout` as `"2h"` or seconds, `env` as a record. (The API's own message
 * named CustomJobSpec is the inner `jobSpec`: `VertexTypes.CustomJobSpec`.)
 */
export type CustomJobSpec = CustomJob;

/** A CustomJob as the official client's `createCustomJob({ parent, customJob })` takes it. */
export type CustomJobResource = Record<string, unknown>;

export const CUSTOM_JOB_KIND: SpecKind = {
  label: 'CustomJob',
  type: `${V1}.CustomJob`,
  rules: (spec, issues, options) => {
    workerPoolRules(spec.jobSpec, 'jobSpec', issues, options);
  },
};

/**
 * Checks a CustomJob spec before anything is sent: against the Vertex AI protos (unknown fields, enum values,
 * required and output-only fields, oneofs, types) and the rules beyond them (pool 0 is the chief with one
 * replica, accelerators match the machine, gs:// where Cloud Storage is read, image references, machine types).
 *
 * @returns the spec, typed
 * @throws JobsError INVALID_SPEC with every problem in `issues` and in the message
 */
export function validateCustomJobSpec(spec: unknown, options: ValidateSpecOptions = {}): CustomJobSpec {
  assertValidSpec(CUSTOM_JOB_KIND, spec, options);
  return spec as CustomJobSpec;
}

/**
 * Validates a CustomJob spec and converts it to what the official client should get: proto-JSON-shaped,
 * camelCase, enum names as strings, Duration as `{ seconds, nanos }`, `env` as `[{ name, value }]`. A used worker
 * pool without `replicaCount` gets 1, as gcloud does.
 *
 * @throws JobsError INVALID_SPEC as {@link validateCustomJobSpec}
 */
export function toCustomJobResource(spec: CustomJobSpec, options: ValidateSpecOptions = {}): CustomJobResource {
  validateCustomJobSpec(spec, options);
  const resource = toResource(spec, CUSTOM_JOB_KIND.type, 'client');
  defaultReplicaCounts(resource.jobSpec);
  return resource;
}

/** Used pools without a replica count run one replica (gcloud's default; the API would read 0). */
export function defaultReplicaCounts(jobSpec: unknown): void {
  if (!isPlainObject(jobSpec) || !Array.isArray(jobSpec.workerPoolSpecs)) return;
  for (const pool of jobSpec.workerPoolSpecs as unknown[]) {
    if (isPlainObject(pool) && !isEmptyPool(pool) && pool.replicaCount === undefined) pool.replicaCount = 1;
  }
}

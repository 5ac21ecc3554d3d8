import type { DeployModelRequest, UndeployModelRequest } from '../../generated/vertex-types.js';
import type { SpecIssue } from '../jobs-error.js';
import type { ValidateSpecOptions } from '../rules/common-rules.js';
import { modelNameProblem } from '../rules/resource-names.js';
import { V1 } from '../schema/vertex-schema.js';
import { isPlainObject, joinPath } from '../schema/well-known-types.js';
import { toResource } from '../to-resource.js';
import { assertValidSpec, type SpecKind } from './spec-validation.js';

/**
 * A deployment as you write it: the body of `endpoints.deployModel` — `{ deployedModel: { model, displayName,
 * dedicatedResources: { machineSpec: { machineType }, minReplicaCount, maxReplicaCount } }, trafficSplit? }`.
 * In `trafficSplit`, the key `"0"` is the model being deployed: `{ '0': 100 }` sends it all traffic.
 */
export type DeployModelSpec = Omit<DeployModelRequest, 'endpoint'>;

/** An undeployment: the body of `endpoints.undeployModel` — `{ deployedModelId, trafficSplit? }`. */
export type UndeployModelSpec = Omit<UndeployModelRequest, 'endpoint'>;

/** What the official client's `deployModel` / `undeployModel` take, without `endpoint`. */
export type DeployModelRequestResource = Record<string, unknown>;

const EXCLUDED = { endpoint: 'give the endpoint to the call instead' };

export const DEPLOY_MODEL_KIND: SpecKind = {
  label: 'Model deployment',
  type: `${V1}.DeployModelRequest`,
  excludedFields: EXCLUDED,
  rules: (spec, issues) => {
    const deployed = spec.deployedModel;
    if (isPlainObject(deployed)) {
      if (typeof deployed.model !== 'string' || deployed.model === '') {
        issues.push({ path: 'deployedModel.model', message: 'model is required: the resource name projects/PROJECT/locations/REGION/models/ID' });
      } else {
        const problem = modelNameProblem(deployed.model);
        if (problem) issues.push({ path: 'deployedModel.model', message: problem });
      }
      const places = ['dedicatedResources', 'automaticResources', 'sharedResources'];
      if (places.every((place) => deployed[place] === undefined || deployed[place] === null)) {
        issues.push({
          path: 'deployedModel.dedicatedResources',
          message: 'say what it runs on: dedicatedResources: { machineSpec: { machineType: "n1-standard-2" }, minReplicaCount: 1 } (custom models need dedicated resources)',
        });
      }
      for (const place of ['dedicatedResources', 'automaticResources']) {
        const resources = deployed[place];
        if (!isPlainObject(resources)) continue;
        const { minReplicaCount: min, maxReplicaCount: max } = resources;
        if (place === 'dedicatedResources' && typeof min === 'number' && min < 1) {
          issues.push({ path: `deployedModel.${place}.minReplicaCount`, message: `minReplicaCount must be at least 1, got ${min}` });
        }
        if (typeof min === 'number' && typeof max === 'number' && max < min) {
          issues.push({ path: `deployedModel.${place}.maxReplicaCount`, message: `maxReplicaCount (${max}) is below minReplicaCount (${min})` });
        }
      }
    }
    trafficSplitRules(spec.trafficSplit, 'trafficSplit', issues);
  },
};

export const UNDEPLOY_MODEL_KIND: SpecKind = {
  label: 'Model undeployment',
  type: `${V1}.UndeployModelRequest`,
  excludedFields: EXCLUDED,
  rules: (spec, issues) => {
    trafficSplitRules(spec.trafficSplit, 'trafficSplit', issues);
    const id = spec.deployedModelId;
    if (typeof id === 'string' && isPlainObject(spec.trafficSplit) && typeof spec.trafficSplit[id] === 'number' && spec.trafficSplit[id] > 0) {
      issues.push({ path: joinPath('trafficSplit', id), message: `still sends ${spec.trafficSplit[id]}% to the model being undeployed; give its share to the others` });
    }
  },
};

/** Percentages 0-100 that add up to 100 (an empty split is left to the service). */
function trafficSplitRules(split: unknown, path: string, issues: SpecIssue[]): void {
  if (!isPlainObject(split)) return;
  const entries = Object.entries(split).filter(([, value]) => typeof value === 'number');
  if (entries.length === 0) return;
  for (const [key, value] of entries) {
    if ((value as number) < 0 || (value as number) > 100) {
      issues.push({ path: joinPath(path, key), message: `a traffic share is a percentage from 0 to 100, got ${String(value)}` });
    }
  }
  const total = entries.reduce((sum, [, value]) => sum + (value as number), 0);
  if (total !== 100) issues.push({ path, message: `traffic percentages must add up to 100, got ${total}` });
}

/**
 * Checks a deployment spec before anything is sent: the protos, a model resource name, where it runs (one of
 * dedicated, automatic, shared resources; min <= max replicas, at least 1), machine and accelerator rules, and a
 * traffic split adding up to 100.
 *
 * @throws JobsError INVALID_SPEC with every problem
 */
export function validateDeployModelSpec(spec: unknown, options: ValidateSpecOptions = {}): DeployModelSpec {
  assertValidSpec(DEPLOY_MODEL_KIND, spec, options);
  return spec as DeployModelSpec;
}

/**
 * Validates a deployment spec and converts it to the official client's `deployModel` request without
 * `endpoint`: `{ deployedModel, trafficSplit? }`.
 *
 * @throws JobsError INVALID_SPEC
 */
export function toDeployModelRequest(spec: DeployModelSpec, options: ValidateSpecOptions = {}): DeployModelRequestResource {
  validateDeployModelSpec(spec, options);
  return toResource(spec, DEPLOY_MODEL_KIND.type, 'client');
}

/**
 * Checks an undeployment spec: a deployedModelId, and a traffic split adding up to 100 that gives the
 * undeployed model nothing.
 *
 * @throws JobsError INVALID_SPEC with every problem
 */
export function validateUndeployModelSpec(spec: unknown): UndeployModelSpec {
  assertValidSpec(UNDEPLOY_MODEL_KIND, spec);
  return spec as UndeployModelSpec;
}

/**
 * Validates an undeployment spec and converts it to the official client's `undeployModel` request without
 * `endpoint`.
 *
 * @throws JobsError INVALID_SPEC
 */
export function toUndeployModelRequest(spec: UndeployModelSpec): DeployModelRequestResource {
  validateUndeployModelSpec(spec);
  return toResource(spec, UNDEPLOY_MODEL_KIND.type, 'client');
}

import type { UploadModelRequest } from '../../generated/vertex-types.js';
import type { ValidateSpecOptions } from '../rules/common-rules.js';
import { modelNameProblem } from '../rules/resource-names.js';
import { V1 } from '../schema/vertex-schema.js';
import { isPlainObject } from '../schema/well-known-types.js';
import { toResource } from '../to-resource.js';
import { assertValidSpec, type SpecKind } from './spec-validation.js';

/**
 * A model upload as you write it: the body of `models.upload` — `{ model: { displayName, artifactUri,
 * containerSpec: { imageUri, predictRoute, healthRoute, ports, env } }, modelId?, parentModel?, serviceAccount? }`.
 * The `parent` (project and region) is given to the call, not the spec.
 */
export type ModelUploadSpec = Omit<UploadModelRequest, 'parent'>;

/** What the official client's `uploadModel` takes, without `parent` (add `{ parent, ...request }`). */
export type UploadModelRequestResource = Record<string, unknown>;

// models.upload: "This value may be up to 63 characters, and valid characters are [a-z0-9_-]. The first
// character cannot be a number or hyphen."
const MODEL_ID = /^[a-z_][a-z0-9_-]{0,62}$/;

export const MODEL_UPLOAD_KIND: SpecKind = {
  label: 'Model upload',
  type: `${V1}.UploadModelRequest`,
  excludedFields: { parent: 'give the project and region to the call instead' },
  rules: (spec, issues) => {
    const model = spec.model;
    if (isPlainObject(model) && (model.containerSpec === undefined || model.containerSpec === null)) {
      issues.push({
        path: 'model.containerSpec',
        message: 'containerSpec is required to upload a model: containerSpec: { imageUri, predictRoute, healthRoute }',
      });
    }
    if (typeof spec.modelId === 'string' && spec.modelId !== '' && !MODEL_ID.test(spec.modelId)) {
      issues.push({
        path: 'modelId',
        message: `a model ID is up to 63 of a-z, 0-9, _ and -, not starting with a digit or -; got ${JSON.stringify(spec.modelId)}`,
      });
    }
    if (typeof spec.parentModel === 'string' && spec.parentModel !== '') {
      const problem = modelNameProblem(spec.parentModel);
      if (problem) issues.push({ path: 'parentModel', message: problem });
    }
  },
};

/**
 * Checks a model upload spec before anything is sent: the protos, a serving container (from Artifact Registry
 * or Container Registry, routes starting with /, ports 1-65535), a gs:// artifactUri, the model ID's form.
 *
 * @throws JobsError INVALID_SPEC with every problem
 */
export function validateModelUploadSpec(spec: unknown, options: ValidateSpecOptions = {}): ModelUploadSpec {
  assertValidSpec(MODEL_UPLOAD_KIND, spec, options);
  return spec as ModelUploadSpec;
}

/**
 * Validates a model upload spec and converts it to the official client's `uploadModel` request, without
 * `parent`: `{ model, modelId?, parentModel?, serviceAccount? }`.
 *
 * @throws JobsError INVALID_SPEC
 */
export function toUploadModelRequest(spec: ModelUploadSpec, options: ValidateSpecOptions = {}): UploadModelRequestResource {
  validateModelUploadSpec(spec, options);
  return toResource(spec, MODEL_UPLOAD_KIND.type, 'client');
}

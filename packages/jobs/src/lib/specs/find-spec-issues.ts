import type { SpecIssue } from '../jobs-error.js';
import type { ValidateSpecOptions } from '../rules/common-rules.js';
import { BATCH_PREDICTION_JOB_KIND } from './batch-prediction-job-spec.js';
import { CUSTOM_JOB_KIND } from './custom-job-spec.js';
import { DEPLOY_MODEL_KIND, UNDEPLOY_MODEL_KIND } from './deploy-model-spec.js';
import { ENDPOINT_KIND } from './endpoint-spec.js';
import { HYPERPARAMETER_TUNING_JOB_KIND } from './hyperparameter-tuning-job-spec.js';
import { MODEL_UPLOAD_KIND } from './model-upload-spec.js';
import { collectSpecIssues, type SpecKind } from './spec-validation.js';

/** The kinds of spec this package checks. */
export type SpecKindName =
  | 'customJob'
  | 'hyperparameterTuningJob'
  | 'batchPredictionJob'
  | 'modelUpload'
  | 'endpoint'
  | 'deployModel'
  | 'undeployModel';

const KINDS: Record<SpecKindName, SpecKind> = {
  customJob: CUSTOM_JOB_KIND,
  hyperparameterTuningJob: HYPERPARAMETER_TUNING_JOB_KIND,
  batchPredictionJob: BATCH_PREDICTION_JOB_KIND,
  modelUpload: MODEL_UPLOAD_KIND,
  endpoint: ENDPOINT_KIND,
  deployModel: DEPLOY_MODEL_KIND,
  undeployModel: UNDEPLOY_MODEL_KIND,
};

/**
 * Every problem of a spec, without throwing: what `validateCustomJobSpec` and the others check, as a list of
 * `{ path, message }` (empty when the spec is valid). For editors, linters and forms that show all problems.
 */
export function findSpecIssues(kind: SpecKindName, spec: unknown, options: ValidateSpecOptions = {}): SpecIssue[] {
  return collectSpecIssues(KINDS[kind], spec, options);
}

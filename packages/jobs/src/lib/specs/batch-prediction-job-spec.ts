import type { BatchPredictionJob } from '../../generated/vertex-types.js';
import type { SpecIssue } from '../jobs-error.js';
import type { ValidateSpecOptions } from '../rules/common-rules.js';
import { modelNameProblem } from '../rules/resource-names.js';
import { V1 } from '../schema/vertex-schema.js';
import { isPlainObject } from '../schema/well-known-types.js';
import { didYouMean, nearest } from '../suggest.js';
import { toResource } from '../to-resource.js';
import { assertValidSpec, type SpecKind } from './spec-validation.js';

/**
 * A BatchPredictionJob as you write it (the body of `batchPredictionJobs.create`): `{ displayName, model,
 * inputConfig: { instancesFormat: 'jsonl', gcsSource: { uris } }, outputConfig: { predictionsFormat: 'jsonl',
 * gcsDestination: { outputUriPrefix } }, dedicatedResources: { machineSpec, startingReplicaCount,
 * maxReplicaCount } }`. `modelParameters` takes plain JSON.
 */
export type BatchPredictionJobSpec = BatchPredictionJob;

/** A BatchPredictionJob as the official client's `createBatchPredictionJob` takes it. */
export type BatchPredictionJobResource = Record<string, unknown>;

// BatchPredictionJob.InputConfig.instances_format / OutputConfig.predictions_format: the formats Vertex AI
// documents for custom-trained models ("file-list" and the TFRecord ones read files named in the input).
const INSTANCE_FORMATS = ['jsonl', 'csv', 'tf-record', 'tf-record-gzip', 'file-list', 'bigquery'];
const PREDICTION_FORMATS = ['jsonl', 'csv', 'bigquery'];

export const BATCH_PREDICTION_JOB_KIND: SpecKind = {
  label: 'BatchPredictionJob',
  type: `${V1}.BatchPredictionJob`,
  rules: (spec, issues) => {
    modelRules(spec, issues);
    ioRules(spec.inputConfig, 'inputConfig', 'instancesFormat', INSTANCE_FORMATS, ['gcsSource', 'bigquerySource', 'vertexMultimodalDatasetSource'], issues);
    ioRules(spec.outputConfig, 'outputConfig', 'predictionsFormat', PREDICTION_FORMATS, ['gcsDestination', 'bigqueryDestination', 'vertexMultimodalDatasetDestination'], issues);
    instanceConfigRules(spec.instanceConfig, issues);
    const resources = spec.dedicatedResources;
    if (isPlainObject(resources) && typeof resources.startingReplicaCount === 'number' && typeof resources.maxReplicaCount === 'number') {
      if (resources.maxReplicaCount < resources.startingReplicaCount) {
        issues.push({
          path: 'dedicatedResources.maxReplicaCount',
          message: `maxReplicaCount (${resources.maxReplicaCount}) is below startingReplicaCount (${resources.startingReplicaCount})`,
        });
      }
    }
  },
};

// BatchPredictionJob.InstanceConfig: instance_type is "object" or "array"; included_fields and excluded_fields
// exclude each other ("When included_fields is populated, excluded_fields must be empty").
const INSTANCE_TYPES = ['object', 'array'];

function instanceConfigRules(config: unknown, issues: SpecIssue[]): void {
  if (!isPlainObject(config)) return;
  const type = config.instanceType;
  if (typeof type === 'string' && type !== '' && !INSTANCE_TYPES.includes(type)) {
    const suggestions = nearest(type, INSTANCE_TYPES);
    issues.push({ path: 'instanceConfig.instanceType', message: `${JSON.stringify(type)} is not an instance type; ${suggestions.length > 0 ? didYouMean(suggestions) : 'use "object" or "array"'}` });
  }
  const included = config.includedFields;
  const excluded = config.excludedFields;
  if (Array.isArray(included) && included.length > 0 && Array.isArray(excluded) && excluded.length > 0) {
    issues.push({ path: 'instanceConfig.excludedFields', message: 'includedFields and excludedFields are alternatives: set only one' });
  }
}

function modelRules(spec: Record<string, unknown>, issues: SpecIssue[]): void {
  const hasModel = typeof spec.model === 'string' && spec.model !== '';
  const hasUnmanaged = spec.unmanagedContainerModel !== undefined && spec.unmanagedContainerModel !== null;
  if (!hasModel && !hasUnmanaged) {
    issues.push({ path: 'model', message: 'say which model predicts: model: "projects/PROJECT/locations/REGION/models/ID" (or unmanagedContainerModel)' });
  }
  if (hasModel && hasUnmanaged) {
    issues.push({ path: 'unmanagedContainerModel', message: 'model and unmanagedContainerModel are alternatives: set only one' });
  }
  if (hasModel) {
    const problem = modelNameProblem(spec.model as string);
    if (problem) issues.push({ path: 'model', message: problem });
  }
}

function ioRules(
  config: unknown,
  path: string,
  formatKey: string,
  formats: string[],
  places: string[],
  issues: SpecIssue[],
): void {
  if (!isPlainObject(config)) return;
  const format = config[formatKey];
  if (typeof format === 'string' && format !== '' && !formats.includes(format)) {
    const suggestions = nearest(format, formats);
    const tail = suggestions.length > 0 ? didYouMean(suggestions) : `use one of ${formats.join(', ')}`;
    issues.push({ path: `${path}.${formatKey}`, message: `${JSON.stringify(format)} is not a format Vertex AI reads here; ${tail}` });
  }
  const set = places.filter((place) => config[place] !== undefined && config[place] !== null);
  if (set.length === 0) {
    const [gcs, bigquery] = places;
    issues.push({
      path,
      message: `say where: ${gcs ?? ''} (Cloud Storage) or ${bigquery ?? ''} (BigQuery)`,
    });
    return;
  }
  const onBigQuery = set[0]?.startsWith('bigquery') ?? false;
  if (format === 'bigquery' && !onBigQuery) {
    issues.push({ path: `${path}.${formatKey}`, message: `format "bigquery" goes with ${places[1] ?? ''}; files on Cloud Storage are jsonl or csv` });
  }
  if (typeof format === 'string' && format !== 'bigquery' && formats.includes(format) && onBigQuery) {
    issues.push({ path: `${path}.${formatKey}`, message: `${places[1] ?? ''} needs format "bigquery", got ${JSON.stringify(format)}` });
  }
}

/**
 * Checks a BatchPredictionJob spec before anything is sent: the protos, plus exactly one of model and
 * unmanagedContainerModel (a full model resource name), input and output formats Vertex AI reads, a source and a
 * destination that match them, gs:// URIs, and replica counts in order.
 *
 * @throws JobsError INVALID_SPEC with every problem
 */
export function validateBatchPredictionJobSpec(spec: unknown, options: ValidateSpecOptions = {}): BatchPredictionJobSpec {
  assertValidSpec(BATCH_PREDICTION_JOB_KIND, spec, options);
  return spec as BatchPredictionJobSpec;
}

/**
 * Validates and converts a BatchPredictionJob spec to the official client's shape: `modelParameters` becomes a
 * google.protobuf.Value (`{ structValue: { fields } }`), which the client needs (it sends plain objects as `{}`).
 *
 * @throws JobsError INVALID_SPEC
 */
export function toBatchPredictionJobResource(spec: BatchPredictionJobSpec, options: ValidateSpecOptions = {}): BatchPredictionJobResource {
  validateBatchPredictionJobSpec(spec, options);
  return toResource(spec, BATCH_PREDICTION_JOB_KIND.type, 'client');
}

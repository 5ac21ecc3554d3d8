import type { SpecIssue } from './jobs-error.js';
import { fullTypeName, shortTypeName, V1, vertexSchema, type SchemaField, type SchemaMessage } from './schema/vertex-schema.js';
import {
  describeValue,
  findNonJson,
  isPlainObject,
  joinPath,
  parseDuration,
  parseTimestamp,
} from './schema/well-known-types.js';
import { didYouMean, listSome, nearest } from './suggest.js';

/** Options of {@link validateResource}. */
export interface ValidateResourceOptions {
  /**
   * Fields of the top-level message that do not belong in a spec, each with the reason shown to the user, e.g.
   * `{ parent: 'pass project and region to the call instead' }` for a request message.
   */
  excludedFields?: Record<string, string>;
  /** Prefix of every issue path (e.g. `trialJobSpec` when validating a nested part on its own). */
  path?: string;
}

/**
 * Checks a plain object against a Vertex AI v1 message type (`CustomJob`, `StudySpec.MetricSpec` or a full
 * `google.cloud.aiplatform.v1.*` name) as the service would on create, and returns every problem found, each
 * with its field path and fix: unknown fields (with "did you mean"), snake_case names, enum values, missing
 * REQUIRED fields (nested ones only when their parent is set), output-only fields, oneof conflicts and wrong
 * types. Conveniences the specs allow are accepted: Duration as `"2h"` or seconds, `env` as a record, Value as
 * plain JSON, int64 as a number or decimal string; `null` counts as unset, as in proto3 JSON.
 *
 * Enum values must be names (`"NVIDIA_TESLA_T4"`): the numbers the wire uses are refused with the name to write.
 */
export function validateResource(value: unknown, type: string, options: ValidateResourceOptions = {}): SpecIssue[] {
  const issues: SpecIssue[] = [];
  const name = fullTypeName(type);
  if (!vertexSchema().messages[name]) throw new Error(`validateResource: ${type} is not a message of the schema`);
  validateMessage(value, name, options.path ?? '', issues, options.excludedFields);
  return issues;
}

const INT32 = { min: -2_147_483_648, max: 2_147_483_647 };
const UINT32 = { min: 0, max: 4_294_967_295 };
const INTEGER_RANGES: Record<string, { min: number; max: number }> = {
  int32: INT32,
  sint32: INT32,
  sfixed32: INT32,
  uint32: UINT32,
  fixed32: UINT32,
};
const INT64 = new Set(['int64', 'sint64', 'sfixed64']);
const UINT64 = new Set(['uint64', 'fixed64']);

/** What a few REQUIRED fields are for, so that "x is required" also says what to write. */
const REQUIRED_HINTS: Record<string, string> = {
  'CustomJob.displayName': 'a name for the job, up to 128 characters',
  'CustomJob.jobSpec': 'jobSpec: { workerPoolSpecs: [...] } says what to run and on which machines',
  'CustomJobSpec.workerPoolSpecs': 'at least one pool: [{ machineSpec: { machineType: "n1-standard-4" }, replicaCount: 1, containerSpec: { imageUri } }]',
  'ContainerSpec.imageUri': 'the image to run, e.g. us-docker.pkg.dev/my-project/trainers/trainer:latest',
  'PythonPackageSpec.executorImageUri': 'a prebuilt training image, e.g. us-docker.pkg.dev/vertex-ai/training/tf-cpu.2-4:latest',
  'PythonPackageSpec.packageUris': 'the gs:// URIs of your packaged trainer (.tar.gz or .whl)',
  'PythonPackageSpec.pythonModule': 'the module to run, e.g. trainer.task',
  'GcsDestination.outputUriPrefix': 'a Cloud Storage prefix, e.g. gs://my-bucket/output/',
  'GcsSource.uris': 'the gs:// files to read, wildcards allowed: ["gs://my-bucket/input/*.jsonl"]',
  'EnvVar.name': 'the variable name',
  'HyperparameterTuningJob.displayName': 'a name for the job, up to 128 characters',
  'HyperparameterTuningJob.studySpec': 'studySpec: { metrics, parameters } says what to optimise over which parameters',
  'HyperparameterTuningJob.maxTrialCount': 'how many trials to run in total, e.g. 20',
  'HyperparameterTuningJob.parallelTrialCount': 'how many trials run at once, e.g. 2',
  'HyperparameterTuningJob.trialJobSpec': 'the CustomJob spec each trial runs: { workerPoolSpecs: [...] }',
  'StudySpec.metrics': 'what to optimise: [{ metricId: "accuracy", goal: "MAXIMIZE" }]',
  'StudySpec.parameters': 'what to tune: [{ parameterId: "learning_rate", doubleValueSpec: { minValue: 0.0001, maxValue: 0.1 } }]',
  'StudySpec.MetricSpec.metricId': 'the name your trainer reports, e.g. with cloudml-hypertune',
  'StudySpec.MetricSpec.goal': 'MAXIMIZE or MINIMIZE',
  'StudySpec.ParameterSpec.parameterId': 'the name of the argument passed to the trainer, e.g. learning_rate',
  'BatchPredictionJob.displayName': 'a name for the job, up to 128 characters',
  'BatchPredictionJob.inputConfig': 'inputConfig: { instancesFormat: "jsonl", gcsSource: { uris: ["gs://..."] } }',
  'BatchPredictionJob.outputConfig': 'outputConfig: { predictionsFormat: "jsonl", gcsDestination: { outputUriPrefix: "gs://..." } }',
  'BatchPredictionJob.InputConfig.instancesFormat': '"jsonl" or "csv" for files on Cloud Storage',
  'BatchPredictionJob.OutputConfig.predictionsFormat': '"jsonl" or "csv" for files on Cloud Storage',
  'Model.displayName': 'a name for the model, up to 128 characters',
  'UploadModelRequest.model': 'model: { displayName, artifactUri, containerSpec: { imageUri } }',
  'Endpoint.displayName': 'a name for the endpoint, up to 128 characters',
  'DeployModelRequest.deployedModel': 'deployedModel: { model, dedicatedResources: { machineSpec, minReplicaCount } }',
  'DedicatedResources.machineSpec': 'machineSpec: { machineType: "n1-standard-2" }',
  'DedicatedResources.minReplicaCount': 'at least 1',
  'BatchDedicatedResources.machineSpec': 'machineSpec: { machineType: "n1-standard-4" }',
  'UndeployModelRequest.deployedModelId': 'the ID of the DeployedModel to remove (Endpoint.deployedModels[].id)',
};

/** What the common enums are, in the words of the error message. */
const ENUM_NOUNS: Record<string, string> = {
  AcceleratorType: 'a Vertex accelerator type',
  'Scheduling.Strategy': 'a scheduling strategy',
  'StudySpec.Algorithm': 'a search algorithm',
  'StudySpec.MetricSpec.GoalType': 'a metric goal',
  'StudySpec.ParameterSpec.ScaleType': 'a scale type',
};

function issue(issues: SpecIssue[], path: string, message: string): void {
  issues.push({ path, message });
}

function validateMessage(
  value: unknown,
  type: string,
  path: string,
  issues: SpecIssue[],
  excludedFields?: Record<string, string>,
): void {
  if (type.startsWith('google.protobuf.')) {
    validateWellKnown(value, type, path, issues);
    return;
  }
  const message = vertexSchema().messages[type];
  if (!message) return;
  if (!isPlainObject(value)) {
    issue(issues, path, `expected an object (${shortTypeName(type)}), got ${describeValue(value)}`);
    return;
  }
  if (inProgress.has(value)) {
    issue(issues, path, 'this object contains itself (a circular reference); a spec is a tree');
    return;
  }
  inProgress.add(value);
  try {
    checkFields(value, type, message, path, issues, excludedFields);
  } finally {
    inProgress.delete(value);
  }
}

/** Objects being checked up the current path: the recursion is synchronous, so one set serves every call. */
const inProgress = new Set<object>();

function checkFields(
  value: Record<string, unknown>,
  type: string,
  message: SchemaMessage,
  path: string,
  issues: SpecIssue[],
  excludedFields?: Record<string, string>,
): void {
  for (const [key, fieldValue] of Object.entries(value)) {
    if (fieldValue === undefined) continue;
    const fieldPath = joinPath(path, key);
    const excluded = excludedFields?.[key];
    if (excluded !== undefined) {
      issue(issues, fieldPath, `${key} is not part of the spec: ${excluded}`);
      continue;
    }
    const field = message.fields[key];
    if (!field) {
      issue(issues, fieldPath, unknownFieldMessage(key, type, message));
      continue;
    }
    if (field.outputOnly) {
      issue(issues, fieldPath, `${key} is output only: the service sets it; remove it`);
      continue;
    }
    validateField(fieldValue, field, fieldPath, issues);
  }
  for (const [key, field] of Object.entries(message.fields)) {
    if (field.required && !field.outputOnly && isMissing(value[key], field) && !(excludedFields && key in excludedFields)) {
      const hint = REQUIRED_HINTS[`${shortTypeName(type)}.${key}`];
      issue(issues, joinPath(path, key), `${key} is required${hint ? `: ${hint}` : ''}`);
    }
  }
  for (const [oneof, members] of Object.entries(message.oneofs ?? {})) {
    const set = members.filter((member) => value[member] !== undefined && value[member] !== null);
    if (set.length > 1) {
      issue(
        issues,
        joinPath(path, set[1] ?? ''),
        `${set.join(' and ')} are alternatives (oneof ${oneof} of ${shortTypeName(type)}): set only one`,
      );
    }
  }
}

function unknownFieldMessage(key: string, type: string, message: SchemaMessage): string {
  const fieldNames = Object.keys(message.fields).filter((name) => !message.fields[name]?.outputOnly);
  const where = shortTypeName(type);
  if (key.includes('_')) {
    const camel = key.replace(/_+([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
    if (message.fields[camel]) return `unknown field ${key}; write it as ${camel} (the API's JSON names are camelCase)`;
  }
  // A field of a nested message written one level too high, e.g. machineType directly in a worker pool: an
  // exact name one level down says more than a near name at this level.
  const owners = fieldNames.filter((name) => {
    const field = message.fields[name];
    const nested = field && !field.repeated && !field.keyType ? vertexSchema().messages[field.type] : undefined;
    return nested?.fields[key] !== undefined && !nested.fields[key]?.outputOnly;
  });
  if (owners.length > 0) {
    return `${key} is not a field of ${where}; it belongs in ${owners.join(' or ')}: write ${owners[0] ?? ''}: { ${key}: ... }`;
  }
  const suggestions = nearest(key, fieldNames);
  if (suggestions.length > 0) return `unknown field ${JSON.stringify(key)} in ${where}; ${didYouMean(suggestions)}`;
  return `unknown field ${JSON.stringify(key)} in ${where}; its fields are ${listSome(fieldNames, 15)}`;
}

/** Unset as proto3 sees it: absent, null, an empty list or map, an empty string, the enum's zero value. */
function isMissing(value: unknown, field: SchemaField): boolean {
  if (value === undefined || value === null) return true;
  if (field.keyType) return isPlainObject(value) && Object.keys(value).length === 0;
  if (field.repeated) return Array.isArray(value) && value.length === 0;
  if (field.type === 'string' || field.type === 'bytes') return value === '';
  const values = vertexSchema().enums[field.type];
  if (values && typeof value === 'string') return values[value] === 0;
  return false;
}

function validateField(value: unknown, field: SchemaField, path: string, issues: SpecIssue[]): void {
  if (value === null) return;
  if (field.keyType) {
    if (!isPlainObject(value)) {
      issue(issues, path, `expected an object of ${field.keyType} keys to ${valueNoun(field.type)}, got ${describeValue(value)}`);
      return;
    }
    for (const [key, item] of Object.entries(value)) {
      const itemPath = joinPath(path, key);
      if (field.keyType !== 'string' && !/^-?\d+$/.test(key) && field.keyType !== 'bool') {
        issue(issues, itemPath, `map key ${JSON.stringify(key)} is not a whole number (${field.keyType} keys)`);
      }
      if (item === undefined) continue;
      if (item === null) {
        issue(issues, itemPath, `expected ${valueNoun(field.type, 1)}, got null; remove the entry instead`);
        continue;
      }
      validateSingular(item, field.type, itemPath, issues);
    }
    return;
  }
  if (field.repeated) {
    if (field.type === `${V1}.EnvVar` && isPlainObject(value)) {
      validateEnvRecord(value, path, issues);
      return;
    }
    if (!Array.isArray(value)) {
      const wrap = isSingularOf(value, field.type) ? `; wrap it in a list: [${previewValue(value)}]` : '';
      issue(issues, path, `expected a list of ${valueNoun(field.type)}, got ${describeValue(value)}${wrap}`);
      return;
    }
    value.forEach((item, index) => {
      const itemPath = `${path}[${index}]`;
      if (item === undefined || item === null) {
        issue(issues, itemPath, `expected ${valueNoun(field.type, 1)}, got ${describeValue(item)}; remove the entry instead`);
        return;
      }
      validateSingular(item, field.type, itemPath, issues);
    });
    return;
  }
  validateSingular(value, field.type, path, issues);
}

function validateEnvRecord(value: Record<string, unknown>, path: string, issues: SpecIssue[]): void {
  for (const [name, item] of Object.entries(value)) {
    const itemPath = joinPath(path, name);
    if (item === undefined) continue;
    if (typeof item !== 'string') {
      const fix = typeof item === 'number' || typeof item === 'boolean' ? `; write ${JSON.stringify(String(item))}` : '';
      issue(issues, itemPath, `environment values are strings, got ${describeValue(item)}${fix}`);
    }
  }
}

function isSingularOf(value: unknown, type: string): boolean {
  if (vertexSchema().messages[type]) return isPlainObject(value);
  if (type === 'string' || vertexSchema().enums[type]) return typeof value === 'string';
  return typeof value === 'number' && type !== 'bool';
}

function previewValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') return String(value);
  return '{ ... }';
}

/** How values of a type are named in a message: `strings`, `WorkerPoolSpec objects`; with `1`, `a string`. */
function valueNoun(type: string, count?: 1): string {
  const [one, many] = ((): [string, string] => {
    if (type === 'string') return ['a string', 'strings'];
    if (type === 'bool') return ['true or false', 'booleans'];
    if (INTEGER_RANGES[type] || INT64.has(type) || UINT64.has(type)) return ['a whole number', 'whole numbers'];
    if (type === 'double' || type === 'float') return ['a number', 'numbers'];
    if (vertexSchema().enums[type]) return [`a ${shortTypeName(type)} name`, `${shortTypeName(type)} names`];
    return [`a ${shortTypeName(type)} object`, `${shortTypeName(type)} objects`];
  })();
  return count === 1 ? one : many;
}

function validateSingular(value: unknown, type: string, path: string, issues: SpecIssue[]): void {
  const enumValues = vertexSchema().enums[type];
  if (enumValues) {
    validateEnum(value, type, enumValues, path, issues);
    return;
  }
  if (vertexSchema().messages[type] || type.startsWith('google.protobuf.')) {
    validateMessage(value, type, path, issues);
    return;
  }
  const problem = scalarProblem(value, type);
  if (problem) issue(issues, path, problem);
}

function validateEnum(
  value: unknown,
  type: string,
  values: Record<string, number>,
  path: string,
  issues: SpecIssue[],
): void {
  const names = Object.keys(values);
  const short = shortTypeName(type);
  const noun = ENUM_NOUNS[short] ?? `a ${short} value`;
  if (typeof value === 'string') {
    if (values[value] !== undefined) return;
    const choices = names.filter((name) => values[name] !== 0);
    const suggestions = nearest(value, choices);
    const tail = suggestions.length > 0 ? didYouMean(suggestions) : `valid values are ${listSome(choices, 20)}`;
    issue(issues, path, `${JSON.stringify(value)} is not ${noun}; ${tail}`);
    return;
  }
  if (typeof value === 'number') {
    const name = names.find((candidate) => values[candidate] === value);
    issue(
      issues,
      path,
      name
        ? `write the enum value's name, not its number: ${JSON.stringify(name)} (= ${value})`
        : `${value} is not ${noun}; write one of ${listSome(names.filter((candidate) => values[candidate] !== 0), 20)}`,
    );
    return;
  }
  issue(issues, path, `expected ${noun} (a string such as ${JSON.stringify(names.find((name) => values[name] !== 0) ?? names[0])}), got ${describeValue(value)}`);
}

/** Why a value does not fit a scalar field, with the fix; undefined when it fits. */
function scalarProblem(value: unknown, type: string): string | undefined {
  if (type === 'string') {
    if (typeof value === 'string') return undefined;
    const fix = typeof value === 'number' || typeof value === 'boolean' ? `; write ${JSON.stringify(String(value))}` : '';
    return `expected a string, got ${describeValue(value)}${fix}`;
  }
  if (type === 'bool') {
    if (typeof value === 'boolean') return undefined;
    if (value === 'true' || value === 'false') return `expected true or false, got ${describeValue(value)}; write ${value} without quotes`;
    return `expected true or false, got ${describeValue(value)}`;
  }
  if (type === 'bytes') {
    if (typeof value === 'string' && /^[A-Za-z0-9+/_-]*={0,2}$/.test(value)) return undefined;
    return `expected base64 text (bytes), got ${describeValue(value)}`;
  }
  if (type === 'double' || type === 'float') {
    if (typeof value === 'number' && Number.isFinite(value)) return undefined;
    if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) {
      return `expected a number, got ${describeValue(value)}; write ${Number(value)} without quotes`;
    }
    return `expected a number, got ${describeValue(value)}`;
  }
  const range = INTEGER_RANGES[type];
  if (range) {
    if (typeof value === 'number' && Number.isInteger(value) && value >= range.min && value <= range.max) return undefined;
    if (typeof value === 'number' && Number.isInteger(value)) {
      return `expected a whole number from ${range.min} to ${range.max}, got ${value}`;
    }
    if (typeof value === 'number') return `expected a whole number, got ${value}`;
    if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) {
      return `expected a number, got ${describeValue(value)}; write ${value.trim()} without quotes`;
    }
    return `expected a whole number, got ${describeValue(value)}`;
  }
  if (INT64.has(type) || UINT64.has(type)) {
    const unsigned = UINT64.has(type);
    if (typeof value === 'number') {
      if (!Number.isInteger(value)) return `expected a whole number, got ${value}`;
      if (unsigned && value < 0) return `expected a whole number >= 0, got ${value}`;
      if (!Number.isSafeInteger(value)) {
        return `${value} is beyond 2^53 and has lost precision as a number; write it as a decimal string`;
      }
      return undefined;
    }
    if (typeof value === 'string' && (unsigned ? /^\d+$/ : /^-?\d+$/).test(value)) return undefined;
    return `expected a whole number (or a decimal string), got ${describeValue(value)}`;
  }
  return undefined;
}

const WRAPPER_SCALARS: Record<string, string> = {
  'google.protobuf.BoolValue': 'bool',
  'google.protobuf.StringValue': 'string',
  'google.protobuf.BytesValue': 'bytes',
  'google.protobuf.Int32Value': 'int32',
  'google.protobuf.UInt32Value': 'uint32',
  'google.protobuf.Int64Value': 'int64',
  'google.protobuf.UInt64Value': 'uint64',
  'google.protobuf.DoubleValue': 'double',
  'google.protobuf.FloatValue': 'float',
};

function validateWellKnown(value: unknown, type: string, path: string, issues: SpecIssue[]): void {
  const wrapped = WRAPPER_SCALARS[type];
  if (wrapped) {
    const problem = scalarProblem(value, wrapped);
    if (problem) issue(issues, path, problem);
    return;
  }
  switch (type) {
    case 'google.protobuf.Duration': {
      const parsed = parseDuration(value);
      if (typeof parsed === 'string') issue(issues, path, parsed);
      return;
    }
    case 'google.protobuf.Timestamp': {
      const parsed = parseTimestamp(value);
      if (typeof parsed === 'string') issue(issues, path, parsed);
      return;
    }
    case 'google.protobuf.Struct':
      if (!isPlainObject(value)) {
        issue(issues, path, `expected a JSON object, got ${describeValue(value)}`);
        return;
      }
      break;
    case 'google.protobuf.ListValue':
      if (!Array.isArray(value)) {
        issue(issues, path, `expected a JSON list, got ${describeValue(value)}`);
        return;
      }
      break;
    case 'google.protobuf.FieldMask':
      if (typeof value !== 'string') issue(issues, path, `expected a field mask string like "a.b,c", got ${describeValue(value)}`);
      return;
    case 'google.protobuf.Value':
      break;
    default:
      if (!isPlainObject(value)) issue(issues, path, `expected an object (${type}), got ${describeValue(value)}`);
      return;
  }
  for (const problem of findNonJson(value, path)) issue(issues, problem.path, problem.message);
}

// BatchPredictionJob.instanceConfig applied to one JSON Lines instance, as the proto documents it
// (google/cloud/aiplatform/v1/batch_prediction_job.proto, InstanceConfig):
// - instanceType "object": each line must be an object; "array": an object line becomes the values of
//   includedFields in that order (includedFields is then required), an array line stays as it is; unset: the
//   line is sent as it is.
// - keyField: the field is left out of what is sent, and the output line carries `"key": <value>` instead of
//   `"instance"`.
// - includedFields / excludedFields: only / all but those fields are sent. "Excluded will be attached to the
//   batch prediction output if key_field is not specified": the output echoes the whole instance as read.
// Not stated by the docs, assumed here: with includedFields and no keyField the output also echoes the instance
// as read (not only the included fields); a key value is written as it is in the input (a number stays a
// number, though PredictionResult types `key` as a string); a line without the key field is a failed instance.
import type { BatchPredictionJobInstanceConfig } from '../../generated/vertex-types.js';

/** How the output line names the instance: the instance itself, or its key. */
export type InstanceEcho = { instance: unknown } | { key: unknown };

/** One input instance after instanceConfig: what is sent, and what the output line echoes; or why it fails. */
export type PreparedInstance = { send: unknown; echo: InstanceEcho } | { problem: string; echo: InstanceEcho };

/** Turns input instances into model instances; one per run. */
export function instancePreparer(config: BatchPredictionJobInstanceConfig | undefined): (instance: unknown) => PreparedInstance {
  const type = config?.instanceType ?? '';
  const keyField = config?.keyField ?? '';
  const included = config?.includedFields ?? [];
  const excluded = new Set(config?.excludedFields ?? []);
  if (keyField) excluded.add(keyField);
  const reshapes = type !== '' || keyField !== '' || included.length > 0 || excluded.size > 0;

  return (instance) => {
    if (!reshapes) return { send: instance, echo: { instance } };
    const isObject = typeof instance === 'object' && instance !== null && !Array.isArray(instance);
    const fields = isObject ? (instance as Record<string, unknown>) : undefined;
    if (keyField && (!fields || !Object.hasOwn(fields, keyField))) {
      return { problem: `instanceConfig.keyField is ${JSON.stringify(keyField)}, but this instance ${fields ? 'has no such field' : 'is not an object'}; every line needs the key field`, echo: { instance } };
    }
    const echo: InstanceEcho = keyField ? { key: fields![keyField] } : { instance };
    if (!fields) {
      if (type === 'object') return { problem: 'instanceConfig.instanceType is "object": each line must be a JSON object', echo };
      if (included.length > 0 || excluded.size > 0) return { problem: 'instanceConfig.includedFields/excludedFields select fields of an object: each line must be a JSON object', echo };
      return { send: instance, echo };
    }
    if (type === 'array') {
      if (included.length === 0) return { problem: 'instanceConfig.instanceType is "array" and the line is an object: set includedFields to give the order of its values', echo };
      return { send: included.map((name) => fields[name] ?? null), echo };
    }
    const send: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(fields)) {
      if (included.length > 0 ? included.includes(name) && name !== keyField : !excluded.has(name)) send[name] = value;
    }
    return { send, echo };
  };
}

import type { JsonObject, JsonValue } from './spec-inputs.js';
import { V1, vertexSchema, type SchemaField } from './schema/vertex-schema.js';
import {
  formatDuration,
  isPlainObject,
  parseDuration,
  parseTimestamp,
  toProtoListValue,
  toProtoStruct,
  toProtoValue,
} from './schema/well-known-types.js';

/**
 * The two shapes a spec is sent in. `client`: what the official Node client's methods take (protobufjs objects:
 * Duration `{ seconds, nanos }`, Value `{ structValue: { fields } }`, wrappers `{ value }`). `json`: proto3 JSON, as
 * the REST API and gcloud's `--config` YAML read it (Duration `"3600s"`, Value as plain JSON).
 */
export type ResourceShape = 'client' | 'json';

/**
 * Converts a spec that passed validation to the message `type` in the given shape: unset (undefined, null)
 * fields dropped, `env` records turned into `[{ name, value }]`, the conveniences turned into the wire forms.
 * Enum values stay names, int64 values stay as given (the client accepts numbers and decimal strings).
 */
export function toResource(spec: unknown, type: string, shape: ResourceShape): Record<string, unknown> {
  return convertMessage(spec, type, shape);
}

function convertMessage(value: unknown, type: string, shape: ResourceShape): Record<string, unknown> {
  const message = vertexSchema().messages[type];
  const out: Record<string, unknown> = {};
  if (!message || !isPlainObject(value)) return out;
  for (const [key, fieldValue] of Object.entries(value)) {
    const field = message.fields[key];
    if (fieldValue === undefined || fieldValue === null || !field || field.outputOnly) continue;
    out[key] = convertField(fieldValue, field, shape);
  }
  return out;
}

function convertField(value: unknown, field: SchemaField, shape: ResourceShape): unknown {
  if (field.keyType) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      if (item !== undefined && item !== null) out[key] = convertSingular(item, field.type, shape);
    }
    return out;
  }
  if (field.repeated) {
    if (field.type === `${V1}.EnvVar` && isPlainObject(value)) {
      return Object.entries(value)
        .filter(([, item]) => item !== undefined)
        .map(([name, item]) => ({ name, value: item }));
    }
    return (value as unknown[]).map((item) => convertSingular(item, field.type, shape));
  }
  return convertSingular(value, field.type, shape);
}

function convertSingular(value: unknown, type: string, shape: ResourceShape): unknown {
  if (vertexSchema().messages[type]) return convertMessage(value, type, shape);
  switch (type) {
    case 'google.protobuf.Duration': {
      const duration = parseDuration(value);
      if (typeof duration === 'string') throw new Error(`toResource: unvalidated duration: ${duration}`);
      return shape === 'client' ? duration : formatDuration(duration);
    }
    case 'google.protobuf.Timestamp': {
      const timestamp = parseTimestamp(value);
      if (typeof timestamp === 'string') throw new Error(`toResource: unvalidated timestamp: ${timestamp}`);
      if (shape === 'client') return timestamp;
      return value instanceof Date ? value.toISOString() : value;
    }
    case 'google.protobuf.Value':
      return shape === 'client' ? toProtoValue(value as JsonValue) : value;
    case 'google.protobuf.Struct':
      return shape === 'client' ? toProtoStruct(value as JsonObject) : value;
    case 'google.protobuf.ListValue':
      return shape === 'client' ? toProtoListValue(value as JsonValue[]) : value;
    default:
      if (shape === 'client' && /^google\.protobuf\.[A-Za-z0-9]+Value$/.test(type)) return { value };
      return value;
  }
}

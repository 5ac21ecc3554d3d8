import { VERTEX_SCHEMA_JSON } from '../../generated/vertex-schema-text.js';

/** One field of a message, as scripts/generate-schema.mjs writes it. */
export interface SchemaField {
  /** A scalar (`string`, `int64`, ...), or the full name of a message, enum or google.protobuf type. */
  type: string;
  repeated?: true;
  /** Set for map fields: the key's scalar type (`type` is then the value's). */
  keyType?: string;
  /** (google.api.field_behavior) = REQUIRED: the service rejects a create request without it. */
  required?: true;
  /** (google.api.field_behavior) = OUTPUT_ONLY: the service sets it; a request must not. */
  outputOnly?: true;
  deprecated?: true;
}

export interface SchemaMessage {
  fields: Record<string, SchemaField>;
  /** Real oneofs only (proto3 `optional` fields are not listed): name -> member fields. */
  oneofs?: Record<string, string[]>;
}

export interface VertexSchema {
  source: string;
  roots: string[];
  messages: Record<string, SchemaMessage>;
  /** Full enum name -> value name -> number. */
  enums: Record<string, Record<string, number>>;
}

/** The namespace of every resource this package creates. */
export const V1 = 'google.cloud.aiplatform.v1';

let cached: VertexSchema | undefined;

/**
 * The Vertex AI v1 types reachable from the resources this package creates. Parsed on first use, not at import:
 * importing `@vertexkit/jobs` costs nothing for the schema.
 */
export function vertexSchema(): VertexSchema {
  cached ??= JSON.parse(VERTEX_SCHEMA_JSON) as VertexSchema;
  return cached;
}

/** `google.cloud.aiplatform.v1.StudySpec.MetricSpec` -> `StudySpec.MetricSpec`, for messages. */
export function shortTypeName(fullName: string): string {
  return fullName.startsWith(`${V1}.`) ? fullName.slice(V1.length + 1) : fullName;
}

/** Accepts `CustomJob` as well as `google.cloud.aiplatform.v1.CustomJob`. */
export function fullTypeName(name: string): string {
  return name.startsWith('google.') ? name : `${V1}.${name}`;
}

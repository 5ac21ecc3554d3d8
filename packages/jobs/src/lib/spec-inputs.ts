/** A JSON value: what a google.protobuf.Value field takes (e.g. `modelParameters`). */
export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;

/** A JSON object: what a google.protobuf.Struct field takes. */
export interface JsonObject {
  [key: string]: JsonValue;
}

/**
 * A google.protobuf.Duration as users write it: `"2h"`, `"30m"`, `"90s"`, `"1h30m"`, `"1.5h"`, `"2d"`, the proto3
 * JSON form `"3600s"`, a number of seconds (`3600`), or the wire form `{ seconds, nanos }`.
 */
export type DurationInput = string | number | { seconds: number | string; nanos?: number };

/** A google.protobuf.Timestamp: an RFC 3339 string (`"2026-01-31T12:00:00Z"`) or a Date. */
export type TimestampInput = string | Date;

/** One environment variable, as the API lists them. */
export interface EnvVarInput {
  name: string;
  value: string;
}

/**
 * Environment variables of a container: a record (`{ LOG_LEVEL: 'debug' }`, sent in key order) or the API's
 * `[{ name, value }]` list.
 */
export type EnvInput = Record<string, string> | EnvVarInput[];

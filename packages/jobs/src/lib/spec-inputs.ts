/** A JSON value: what a google.protobuf.Value field takes (e.g. `modelParameters`). */
export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;

/** A JSON object: what a google.protobuf.Struct field takes. */
export interface JsonObject {
  [key: string]: JsonValue;
}

/**
 * An int64 (`replicaCount`, integer parameter ranges, ...): a number, or a decimal string for values beyond 2^53
 * (`"9007199254740993"`), as proto3 JSON writes them. A string that is not an integer (`"one"`, `"1.5"`) does not
 * type-check; the validator also refuses it for untyped callers.
 */
export type Int64Input = number | `${bigint}`;

type DurationAmount = `${number}`;
type DurationSeconds = `${DurationAmount}s`;
type DurationMinutes = `${DurationAmount}m` | `${DurationAmount}m${DurationSeconds}`;
type DurationHours = `${DurationAmount}h` | `${DurationAmount}h${DurationMinutes | DurationSeconds}`;
type DurationDays = `${DurationAmount}d` | `${DurationAmount}d${DurationHours | DurationMinutes | DurationSeconds}`;

/**
 * A duration string: amounts with units d, h, m, s in that order, each at most once: `"2h"`, `"30m"`, `"1h30m"`,
 * `"1.5h"`, `"2d"`, `"3600s"` (proto3 JSON's own form). `"2 hours"` or `"2"` does not type-check.
 */
export type DurationString = DurationDays | DurationHours | DurationMinutes | DurationSeconds;

/**
 * A google.protobuf.Duration as users write it: a {@link DurationString} (`"2h"`, `"1h30m"`, `"3600s"`), a number
 * of seconds (`3600`), or the wire form `{ seconds, nanos }`.
 */
export type DurationInput = DurationString | number | { seconds: Int64Input; nanos?: number };

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

// The google.protobuf types whose JSON form is not their message shape. Specs take the forms people write
// (durations as "2h", Values as plain JSON); the official Node client takes protobufjs objects
// ({ seconds, nanos }, { structValue: { fields } }), and gcloud's YAML takes proto3 JSON ("3600s", plain JSON).
import type { JsonObject, JsonValue } from '../spec-inputs.js';

/** google.protobuf.Duration and Timestamp as protobufjs objects: int64 seconds, int32 nanos. */
export interface ProtoSeconds {
  seconds: number | string;
  nanos: number;
}

/** google.protobuf.Value as protobufjs objects: exactly one of the kinds is set. */
export type ProtoValue =
  | { nullValue: 'NULL_VALUE' }
  | { numberValue: number }
  | { stringValue: string }
  | { boolValue: boolean }
  | { structValue: ProtoStruct }
  | { listValue: ProtoListValue };

export interface ProtoStruct {
  fields: Record<string, ProtoValue>;
}

export interface ProtoListValue {
  values: ProtoValue[];
}

const NANOS_PER_SECOND = 1_000_000_000n;
const UNIT_SECONDS: Record<string, bigint> = { d: 86_400n, h: 3_600n, m: 60n, s: 1n };
const DURATION_PATTERN = /^(?:(\d+(?:\.\d+)?)d)?(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?$/;
// About 10,000 years: what google.protobuf.Duration allows.
const MAX_DURATION_SECONDS = 315_576_000_000n;

const DURATION_EXPECTED = 'expected a duration like "2h", "30m", "1h30m", "3600s" or a number of seconds';

/** A Duration as specs write it, or the reason it is not one (which names what is accepted). */
export function parseDuration(value: unknown): ProtoSeconds | string {
  if (typeof value === 'string') {
    const text = value.trim();
    const match = DURATION_PATTERN.exec(text);
    if (text === '' || !match) {
      if (/^-/.test(text)) return `a duration can't be negative, got ${JSON.stringify(value)}`;
      return `${DURATION_EXPECTED}, got ${JSON.stringify(value)}`;
    }
    let nanos = 0n;
    const units = ['d', 'h', 'm', 's'] as const;
    for (const [index, unit] of units.entries()) {
      const amount = match[index + 1];
      if (amount === undefined) continue;
      const [whole = '0', fraction = ''] = amount.split('.');
      if (fraction.length > 9) return `at most 9 decimals (nanoseconds), got ${JSON.stringify(value)}`;
      const perUnit = UNIT_SECONDS[unit] ?? 1n;
      nanos += BigInt(whole) * perUnit * NANOS_PER_SECOND + BigInt(fraction.padEnd(9, '0')) * perUnit;
    }
    return fromNanos(nanos, value);
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return `${DURATION_EXPECTED}, got ${String(value)}`;
    if (value < 0) return `a duration can't be negative, got ${value}`;
    const whole = Math.floor(value);
    let nanos = Math.round((value - whole) * 1e9);
    let seconds = whole;
    if (nanos === 1e9) {
      seconds += 1;
      nanos = 0;
    }
    return fromNanos(BigInt(seconds) * NANOS_PER_SECOND + BigInt(nanos), value);
  }
  if (isPlainObject(value)) {
    const extra = Object.keys(value).filter((key) => key !== 'seconds' && key !== 'nanos');
    if (extra.length > 0) return `a { seconds, nanos } duration has no field ${extra.join(', ')}`;
    const { seconds = 0, nanos = 0 } = value;
    const wholeSeconds =
      typeof seconds === 'number' && Number.isSafeInteger(seconds)
        ? BigInt(seconds)
        : typeof seconds === 'string' && /^\d+$/.test(seconds)
          ? BigInt(seconds)
          : undefined;
    if (wholeSeconds === undefined || wholeSeconds < 0n) {
      return `seconds: expected a whole number of seconds >= 0, got ${JSON.stringify(seconds)}`;
    }
    if (typeof nanos !== 'number' || !Number.isInteger(nanos) || nanos < 0 || nanos > 999_999_999) {
      return `nanos: expected a whole number from 0 to 999999999, got ${JSON.stringify(nanos)}`;
    }
    return fromNanos(wholeSeconds * NANOS_PER_SECOND + BigInt(nanos), value);
  }
  return `${DURATION_EXPECTED}, got ${describeValue(value)}`;
}

function fromNanos(total: bigint, original: unknown): ProtoSeconds | string {
  const seconds = total / NANOS_PER_SECOND;
  if (seconds > MAX_DURATION_SECONDS) return `a duration is at most 10,000 years, got ${JSON.stringify(original)}`;
  return { seconds: toNumberIfSafe(seconds), nanos: Number(total % NANOS_PER_SECOND) };
}

function toNumberIfSafe(value: bigint): number | string {
  return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : String(value);
}

/** A Duration in proto3 JSON, as gcloud and the REST API read it: `"3600s"`, `"1.5s"`. */
export function formatDuration(duration: ProtoSeconds): string {
  if (duration.nanos === 0) return `${duration.seconds}s`;
  const fraction = String(duration.nanos).padStart(9, '0').replace(/0+$/, '');
  return `${duration.seconds}.${fraction}s`;
}

const TIMESTAMP_PATTERN = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/i;

/** A Timestamp as specs write it (RFC 3339 or a Date), or the reason it is not one. */
export function parseTimestamp(value: unknown): ProtoSeconds | string {
  if (value instanceof Date) {
    const millis = value.getTime();
    if (Number.isNaN(millis)) return 'expected a valid Date, got an invalid one';
    const seconds = Math.floor(millis / 1000);
    return { seconds, nanos: (millis - seconds * 1000) * 1_000_000 };
  }
  if (typeof value === 'string') {
    const match = TIMESTAMP_PATTERN.exec(value);
    const millis = match ? Date.parse(`${match[1] ?? ''}${match[3] ?? ''}`) : Number.NaN;
    if (!match || Number.isNaN(millis)) {
      return `expected an RFC 3339 time like "2026-01-31T12:00:00Z", got ${JSON.stringify(value)}`;
    }
    return { seconds: millis / 1000, nanos: Number((match[2] ?? '').padEnd(9, '0')) };
  }
  return `expected an RFC 3339 time like "2026-01-31T12:00:00Z" or a Date, got ${describeValue(value)}`;
}

/** Where a value is not JSON (undefined in a list, NaN, a Date, a class instance...): relative paths and reasons. */
export function findNonJson(value: unknown, path = ''): Array<{ path: string; message: string }> {
  const problems: Array<{ path: string; message: string }> = [];
  const ancestors = new Set<object>();
  const visit = (node: unknown, at: string): void => {
    if (typeof node === 'object' && node !== null && ancestors.has(node)) {
      problems.push({ path: at, message: 'this value contains itself (a circular reference), which JSON cannot hold' });
      return;
    }
    if (node === null || typeof node === 'string' || typeof node === 'boolean') return;
    if (typeof node === 'number') {
      if (!Number.isFinite(node)) problems.push({ path: at, message: `${String(node)} is not a JSON number` });
      return;
    }
    if (Array.isArray(node)) {
      ancestors.add(node);
      node.forEach((item, index) => {
        if (item === undefined) problems.push({ path: `${at}[${index}]`, message: 'undefined is not JSON; use null' });
        else visit(item, `${at}[${index}]`);
      });
      ancestors.delete(node);
      return;
    }
    if (isPlainObject(node)) {
      ancestors.add(node);
      for (const [key, item] of Object.entries(node)) {
        if (item !== undefined) visit(item, joinPath(at, key));
      }
      ancestors.delete(node);
      return;
    }
    const kind = typeof node === 'object' ? (node.constructor?.name ?? 'object') : typeof node;
    problems.push({ path: at, message: `a ${kind} is not JSON; convert it to a string, number, boolean, list or object` });
  };
  visit(value, path);
  return problems;
}

/** Plain JSON -> google.protobuf.Value as the official client needs it (it sends plain objects as `{}`). */
export function toProtoValue(value: JsonValue): ProtoValue {
  if (value === null) return { nullValue: 'NULL_VALUE' };
  if (typeof value === 'number') return { numberValue: value };
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  if (Array.isArray(value)) return { listValue: toProtoListValue(value) };
  return { structValue: toProtoStruct(value) };
}

export function toProtoStruct(value: JsonObject): ProtoStruct {
  const fields: Record<string, ProtoValue> = {};
  for (const [key, item] of Object.entries(value)) {
    if (item !== undefined) fields[key] = toProtoValue(item);
  }
  return { fields };
}

export function toProtoListValue(values: JsonValue[]): ProtoListValue {
  return { values: values.map((item) => toProtoValue(item)) };
}

/** An object literal or Object.create(null): not an array, Date, Map or class instance. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** `a.b` + `c` -> `a.b.c`; keys that are not identifiers are bracketed: `labels["team name"]`. */
export function joinPath(path: string, key: string): string {
  if (/^[A-Za-z_$][\w$]*$/.test(key)) return path ? `${path}.${key}` : key;
  return `${path}[${JSON.stringify(key)}]`;
}

/** How a value reads in a message: `the string "x"`, `the number 5`, `an array`. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') {
    return `the string ${JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value)}`;
  }
  if (typeof value === 'number') return `the number ${String(value)}`;
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'bigint') return `the bigint ${value}n`;
  if (Array.isArray(value)) return 'a list';
  if (isPlainObject(value)) return 'an object';
  if (typeof value === 'object') return `a ${value.constructor?.name ?? 'object'}`;
  return `a ${typeof value}`;
}

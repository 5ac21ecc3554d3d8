import { PredictionError, invalidArgument } from './prediction-error.js';

/** Instances serialised once, so their sizes are exact and the bodies reuse the same text. */
export interface EncodedInstances {
  /** Each instance as JSON. */
  parts: string[];
  /** UTF-8 size of each part. */
  sizes: number[];
  /** `,"parameters":{...}`, or '' without parameters. */
  parametersPart: string;
  /** Size of the envelope around the instances: `{"instances":[` ... `]` + parametersPart + `}`. */
  envelopeBytes: number;
}

const utf8Length = (text: string): number => Buffer.byteLength(text, 'utf8');

/**
 * Serialise every instance and the parameters as `JSON.stringify` would inside the request body
 * (`undefined` and functions become `null`, as in a JSON array).
 */
export function encodeInstances(instances: readonly unknown[], parameters: unknown): EncodedInstances {
  if (!Array.isArray(instances)) {
    throw invalidArgument('instances', `expected an array of instances, got ${instances === null ? 'null' : typeof instances}`);
  }
  const parts = new Array<string>(instances.length);
  const sizes = new Array<number>(instances.length);
  for (let i = 0; i < instances.length; i++) {
    let part: string | undefined;
    try {
      part = JSON.stringify(instances[i]);
    } catch (error) {
      throw new PredictionError('INVALID_ARGUMENT', `instances[${i}]: cannot be sent as JSON: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
        failedInstances: [i],
      });
    }
    parts[i] = part ?? 'null';
    sizes[i] = utf8Length(parts[i] ?? 'null');
  }
  let parametersPart = '';
  if (parameters !== undefined) {
    let json: string | undefined;
    try {
      json = JSON.stringify(parameters);
    } catch (error) {
      throw new PredictionError('INVALID_ARGUMENT', `parameters: cannot be sent as JSON: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    if (json !== undefined) parametersPart = `,"parameters":${json}`;
  }
  return { parts, sizes, parametersPart, envelopeBytes: utf8Length(`{"instances":[]${parametersPart}}`) };
}

/** The request body for instances [start, end). */
export function buildBody(encoded: EncodedInstances, start: number, end: number): string {
  return `{"instances":[${encoded.parts.slice(start, end).join(',')}]${encoded.parametersPart}}`;
}

/** Exact UTF-8 size of {@link buildBody}'s result for instances [start, end). */
export function bodyBytes(encoded: EncodedInstances, start: number, end: number): number {
  let bytes = encoded.envelopeBytes + Math.max(0, end - start - 1);
  for (let i = start; i < end; i++) bytes += encoded.sizes[i] ?? 0;
  return bytes;
}

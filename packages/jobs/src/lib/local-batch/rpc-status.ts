/**
 * google.rpc.Code: the status names batch prediction output files carry (`"status": "INVALID_ARGUMENT"` in a
 * PredictionResult's error) and their numbers (`"code": 3` in a google.rpc.Status).
 */
export const RPC_CODES = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

/** A google.rpc.Code name, e.g. `INVALID_ARGUMENT`. */
export type RpcStatus = keyof typeof RPC_CODES;

/** The name of a google.rpc.Code number (`UNKNOWN` for a number outside the enum). */
export function rpcStatusOf(code: number): RpcStatus {
  const found = (Object.entries(RPC_CODES) as Array<[RpcStatus, number]>).find(([, value]) => value === code);
  return found ? found[0] : 'UNKNOWN';
}

/** True for a google.rpc.Code name. */
export function isRpcStatus(value: unknown): value is RpcStatus {
  return typeof value === 'string' && Object.hasOwn(RPC_CODES, value);
}

/** The status an HTTP error maps to, as Google's APIs map them (google.rpc.Code's documented HTTP mapping). */
export function rpcStatusOfHttp(httpStatus: number): RpcStatus {
  switch (httpStatus) {
    case 400:
    case 413:
    case 422:
      return 'INVALID_ARGUMENT';
    case 401:
      return 'UNAUTHENTICATED';
    case 403:
      return 'PERMISSION_DENIED';
    case 404:
      return 'NOT_FOUND';
    case 409:
      return 'ABORTED';
    case 412:
      return 'FAILED_PRECONDITION';
    case 429:
      return 'RESOURCE_EXHAUSTED';
    case 499:
      return 'CANCELLED';
    case 501:
      return 'UNIMPLEMENTED';
    case 503:
      return 'UNAVAILABLE';
    case 504:
      return 'DEADLINE_EXCEEDED';
    default:
      return httpStatus >= 500 ? 'INTERNAL' : httpStatus >= 400 ? 'FAILED_PRECONDITION' : 'UNKNOWN';
  }
}

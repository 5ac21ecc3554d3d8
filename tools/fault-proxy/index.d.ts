/** Which requests a {@link FaultRule} applies to. All given fields must match. */
export interface FaultMatch {
  /** HTTP method, case-insensitive. */
  method?: string;
  /** Tested against the request's path and query: a RegExp, or a substring. */
  path?: RegExp | string;
}

/** What the proxy does to a matching request. */
export type Fault =
  /** Answer at once with this status and a GCS-shaped JSON error body; nothing is forwarded. */
  | { type: 'status'; status: number; /** Seconds, sent as `Retry-After`. */ retryAfter?: number }
  /** Reset the client connection (TCP RST) before forwarding: the client sees ECONNRESET. */
  | { type: 'reset-before' }
  /**
   * Forward, then close the client connection after `bytes` bytes of the response body, before
   * the body is complete: the client's response stream errors. No effect on a shorter body.
   */
  | { type: 'reset-after-bytes'; bytes: number }
  /** Forward, but send the response body at about `bytesPerSecond`. */
  | { type: 'slow'; bytesPerSecond: number }
  /** Forward, but invert the response body byte at offset `atByte` (0-based). */
  | { type: 'corrupt'; atByte: number }
  /** Hold the request `ms` milliseconds, then forward it untouched: a modelled network round trip. */
  | { type: 'delay'; ms: number };

export interface FaultRule {
  /** Omit to match every request. */
  match?: FaultMatch;
  /** How many matching requests it applies to. Default: all. */
  times?: number;
  fault: Fault;
}

/** One request seen by the proxy. */
export interface ProxiedRequest {
  method: string;
  /** Path and query as the client sent them. */
  url: string;
  /** The request's Authorization header, if any. */
  authorization?: string;
  /** Status sent to the client (unset for `reset-before`, or while in flight). */
  status?: number;
  /** The fault type applied, if any. */
  fault?: Fault['type'];
  /** Upstream or streaming error, if any. */
  error?: string;
}

export interface FaultProxy {
  /** `http://127.0.0.1:PORT`. */
  url: string;
  port: number;
  /**
   * Replaces the rules. For each request the first rule that matches and has uses left applies;
   * requests no rule matches are forwarded untouched.
   */
  setFaults(rules: FaultRule[]): void;
  clearFaults(): void;
  /** Every request so far, oldest first (a live array: clear it with `requests.length = 0`). */
  requests: ProxiedRequest[];
  /** Closes the proxy and all its connections. */
  stop(): Promise<void>;
}

/**
 * Starts a reverse proxy on a free port of 127.0.0.1 in front of `target`. Request bodies stream
 * through unchanged; `Host` is rewritten to the target, and `Location` headers pointing at the
 * target are rewritten to the proxy (so resumable upload sessions stay behind the proxy).
 */
export function startFaultProxy(options: { target: string }): Promise<FaultProxy>;

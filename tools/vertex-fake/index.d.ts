import type { ChannelCredentials } from '@grpc/grpc-js';
import type { AuthClient } from 'google-auth-library';

/** Vertex job states the fake moves jobs through (`google.cloud.aiplatform.v1.JobState`). */
export type JobState =
  | 'JOB_STATE_QUEUED'
  | 'JOB_STATE_PENDING'
  | 'JOB_STATE_RUNNING'
  | 'JOB_STATE_SUCCEEDED'
  | 'JOB_STATE_FAILED'
  | 'JOB_STATE_CANCELLING'
  | 'JOB_STATE_CANCELLED'
  | 'JOB_STATE_PAUSED'
  | 'JOB_STATE_EXPIRED'
  | 'JOB_STATE_UPDATING'
  | 'JOB_STATE_PARTIALLY_SUCCEEDED';

/** The states a job can end in. */
export type FinalJobState = 'JOB_STATE_SUCCEEDED' | 'JOB_STATE_FAILED' | 'JOB_STATE_CANCELLED' | 'JOB_STATE_EXPIRED' | 'JOB_STATE_PARTIALLY_SUCCEEDED';

/** The job resources JobService serves. */
export type JobKind = 'CustomJob' | 'HyperparameterTuningJob' | 'BatchPredictionJob';

/** The services the fake serves, as recorded in {@link RecordedRequest.service}. */
export type FakeService = 'JobService' | 'ModelService' | 'EndpointService' | 'Operations';

/**
 * A decoded protobuf message as the fake sees it: camelCase fields, enums as their names,
 * 64-bit integers as decimal strings, `bytes` as Buffers, and only the fields that were on the
 * wire (proto3 defaults such as `0`, `''` and `false` are never sent, so they never appear).
 */
export type Message = Record<string, unknown>;

/** A `google.rpc.Status`, as carried by a failed job or operation. */
export interface RpcStatus {
  /** A `google.rpc.Code`: 3 INVALID_ARGUMENT, 9 FAILED_PRECONDITION, 13 INTERNAL, ... */
  code: number;
  message: string;
}

export interface VertexFakeOptions {
  /**
   * Advance every unfinished job one state each `stepMs` milliseconds. Without it, jobs advance
   * only when read (see {@link advanceOnGet}) or moved with {@link VertexFake.advance}.
   */
  stepMs?: number;
  /**
   * Each Get of a job advances it one state before answering: create returns QUEUED, then Gets
   * see PENDING, RUNNING and the final state. Default: true unless `stepMs` is set.
   */
  advanceOnGet?: boolean;
  /**
   * Operations are returned not done, and become done on this many-th GetOperation (default 1:
   * the client's first poll). 0 returns them already done.
   */
  operationPolls?: number;
  /** Finish operations this many milliseconds after they start, whatever the polls (overrides `operationPolls`). */
  operationDelayMs?: number;
  /**
   * Answer with this project number in every resource name, as Vertex does whatever project id
   * the caller used; requests may use either. Default: names keep the caller's project.
   */
  projectNumber?: string;
  /** Page size of List calls that send none. Default 100. */
  defaultPageSize?: number;
}

/** What a scripted job does once it has run. */
export interface JobOutcome {
  /** The state the job ends in after RUNNING. Default `JOB_STATE_SUCCEEDED`. */
  state?: FinalJobState;
  /** The job's `error`; a FAILED job without one gets a generic INTERNAL status. */
  error?: RpcStatus;
  /** Keep the job RUNNING until {@link VertexFake.release} or an explicit {@link VertexFake.advance}. */
  hold?: boolean;
  /** How many created jobs this rule applies to. Default: all that match. */
  times?: number;
}

/**
 * Picks jobs by their create request: a string equals the job's displayName, a RegExp tests it,
 * a function gets the whole decoded create request (e.g. `{ parent, customJob }`) and the kind.
 */
export type JobMatcher = string | RegExp | ((request: Message, kind: JobKind) => boolean);

/** One RPC the fake received. */
export interface RecordedRequest {
  service: FakeService;
  /** The RPC name as the proto spells it: `CreateCustomJob`, `GetOperation`, ... */
  method: string;
  /** The decoded request (see {@link Message}). */
  request: Message;
}

/** The options that make an official `@google-cloud/aiplatform` client talk to the fake. */
export type FakeClientOptions = {
  apiEndpoint: string;
  port: number;
  /** Insecure channel credentials: plain HTTP/2, and no call credentials are ever asked for. */
  sslCreds: ChannelCredentials;
  /** A google-auth-library PassThroughClient, so no Application Default Credentials lookup happens. */
  authClient: AuthClient;
};

export interface VertexFake {
  /** `127.0.0.1:PORT`. */
  address: string;
  port: number;
  /** Spread into an official client's constructor: `new JobServiceClient(fake.clientOptions)`. */
  clientOptions: FakeClientOptions;
  /** Every RPC so far, oldest first, GetOperation polls included (a live array). */
  requests: RecordedRequest[];
  /** The decoded requests of one RPC, oldest first: `requestsFor('CreateCustomJob')`. */
  requestsFor<T = Message>(method: string): T[];
  /** A copy of a stored job, model, endpoint or operation, without recording or advancing anything. */
  get<T = Message>(name: string): T | undefined;
  /**
   * Scripts how jobs created from now on end. Rules are tried in the order they were set; the
   * first matching one with uses left applies.
   */
  setOutcome(matcher: JobMatcher, outcome: JobOutcome): void;
  clearOutcomes(): void;
  /**
   * Moves a job: to `state` at once, or one step along QUEUED, PENDING, RUNNING, final (a held
   * job moves too). Start, end and update times, errors, trials and output info follow.
   * Returns a copy of the job. Throws if there is no such job.
   */
  advance<T = Message>(name: string, state?: JobState): T;
  /** Keeps a job from leaving RUNNING (it still reaches RUNNING, and cancel still works). */
  hold(name: string): void;
  /** Lets a held job finish on its next step. */
  release(name: string): void;
  /** Finishes every pending operation now. */
  completeOperations(): void;
  /** Forgets all resources, operations, recorded requests and outcome rules; ids restart. */
  reset(): void;
  /** Stops the server (forcibly after 1 s if clients keep channels open). */
  stop(): Promise<void>;
}

/**
 * Starts a Vertex AI fake on a free port of 127.0.0.1: a gRPC server built from the protos in
 * `@google-cloud/aiplatform`, serving JobService (custom, hyperparameter tuning and batch
 * prediction jobs), ModelService (upload, get, list, delete), EndpointService (create, get,
 * list, deploy, undeploy, delete) and google.longrunning.Operations. Other RPCs of those
 * services answer UNIMPLEMENTED.
 */
export function startVertexFake(options?: VertexFakeOptions): Promise<VertexFake>;

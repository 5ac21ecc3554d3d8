/** What went wrong, for code that reacts to an error rather than printing it. */
export type JobsErrorCode =
  /** A spec failed validation before anything was sent; `issues` lists every problem with its field path. */
  | 'INVALID_SPEC'
  /**
   * A gcloud flag value or a scale tier could not be read, or an option is wrong; for `--worker-pool-spec`,
   * `issues` lists every problem with its key.
   */
  | 'INVALID_ARGUMENT'
  /** The job (or operation) ended in JOB_STATE_FAILED; `jobError` holds the service's error. */
  | 'JOB_FAILED'
  /** The job was cancelled. */
  | 'JOB_CANCELLED'
  /** `wait()` gave up after its timeout; the job itself goes on. */
  | 'TIMEOUT'
  /** Waiting was stopped through an AbortSignal. */
  | 'ABORTED'
  /** The named job, model or endpoint does not exist. */
  | 'NOT_FOUND'
  /** The Vertex AI API answered with an error (see `cause`). */
  | 'API_ERROR'
  /**
   * An optional peer dependency is not installed: `@google-cloud/aiplatform`, which `createJobsClient` (from
   * `@vertexkit/jobs/client`) needs for API calls. The message names the package and the command to install it.
   */
  | 'MISSING_DEPENDENCY'
  /**
   * A Python trainer package failed its checks before anything was staged (`packagePythonTrainer`): a syntax error,
   * the python-module missing from the package, metadata that cannot be read, a file that is not there. `issues`
   * names each file or parameter, with the fix.
   */
  | 'INVALID_PACKAGE';

/** One problem of a spec (or of a gcloud flag value): where it is and what to do. */
export interface SpecIssue {
  /**
   * Field path in the spec, e.g. `workerPoolSpecs[0].machineSpec.acceleratorType`; for a `--worker-pool-spec`
   * value, the key, e.g. `replica-count`.
   */
  path: string;
  /** What is wrong and the fix, e.g. `"NVIDIA_TESLA_T5" is not a Vertex accelerator; did you mean NVIDIA_TESLA_T4?`. */
  message: string;
}

/** Options of the {@link JobsError} constructor. */
export interface JobsErrorOptions {
  cause?: unknown;
  issues?: SpecIssue[];
  /** Resource name of the job, model, endpoint or operation concerned. */
  resource?: string;
  /** The service's error of a failed job: `{ code, message }` (google.rpc.Status). */
  jobError?: { code: number; message: string };
}

const MARKER = Symbol.for('@vertexkit/jobs.JobsError');

/** The one error type of `@vertexkit/jobs`. */
export class JobsError extends Error {
  override readonly name = 'JobsError';
  readonly code: JobsErrorCode;
  readonly issues: SpecIssue[];
  readonly resource: string | undefined;
  readonly jobError: { code: number; message: string } | undefined;
  readonly [MARKER] = true;

  constructor(code: JobsErrorCode, message: string, options: JobsErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.issues = options.issues ?? [];
    this.resource = options.resource;
    this.jobError = options.jobError;
  }

  /** True for a JobsError, also one thrown by another copy of this package in node_modules. */
  static isInstance(error: unknown): error is JobsError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[MARKER] === true;
  }
}

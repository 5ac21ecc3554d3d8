// The model server of a local batch prediction run: one already running (a URL), or the model's serving
// container command run as a local process with the environment Vertex AI gives a serving container
// (custom-container requirements: AIP_HTTP_PORT, AIP_PREDICT_ROUTE, AIP_HEALTH_ROUTE, AIP_STORAGE_URI, AIP_MODE,
// ...), ready once its health route answers 200, stopped with SIGTERM (SIGKILL after a grace period).
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import type { ModelContainerSpec } from '../../generated/vertex-types.js';
import { JobsError } from '../jobs-error.js';

/** A prediction server that is already running: anything answering Vertex AI's predict contract. */
export interface PredictionServerUrl {
  /**
   * The predict URL: `POST {"instances": [...], "parameters": ...}` answers `{"predictions": [...]}`, e.g.
   * `http://127.0.0.1:8080/predict` for a `@vertexkit/serve` server.
   */
  predictUrl: string;
  /** Headers sent with every request, e.g. `{ 'x-api-key': key }`. */
  headers?: Record<string, string>;
}

/** A prediction server the run starts as a local process, as Vertex AI starts a model's serving container. */
export interface PredictionServerCommand {
  /**
   * The command and its arguments. Default: the spec's `unmanagedContainerModel.containerSpec` `command` +
   * `args` (no container engine runs the image here, so its ENTRYPOINT cannot be used). `$(VAR)` is expanded
   * from the environment, `$$(VAR)` left as `$(VAR)`, as Vertex AI does.
   */
  command?: string[];
  /**
   * The model's artifacts: AIP_STORAGE_URI, a local folder or gs:// (a model directory). Default: the spec's
   * `unmanagedContainerModel.artifactUri`.
   */
  modelDirectory?: string;
  /** More environment for the process (the AIP_* variables win). Default: this process's environment. */
  env?: Record<string, string | undefined>;
  /** Working directory of the process. Default: the current one. */
  cwd?: string;
  /** AIP_HTTP_PORT. Default: a free port of 127.0.0.1 (the container's `ports` would clash between runs). */
  port?: number;
  /** How long the health route may take to answer 200 after the start. Default 10 minutes (model downloads). */
  startTimeoutMs?: number;
  /** After SIGTERM at the end, SIGKILL after this long. Default 10 s. */
  stopTimeoutMs?: number;
  /** Each line the server writes. */
  onLog?: (line: { stream: 'stdout' | 'stderr'; line: string }) => void;
}

/** Where a local batch prediction run sends its requests. */
export type BatchPredictionServer = PredictionServerUrl | PredictionServerCommand;

/** A server ready for requests. */
export interface ReadyServer {
  predictUrl: string;
  headers: Record<string, string>;
  /** Why the process ended, once it has; undefined while it runs (always undefined for a URL). */
  exitReason(): string | undefined;
  stop(): Promise<void>;
}

const LOG_TAIL = 50;

/**
 * Vertex AI's routes when the container spec sets none (ModelContainerSpec.predictRoute documents
 * `/v1/endpoints/ENDPOINT/deployedModels/DEPLOYED_MODEL:predict`). The docs give the same text for healthRoute,
 * with `:predict`, which reads as a copy slip: the health route here is the path without it (assumed).
 */
function defaultRoutes(endpointId: string, deployedModelId: string): { predict: string; health: string } {
  const base = `/v1/endpoints/${endpointId}/deployedModels/${deployedModelId}`;
  return { predict: `${base}:predict`, health: base };
}

/** Starts (or takes) the server; rejects with a JobsError when it cannot be made ready. */
export async function readyServer(params: {
  server: BatchPredictionServer | undefined;
  containerSpec: ModelContainerSpec | undefined;
  artifactUri: string | undefined;
  jobId: string;
  signal: AbortSignal;
}): Promise<ReadyServer> {
  const { server } = params;
  if (server && 'predictUrl' in server) {
    let url: URL;
    try {
      url = new URL(server.predictUrl);
    } catch {
      throw new JobsError('INVALID_ARGUMENT', `server.predictUrl: ${JSON.stringify(server.predictUrl)} is not a URL; e.g. http://127.0.0.1:8080/predict`);
    }
    return { predictUrl: url.href, headers: { ...server.headers }, exitReason: () => undefined, stop: () => Promise.resolve() };
  }
  const options: PredictionServerCommand = server ?? {};
  const spec = params.containerSpec;
  const specCommand = [...(spec?.command ?? []), ...(spec?.args ?? [])];
  const command = options.command ?? specCommand;
  if (command.length === 0) {
    throw new JobsError(
      'INVALID_ARGUMENT',
      'server: say which prediction server to use: { predictUrl } of a running one, or { command } to start one ' +
        '(the spec has no unmanagedContainerModel.containerSpec.command, and no container engine runs an image here)',
      { issues: [{ path: 'server', message: 'missing: predictUrl or command' }] },
    );
  }
  const modelDirectory = options.modelDirectory ?? params.artifactUri;
  const port = options.port ?? (await freePort());
  const routes = defaultRoutes(params.jobId, params.jobId);
  const predictRoute = spec?.predictRoute || routes.predict;
  const healthRoute = spec?.healthRoute || routes.health;
  const specEnv = Object.fromEntries(envList(spec?.env).map(({ name, value }) => [name, value]));
  const vertexEnv: Record<string, string> = {
    AIP_HTTP_PORT: String(port),
    AIP_PREDICT_ROUTE: predictRoute,
    AIP_HEALTH_ROUTE: healthRoute,
    AIP_MODE: 'PREDICTION',
    AIP_DEPLOYED_MODEL_ID: params.jobId,
    AIP_ENDPOINT_ID: params.jobId,
    AIP_MACHINE_TYPE: 'local',
    AIP_PROJECT_NUMBER: '0',
    ...(modelDirectory ? { AIP_STORAGE_URI: modelDirectory } : {}),
  };
  const environment = { ...(options.env ?? process.env), ...specEnv, ...vertexEnv };
  const argv = command.map((part) => expandVariables(part, environment));
  const [executable, ...args] = argv;

  const logs: string[] = [];
  const child = spawn(executable!, args, { cwd: options.cwd, env: environment, stdio: ['ignore', 'pipe', 'pipe'] });
  let exit: string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('error', (error) => {
      exit ??= `could not start ${JSON.stringify(executable)}: ${error.message}`;
      resolve();
    });
    child.once('close', (code, signal) => {
      const last = logs.at(-1);
      exit ??= `the prediction server ${signal ? `was killed by ${signal}` : `exited with status ${code}`}${last ? `; its last line: ${last}` : ''}`;
      resolve();
    });
  });
  for (const stream of ['stdout', 'stderr'] as const) {
    createInterface({ input: child[stream] }).on('line', (line) => {
      logs.push(line);
      if (logs.length > LOG_TAIL) logs.shift();
      options.onLog?.({ stream, line });
    });
  }
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (exit !== undefined) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), options.stopTimeoutMs ?? 10_000);
      await exited;
      clearTimeout(timer);
    })();
    return stopping;
  };
  const base = `http://127.0.0.1:${port}`;
  const ready: ReadyServer = { predictUrl: `${base}${predictRoute}`, headers: {}, exitReason: () => exit, stop };
  try {
    await waitHealthy(`${base}${healthRoute}`, options.startTimeoutMs ?? 600_000, () => exit, params.signal);
  } catch (error) {
    await stop();
    throw error;
  }
  return ready;
}

async function waitHealthy(url: string, timeoutMs: number, exited: () => string | undefined, signal: AbortSignal): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const reason = exited();
    if (reason !== undefined) throw new JobsError('JOB_FAILED', `${reason} before its health route ${url} answered 200`);
    if (signal.aborted) throw new JobsError('ABORTED', 'the run was cancelled while the prediction server started');
    let last: string;
    try {
      const response = await fetch(url, { signal: AbortSignal.any([signal, AbortSignal.timeout(5_000)]) });
      await response.body?.cancel();
      if (response.status === 200) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    }
    if (Date.now() > deadline) {
      throw new JobsError('TIMEOUT', `the prediction server's health route ${url} did not answer 200 within ${timeoutMs / 1000} s (last: ${last}); raise server.startTimeoutMs, or check that it listens on AIP_HTTP_PORT and serves AIP_HEALTH_ROUTE`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function envList(env: ModelContainerSpec['env']): Array<{ name: string; value: string }> {
  if (!env) return [];
  if (Array.isArray(env)) return env.map(({ name, value }) => ({ name, value: value ?? '' }));
  return Object.entries(env).map(([name, value]) => ({ name, value }));
}

/** ModelContainerSpec's variable references: `$(NAME)` replaced when NAME is set, `$$(NAME)` escapes it. */
export function expandVariables(text: string, env: Record<string, string | undefined>): string {
  return text.replace(/\$\$\(|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (match, name: string | undefined) => {
    if (name === undefined) return '$(';
    const value = env[name];
    return value === undefined ? match : value;
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

// Types of index.mjs (plain ESM, no build step).
import type { Readable } from 'node:stream';

export interface OciEnvironment {
  /** Storage, settings and caches: `.vertexkit/oci` by default. */
  root: string;
  env: NodeJS.ProcessEnv;
  onLog: (line: string) => void;
}

export interface ContainerHandle {
  name: string;
  logs(): Promise<string>;
  exec(command: string[]): Promise<string>;
  state(): Promise<{ Status: string; Running: boolean; ExitCode: number; Pid: number }>;
  wait(options?: { timeoutMs?: number }): Promise<number>;
  stop(options?: { timeoutSeconds?: number }): Promise<{ seconds: number; exitCode: number }>;
  remove(): Promise<void>;
}

export function containerToolsMissing(): string | null;
export function createOciEnvironment(options?: { root?: string; onLog?: (line: string) => void }): OciEnvironment;
export function run(
  oci: OciEnvironment,
  command: string,
  args: string[],
  options?: { input?: Readable; timeoutMs?: number },
): Promise<{ stdout: string; stderr: string }>;
export function imageExists(oci: OciEnvironment, tag: string): Promise<boolean>;
export function ensureNodeBaseImage(
  oci: OciEnvironment,
  options?: { nodeMajor?: number; npmMajor?: number; tags?: string[] },
): Promise<{ tags: string[]; built: boolean }>;
export function buildImage(
  oci: OciEnvironment,
  /** `registry`: the npm registry RUN steps use (default: the one npm on this machine uses). */
  options: { context: string; dockerfile: string; ignorefile?: string; tag: string; buildArgs?: Record<string, string>; registry?: string },
): Promise<{ tag: string; seconds: number; log: string }>;
/** The OCI environment, the Node base image, and `apps/<app>`'s image built from its committed Dockerfile. */
export function buildAppImage(options: { app: string; tag: string; onLog?: (line: string) => void }): Promise<OciEnvironment>;
export function inspectImage(
  oci: OciEnvironment,
  tag: string,
): Promise<{ User?: string; Env?: string[]; Cmd?: string[]; Entrypoint?: string[]; WorkingDir?: string; ExposedPorts?: Record<string, unknown>; size: number }>;
export function startContainer(
  oci: OciEnvironment,
  options: {
    image: string;
    env?: Record<string, string>;
    ports?: Record<number, number>;
    volumes?: string[];
    user?: string;
    name?: string;
    args?: string[];
  },
): Promise<ContainerHandle>;
export function freePort(): Promise<number>;

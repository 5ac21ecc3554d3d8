import { throwIfIssues, type ContainersIssue } from '../containers-error.js';
import {
  ENV_NAME,
  SECRET_PATTERNS,
  commentLines,
  contextPathIssue,
  envLines,
  execForm,
  normalizeContextPath,
} from '../dockerfile/dockerfile-text.js';
import type { RenderedImage } from '../rendered-files.js';

/** An npm workspace package the app depends on, in a monorepo whose root is the build context. */
export interface WorkspacePackage {
  /** Its folder, relative to the build context: `packages/serve`. */
  dir: string;
  /**
   * What of it the image needs besides its package.json, relative to `dir` (default `['dist']`: its build
   * output, made by `npm run build` before the image build).
   */
  files?: string[];
}

/** Options both Node images share. */
export interface NodeImageOptions {
  /** Node.js major version: the base image is `node:<major>-bookworm-slim` (default 24). */
  nodeVersion?: number;
  /** A base image instead of `node:<nodeVersion>-bookworm-slim` (it must have node, npm and a `node` user). */
  baseImage?: string;
  /**
   * The app's folder in the build context: `.` (default) when the context is the app itself, or its path
   * in a monorepo whose root is the context (`apps/serve-cloud-run`; then list `workspaces`).
   */
  appDir?: string;
  /** Workspace packages the app depends on (monorepo layout only). */
  workspaces?: WorkspacePackage[];
  /** The app's files and folders to copy, relative to `appDir` (default `['src']`; package.json always). */
  files?: string[];
  /** The program and its arguments, relative to `appDir` (default `['node', 'src/main.ts']`). */
  command?: string[];
  /** Environment of the running container. */
  env?: Record<string, string>;
  /**
   * Environment of `npm ci` only, e.g. `{ ONNXRUNTIME_NODE_INSTALL: 'skip' }` so onnxruntime-node does not
   * download CUDA libraries a CPU image never loads.
   */
  installEnv?: Record<string, string>;
  /**
   * Paths under node_modules to delete right after `npm ci`, in the same layer (so they never reach the image),
   * e.g. other platforms' native binaries. Shell globs, relative to the app root.
   */
  prune?: string[];
  /** OCI labels (`org.opencontainers.image.source`, ...). */
  labels?: Record<string, string>;
  /** The unprivileged user to run as (default `node`, uid 1000 in the official images). Never root. */
  user?: string;
}

/** What differs between the serving and the training image. */
export interface NodeImageRole {
  kind: 'serve' | 'train';
  /** Which renderer this is, for the header and error messages. */
  renderer: string;
  /** One paragraph on what the image is for, written into the header. */
  about: string;
  /** Extra runtime-stage lines after the app is copied (ports, model). */
  runtimeLines: string[];
  /** `ENTRYPOINT` (train: job args are appended) or `CMD` (serve). */
  start: 'ENTRYPOINT' | 'CMD';
  /** Issues the role itself found in its own options. */
  issues: ContainersIssue[];
  /** Extra .dockerignore exceptions (a baked model folder). */
  contextIncludes: string[];
}

const DEFAULT_NODE = 24;
// Node runs `.ts` files unflagged (type stripping) from 22.18 and 23.6; the node:22 tag has long passed 22.18.
const TYPE_STRIPPING_MAJOR = 22;
const KNOWN_NODE_MAJORS = [20, 22, 24, 25];

/** Renders a Node app image; the serve and train renderers add their role. Internal. */
export function renderNodeAppImage(options: NodeImageOptions, role: NodeImageRole): RenderedImage {
  const issues: ContainersIssue[] = [...role.issues];
  const nodeVersion = options.nodeVersion ?? DEFAULT_NODE;
  if (options.baseImage === undefined && !KNOWN_NODE_MAJORS.includes(nodeVersion)) {
    issues.push({
      path: 'nodeVersion',
      message: `${String(nodeVersion)} has no node:<major>-bookworm-slim image to build on; use one of ${KNOWN_NODE_MAJORS.join(', ')} (Node 24 is the current LTS)`,
    });
  }
  const appDir = normalizeContextPath(options.appDir ?? '.');
  const appIssue = options.appDir === undefined ? undefined : contextPathIssue(options.appDir);
  if (appIssue) issues.push({ path: 'appDir', message: appIssue });
  const workspaces = (options.workspaces ?? []).map((workspace, i) => {
    const issue = contextPathIssue(workspace.dir);
    if (issue) issues.push({ path: `workspaces[${i}].dir`, message: issue });
    for (const [j, file] of (workspace.files ?? []).entries()) {
      const fileIssue = contextPathIssue(file);
      if (fileIssue) issues.push({ path: `workspaces[${i}].files[${j}]`, message: fileIssue });
    }
    return { dir: normalizeContextPath(workspace.dir), files: (workspace.files ?? ['dist']).map(normalizeContextPath) };
  });
  if (workspaces.length > 0 && appDir === '.') {
    issues.push({
      path: 'workspaces',
      message: 'workspaces need the monorepo layout: set appDir to the app folder relative to the repository root (e.g. "apps/serve-cloud-run")',
    });
  }
  const files = (options.files ?? ['src']).map((file, i) => {
    const issue = contextPathIssue(file);
    if (issue) issues.push({ path: `files[${i}]`, message: issue });
    return normalizeContextPath(file);
  });
  const command = options.command ?? ['node', 'src/main.ts'];
  if (command.length === 0 || command.some((word) => word === '')) {
    issues.push({ path: 'command', message: 'is empty; give the program and its arguments, e.g. ["node", "src/main.ts"]' });
  }
  const script = command.find((word, i) => i > 0 && /\.(ts|mts|cts)$/.test(word));
  if (command[0] === 'node' && script && options.baseImage === undefined && nodeVersion < TYPE_STRIPPING_MAJOR) {
    issues.push({
      path: 'nodeVersion',
      message: `Node ${nodeVersion} cannot run ${script} (type stripping needs Node 22.18 or later); use nodeVersion 22 or 24, or build the app to JavaScript first`,
    });
  }
  checkEnv('env', options.env, issues);
  checkEnv('installEnv', options.installEnv, issues);
  for (const [i, pattern] of (options.prune ?? []).entries()) {
    if (!pattern.startsWith('node_modules/') || pattern.split('/').includes('..') || /[;&|`$(){}<>\s]/.test(pattern)) {
      issues.push({
        path: `prune[${i}]`,
        message: `"${pattern}" is not a path under node_modules/; prune only removes installed files, e.g. "node_modules/onnxruntime-node/bin/napi-v*/win32"`,
      });
    }
  }
  const user = options.user ?? 'node';
  if (/^(root|0)(:.*)?$/.test(user)) {
    issues.push({ path: 'user', message: `"${user}" is root; images run as an unprivileged user (the node images have "node", uid 1000)` });
  }
  throwIfIssues(role.renderer, issues);

  const base = options.baseImage ?? `node:${nodeVersion}-bookworm-slim`;
  const monorepo = appDir !== '.';
  const at = (file: string): string => (monorepo ? `${appDir}/${file}` : file);

  const install = [
    'npm ci --omit=dev --no-audit --no-fund' + (monorepo ? ` --workspace=${appDir}` : ''),
    ...(options.prune && options.prune.length > 0 ? [`rm -rf ${options.prune.join(' ')}`] : []),
  ].join(' \\\n && ');

  const lines: string[] = [
    '# syntax=docker/dockerfile:1',
    ...commentLines(
      [
        `Generated by @vertexkit/containers ${role.renderer}(): edit the options, not this file.`,
        role.about,
        monorepo
          ? `Build context: the repository root, after \`npm run build\` (the image takes the workspace packages' built files):\n  docker build -f ${appDir}/Dockerfile .`
          : 'Build context: the app folder:  docker build .',
      ].join('\n'),
    ),
    '',
    '# 1. Production dependencies from the lockfile, in a layer rebuilt only when the lockfile or a package.json changes.',
    "#    This stage is thrown away (only /app is copied on), so npm's cache never reaches the image.",
    `FROM ${base} AS deps`,
    'WORKDIR /app',
    ...envLines({ NODE_ENV: 'production', ...options.installEnv }),
    'COPY package.json package-lock.json ./',
    ...workspaces.map((workspace) => `COPY ${workspace.dir}/package.json ${workspace.dir}/`),
    ...(monorepo ? [`COPY ${appDir}/package.json ${appDir}/`] : []),
    `RUN ${install}`,
    '',
    '# 2. The runtime: dependencies, then the code, owned by root and run by an unprivileged user.',
    `FROM ${base}`,
    'WORKDIR /app',
    ...envLines({ NODE_ENV: 'production', ...options.env }),
    ...Object.keys(options.labels ?? {})
      .sort()
      .map((name) => `LABEL ${JSON.stringify(name)}=${JSON.stringify(options.labels?.[name] ?? '')}`),
    // The lockfile, the package.json files and node_modules, as npm ci left them.
    'COPY --from=deps /app ./',
    ...workspaces.flatMap((workspace) => workspace.files.map((file) => `COPY ${workspace.dir}/${file} ${workspace.dir}/${file}`)),
    ...files.map((file) => `COPY ${at(file)} ${at(file)}`),
    ...role.runtimeLines,
    // The app runs from its own folder, as `npm start` does, so relative paths mean the same as locally.
    ...(monorepo ? [`WORKDIR /app/${appDir}`] : []),
    `USER ${user}`,
    `${role.start} ${execForm(command)}`,
    '',
  ];

  const include = [
    'package.json',
    'package-lock.json',
    ...workspaces.flatMap((workspace) => [`${workspace.dir}/package.json`, ...workspace.files.map((file) => `${workspace.dir}/${file}`)]),
    ...(monorepo ? [`${appDir}/package.json`] : []),
    ...files.map(at),
    ...role.contextIncludes,
  ];
  const dockerignore = [
    ...commentLines(
      `Generated by @vertexkit/containers ${role.renderer}().\nThe build context holds only what the Dockerfile copies; secrets and keys never, even inside those folders.`,
    ),
    '*',
    ...include.map((entry) => `!${entry}`),
    '**/node_modules',
    '**/*.test.ts',
    '**/*.spec.ts',
    '**/__fixtures__',
    '**/test-results',
    ...SECRET_PATTERNS,
    '',
  ].join('\n');

  return { dockerfile: lines.join('\n'), dockerignore, baseImages: [base], user };
}

function checkEnv(field: string, env: Record<string, string> | undefined, issues: ContainersIssue[]): void {
  for (const [name, value] of Object.entries(env ?? {})) {
    if (!ENV_NAME.test(name)) {
      issues.push({ path: `${field}.${name}`, message: `"${name}" is not a valid environment variable name; use letters, digits and _ (not starting with a digit)` });
    } else if (typeof value !== 'string') {
      issues.push({ path: `${field}.${name}`, message: `must be a string, got ${typeof value}; write numbers as strings ("8080")` });
    } else if (/(SECRET|PASSWORD|TOKEN|API_KEY|PRIVATE_KEY|CREDENTIALS)/i.test(name) && value !== '') {
      issues.push({
        path: `${field}.${name}`,
        message: `looks like a secret, and ENV writes it into every layer of the image; pass it at run time (Cloud Run --set-secrets, a Secret Manager reference) instead`,
      });
    }
  }
}

// A Dockerfile and .dockerignore for a Vertex AI custom training job in Python: the framework stack resolved by
// resolvePythonTrainingStack(), the user's requirements, their training package, a non-root user, and
// `python -m <module>` as the entrypoint (Vertex AI appends the job's args to it).
import { posix } from 'node:path';
import { throwIfIssues, type ContainersIssue } from '../containers-error.js';
import type { RenderedImage } from '../rendered-files.js';
import { shellQuote } from '../gcloud/shell-quote.js';
import { UV_IMAGE } from './python-training-stacks.js';
import { STACK_OPTION_KEYS, buildDay, findStackOptionIssues, type PythonTrainingStackOptions } from './python-stack-options.js';
import { resolvePythonTrainingStack, type PythonTrainingStack } from './resolve-python-training-stack.js';
import { SECRET_IGNORE_PATTERNS, ignoredBy, renderTrainingDockerignore } from './training-dockerignore.js';
import { showValue } from './version-text.js';

/** The account the training process runs as. */
export interface TrainingImageUser {
  /** Login name; default `trainer`. */
  name?: string;
  /** Numeric user id, not 0; default 1000. */
  uid?: number;
  /** Numeric group id, not 0; default the uid. */
  gid?: number;
}

/** What to build: the framework stack (see PythonTrainingStackOptions) plus the training code and its needs. */
export interface PythonTrainingImageOptions extends PythonTrainingStackOptions {
  /**
   * The directory of the Python training package, relative to the build context (`trainer`, `src/trainer`). It is
   * copied to `/app/<its name>`; `.` copies the whole context to `/app`.
   */
  packageDir: string;
  /** The module to run, `trainer.task`: the image's entrypoint is `python -m <module>`. */
  module: string;
  /** Default arguments for the module; a Vertex AI job's `args` replace them. */
  args?: string[];
  /** A pip requirements file in the build context, installed before the code is copied so code edits reuse the layer. */
  requirementsFile?: string;
  /** More packages to install, each pinned: `pandas==2.2.3`, `transformers[torch]==4.44.2`. */
  packages?: string[];
  /** Environment variables baked into the image. Not for secrets: pass those at run time. */
  env?: Record<string, string>;
  /** The non-root account the training runs as; default `trainer`, uid and gid 1000. */
  user?: TrainingImageUser;
}

const RENDER_OPTION_KEYS: readonly string[] = [...STACK_OPTION_KEYS, 'packageDir', 'module', 'args', 'requirementsFile', 'packages', 'env', 'user'];

const CONTEXT_PATH = /^[A-Za-z0-9._/-]+$/;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MODULE = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$/;
const PINNED = /^([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)(\[[A-Za-z0-9._-]+(?:,[A-Za-z0-9._-]+)*\])?==([A-Za-z0-9][A-Za-z0-9.+!_*-]*)$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SECRET_NAME = /(?:SECRET|PASSWORD|PASSWD|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL)/i;
const USER_NAME = /^[a-z_][a-z0-9_-]{0,31}$/;
/** Control characters (newlines included) would break out of a Dockerfile line. */
const CONTROL = /\p{Cc}/u;

/** A path inside the build context, normalized; or the issue that keeps it out. */
function contextPath(value: unknown, path: string, what: string, allowWholeContext: boolean, issues: ContainersIssue[]): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') {
    issues.push({ path, message: `${showValue(value)} is not a path; give the ${what} relative to the build context` });
    return undefined;
  }
  if (!CONTEXT_PATH.test(value)) {
    issues.push({ path, message: `${showValue(value)} has characters a COPY path should not; use letters, digits, ".", "_", "-" and "/"` });
    return undefined;
  }
  if (value.startsWith('/')) {
    issues.push({ path, message: `${showValue(value)} is absolute; give it relative to the build context, ${showValue(value.replace(/^\/+/, '') || '.')}` });
    return undefined;
  }
  const normalized = posix.normalize(value).replace(/\/+$/, '') || '.';
  if (normalized === '..' || normalized.startsWith('../')) {
    issues.push({ path, message: `${showValue(value)} leaves the build context; Docker can only COPY files inside it, so move the ${what} into the context or build from a directory above it` });
    return undefined;
  }
  if (normalized === '.' && !allowWholeContext) {
    issues.push({ path, message: `${showValue(value)} is the whole build context; name the ${what} itself` });
    return undefined;
  }
  const pattern = normalized === '.' ? undefined : ignoredBy(normalized);
  if (pattern !== undefined) {
    const secret = SECRET_IGNORE_PATTERNS.includes(pattern);
    issues.push({
      path,
      message: secret
        ? `${showValue(value)} looks like a secret (it matches "${pattern}"); secrets must not be copied into an image, so keep them out and pass them at run time`
        : `${showValue(value)} is left out of the build context by the generated .dockerignore ("${pattern}"); move the ${what} elsewhere`,
    });
    return undefined;
  }
  return normalized;
}

interface CheckedOptions {
  packageDir: string;
  packageName: string | null;
  requirementsFile: string | undefined;
  packages: string[];
  env: [string, string][];
  args: string[];
  user: Required<TrainingImageUser>;
}

function checkImageOptions(options: PythonTrainingImageOptions): CheckedOptions {
  const issues: ContainersIssue[] = findStackOptionIssues(options, RENDER_OPTION_KEYS);
  const packageDir = contextPath(options.packageDir, 'packageDir', 'training package directory', true, issues);
  const packageName = packageDir === undefined || packageDir === '.' ? null : posix.basename(packageDir);
  if (packageName !== null && !IDENTIFIER.test(packageName)) {
    issues.push({ path: 'packageDir', message: `${showValue(options.packageDir)} ends in "${packageName}", which Python cannot import as a package; rename the directory to a Python identifier such as "${packageName.replace(/\W/g, '_').replace(/^(\d)/, '_$1')}"` });
  }

  // `trainer/task.py` or `task.py` is a file name; `python -m` wants the module, and `task.py` would mean a module
  // named `py` inside a package `task`.
  if (typeof options.module !== 'string' || !MODULE.test(options.module) || options.module.endsWith('.py')) {
    const hint = typeof options.module === 'string' && options.module.endsWith('.py') ? `; write it as a module, ${showValue(options.module.replace(/\.py$/, '').replace(/\//g, '.').replace(/[^\w.]/g, '_'))}` : '';
    issues.push({ path: 'module', message: `${showValue(options.module)} is not a Python module name; use dotted identifiers such as "trainer.task"${hint}` });
  } else if (packageName !== null && IDENTIFIER.test(packageName) && options.module.split('.')[0] !== packageName) {
    issues.push({ path: 'module', message: `"${options.module}" is not inside the package "${packageName}" that packageDir copies; use "${packageName}.${options.module.split('.').at(-1) ?? 'task'}", or point packageDir at the package that holds it` });
  }

  const requirementsFile = options.requirementsFile === undefined ? undefined : contextPath(options.requirementsFile, 'requirementsFile', 'requirements file', false, issues);

  const packages: string[] = [];
  if (options.packages !== undefined && !Array.isArray(options.packages)) issues.push({ path: 'packages', message: `expected a list of pinned requirements such as ["pandas==2.2.3"], got ${showValue(options.packages)}` });
  for (const [i, requirement] of (Array.isArray(options.packages) ? options.packages : []).entries()) {
    if (typeof requirement === 'string' && PINNED.test(requirement.trim())) {
      packages.push(requirement.trim());
      continue;
    }
    const name = typeof requirement === 'string' ? /^[A-Za-z0-9][A-Za-z0-9._-]*(\[[^\]]*\])?/.exec(requirement.trim())?.[0] : undefined;
    issues.push({ path: `packages[${i}]`, message: `${showValue(requirement)} is not pinned; write ${name ? `"${name}==<version>"` : 'name==version'} so every build installs the same code` });
  }

  const env: [string, string][] = [];
  if (options.env !== undefined && (typeof options.env !== 'object' || options.env === null || Array.isArray(options.env))) {
    issues.push({ path: 'env', message: `expected an object of names to values, got ${showValue(options.env)}` });
  } else {
    for (const [name, value] of Object.entries(options.env ?? {})) {
      const path = `env.${name}`;
      if (!ENV_NAME.test(name)) issues.push({ path, message: `${showValue(name)} is not a valid environment variable name; use letters, digits and "_", not starting with a digit` });
      else if (name.startsWith('AIP_')) issues.push({ path, message: `Vertex AI sets the AIP_ variables (AIP_MODEL_DIR and others) when the job runs; leave ${name} out` });
      else if (name === 'PATH' || name === 'VIRTUAL_ENV') issues.push({ path, message: `${name} is set by the image so "python" finds the installed packages; leave it out` });
      else if (SECRET_NAME.test(name)) issues.push({ path, message: `${name} looks like a secret, and image layers are readable by anyone who can pull the image; pass it at run time (Secret Manager, or the job's env) instead` });
      else if (typeof value !== 'string' || CONTROL.test(value)) issues.push({ path, message: `${showValue(value)} is not a single-line string value` });
      else env.push([name, value]);
    }
  }

  const args: string[] = [];
  if (options.args !== undefined && !Array.isArray(options.args)) issues.push({ path: 'args', message: `expected a list of strings, got ${showValue(options.args)}` });
  for (const [i, arg] of (Array.isArray(options.args) ? options.args : []).entries()) {
    if (typeof arg === 'string' && !CONTROL.test(arg)) args.push(arg);
    else issues.push({ path: `args[${i}]`, message: `${showValue(arg)} is not a single-line string` });
  }

  const user = { name: options.user?.name ?? 'trainer', uid: options.user?.uid ?? 1000, gid: options.user?.gid ?? options.user?.uid ?? 1000 };
  if (options.user !== undefined && (typeof options.user !== 'object' || options.user === null)) issues.push({ path: 'user', message: `expected { name, uid, gid }, got ${showValue(options.user)}` });
  if (typeof user.name !== 'string' || !USER_NAME.test(user.name) || user.name === 'root') {
    issues.push({ path: 'user.name', message: `${showValue(user.name)} is not a non-root login name; use lower-case letters, digits, "_" and "-", such as "trainer"` });
  }
  for (const key of ['uid', 'gid'] as const) {
    const id = user[key];
    if (!Number.isInteger(id) || id < 1 || id > 65534) issues.push({ path: `user.${key}`, message: `${showValue(id)} is not a non-root id; use a whole number from 1 to 65534 (0 is root), such as 1000` });
  }

  throwIfIssues('renderPythonTrainingImage', issues);
  return { packageDir: packageDir ?? '.', packageName, requirementsFile, packages, env, args, user };
}

function distribution(requirement: string): string {
  return (/^[A-Za-z0-9._-]+/.exec(requirement)?.[0] ?? requirement).toLowerCase().replace(/[-_.]+/g, '-');
}

/** A package the user lists that the stack already pins would make pip fail (or swap the framework build). */
function conflictIssues(packages: string[], stack: PythonTrainingStack): ContainersIssue[] {
  const held = new Map(stack.holdRequirements.map((requirement) => [distribution(requirement), requirement]));
  return packages.flatMap((requirement, i) => {
    const pin = held.get(distribution(requirement));
    if (pin === undefined) return [];
    return [{ path: `packages[${i}]`, message: `"${requirement}" is already installed by the stack as "${pin}"; leave it out (choose versions with frameworkVersion, torch, python and cuda)` }];
  });
}

function envValue(value: string): string {
  return `"${value.replace(/[\\"$]/g, '\\$&')}"`;
}

function describeRequest(options: PythonTrainingImageOptions): string {
  const keys = ['framework', 'frameworkVersion', 'torch', 'python', 'cuda', 'base', 'prebuiltRegistry', 'packageDir', 'module', 'requirementsFile'] as const;
  const parts = keys.filter((key) => options[key] !== undefined).map((key) => `${key}=${options[key] === null ? 'null' : String(options[key])}`);
  if (options.date !== undefined) parts.push(`date=${buildDay(options.date) ?? ''}`);
  if (options.packages?.length) parts.push(`packages=${options.packages.length}`);
  if (options.env !== undefined && Object.keys(options.env).length > 0) parts.push(`env=${Object.keys(options.env).join(',')}`);
  return parts.join(', ');
}

function describeStack(stack: PythonTrainingStack): string {
  const framework = stack.frameworkPin ? `${stack.frameworkName} ${stack.frameworkPin}` : `${stack.frameworkName} ${stack.frameworkVersion}.x`;
  const torch = stack.torch && stack.framework !== 'pytorch' ? ` on PyTorch ${stack.torch}` : '';
  return `${framework}${torch}, Python ${stack.python}, ${stack.cuda === null ? 'CPU only' : `CUDA ${stack.cuda}`}, from ${stack.baseImage}`;
}

/** `["python", "-m", "trainer.task"]`: exec form, so the process gets signals directly and no shell is needed. */
function execForm(words: string[]): string {
  return `[${words.map((word) => JSON.stringify(word)).join(', ')}]`;
}

function pipLine(requirements: string[], suffix = ''): string {
  return `RUN python -m pip install --no-cache-dir ${requirements.map(shellQuote).join(' ')}${suffix}`;
}

/**
 * The Dockerfile and .dockerignore of a Python training image for a Vertex AI custom job, for PyTorch, TensorFlow,
 * Flair or fastai. The stack (release, Python, CUDA, base image) is resolvePythonTrainingStack()'s, with the same
 * defaults: newest versions that fit, and a Vertex AI prebuilt image when one fits and is still available on `date`
 * (default today; pass it to render the same Dockerfile whatever the day).
 *
 * The image:
 * - on a prebuilt image, uses its Python; on NVIDIA's CUDA image (or Ubuntu for CPU) installs the requested Python
 *   with uv (`uv venv --python X.Y`) rather than the distro's, which differs per Ubuntu release and is often not the
 *   version asked for;
 * - installs the framework with pinned versions, then the requirements file and `packages` with the framework pins
 *   repeated so pip cannot swap the framework build, all before the code is copied so code edits reuse those layers;
 * - runs as a non-root user (`trainer`, 1000:1000 unless `user` says otherwise) and starts with the exec-form
 *   `ENTRYPOINT ["python", "-m", "<module>"]`, to which Vertex AI appends the job's args. It opens no port: training
 *   writes its model to the Cloud Storage path in `AIP_MODEL_DIR`.
 *
 * @throws ContainersError `INVALID_OPTIONS` listing every malformed option (paths leaving the context or matching
 *   secrets, module names, unpinned packages, env names, user ids, unknown versions, a `date` that is not a day), or
 *   `INCOMPATIBLE_VERSIONS` when the versions asked for cannot work together or `base: 'vertex-prebuilt'` names an
 *   image past its end of availability (see resolvePythonTrainingStack).
 */
export function renderPythonTrainingImage(options: PythonTrainingImageOptions): RenderedImage {
  const checked = checkImageOptions(options);
  const stack = resolvePythonTrainingStack({
    framework: options.framework,
    ...(options.frameworkVersion !== undefined ? { frameworkVersion: options.frameworkVersion } : {}),
    ...(options.torch !== undefined ? { torch: options.torch } : {}),
    ...(options.python !== undefined ? { python: options.python } : {}),
    ...(options.cuda !== undefined ? { cuda: options.cuda } : {}),
    ...(options.base !== undefined ? { base: options.base } : {}),
    ...(options.prebuiltRegistry !== undefined ? { prebuiltRegistry: options.prebuiltRegistry } : {}),
    ...(options.date !== undefined ? { date: options.date } : {}),
  });
  throwIfIssues('renderPythonTrainingImage', conflictIssues(checked.packages, stack));

  const { user } = checked;
  const lines: string[] = [
    '# syntax=docker/dockerfile:1',
    '# Generated by @vertexkit/containers renderPythonTrainingImage. Change the options and render again rather than',
    '# editing this file by hand.',
    `# Options: ${describeRequest(options)}`,
    `# Stack: ${describeStack(stack)}`,
    ...stack.defaulted.map((text) => `# Default: ${text}`),
    ...stack.notes.map((text) => `# Note: ${text}`),
    '# Vertex AI sets AIP_MODEL_DIR (and AIP_CHECKPOINT_DIR, AIP_TENSORBOARD_LOG_DIR) when the job runs: save the model',
    '# there. A training job serves nothing, so the image opens no port.',
    '',
  ];
  const baseImages: string[] = [];
  if (stack.installsPython) {
    lines.push('FROM ' + UV_IMAGE + ' AS uv', '');
    baseImages.push(UV_IMAGE);
  }
  if (stack.base === 'vertex-prebuilt') {
    lines.push(`# Vertex AI publishes its prebuilt images under "latest" only ("Using image names without the latest tag isn't`, `# supported"), so this FROM cannot pin a version.`);
  }
  lines.push(`FROM ${stack.baseImage}`, '');
  baseImages.push(stack.baseImage);

  lines.push(
    '# Logs reach Cloud Logging as they are written, no .pyc files in layers, no pip self-update check.',
    'ENV PYTHONUNBUFFERED=1 \\',
    '    PYTHONDONTWRITEBYTECODE=1 \\',
    '    PIP_DISABLE_PIP_VERSION_CHECK=1',
    '',
  );

  if (stack.installsPython) {
    lines.push(
      `# Python ${stack.python} from uv's managed builds rather than Ubuntu ${stack.ubuntu ?? ''}'s: the distro Python is whichever version`,
      '# that release ships (the CUDA images leave it out), and this image needs the one the stack was resolved for.',
      '# It lives in /opt so the non-root user can run it; --seed puts pip in the venv for the installs below.',
      'COPY --from=uv /uv /uvx /bin/',
      'ENV UV_PYTHON_INSTALL_DIR=/opt/uv/python \\',
      '    UV_PYTHON_PREFERENCE=only-managed \\',
      '    UV_NO_CACHE=1 \\',
      '    VIRTUAL_ENV=/opt/venv \\',
      '    PATH=/opt/venv/bin:$PATH',
      `RUN uv venv --seed --python ${stack.python} /opt/venv`,
      '',
    );
  }

  for (const install of stack.pipInstalls) {
    lines.push(`# ${install.reason}`, pipLine(install.requirements, install.indexUrl ? ` --index-url ${install.indexUrl}` : ''), '');
  }

  lines.push(
    `# The non-root account the training runs as. Ubuntu 24.04 images already have "ubuntu" as 1000:1000, so whoever`,
    `# holds the ids is removed first.`,
    `RUN if getent passwd ${user.uid} >/dev/null; then userdel --remove "$(getent passwd ${user.uid} | cut -d: -f1)"; fi \\`,
    ` && if getent group ${user.gid} >/dev/null; then groupdel "$(getent group ${user.gid} | cut -d: -f1)"; fi \\`,
    ` && groupadd --gid ${user.gid} ${user.name} \\`,
    ` && useradd --no-log-init --uid ${user.uid} --gid ${user.gid} --create-home --shell /bin/bash ${user.name}`,
    '',
    'WORKDIR /app',
    '',
  );

  const hold = stack.holdRequirements;
  if (checked.requirementsFile !== undefined) {
    lines.push(
      '# Requirements before code: editing the trainer does not reinstall them. The framework pins ride along so a',
      '# requirement cannot replace the framework build.',
      `COPY ${checked.requirementsFile} /app/requirements.txt`,
      `RUN python -m pip install --no-cache-dir -r /app/requirements.txt${hold.length > 0 ? ` ${hold.map(shellQuote).join(' ')}` : ''}`,
      '',
    );
  }
  if (checked.packages.length > 0) lines.push('# Extra packages, pinned.', pipLine([...checked.packages, ...hold]), '');

  if (checked.env.length > 0) {
    lines.push('ENV ' + checked.env.map(([name, value]) => `${name}=${envValue(value)}`).join(' \\\n    '), '');
  }

  const destination = checked.packageName === null ? '/app/' : `/app/${checked.packageName}`;
  lines.push(
    '# The code last: it changes most often. Root owns it; the training user only reads it.',
    `COPY ${checked.packageDir === '.' ? '.' : checked.packageDir} ${destination}`,
    '',
    `USER ${user.uid}:${user.gid}`,
    '',
    '# Vertex AI appends the job\'s args to this command.',
    `ENTRYPOINT ${execForm(['python', '-m', options.module])}`,
  );
  if (checked.args.length > 0) lines.push(`CMD ${execForm(checked.args)}`);

  return { dockerfile: `${lines.join('\n')}\n`, dockerignore: renderTrainingDockerignore(), baseImages, user: `${user.uid}:${user.gid}` };
}

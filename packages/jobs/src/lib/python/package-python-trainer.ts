import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat as statFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { exists, joinLocation, parseLocation, readBytes, stat, write, type Storage } from '@vertexkit/storage';
import { JobsError, type SpecIssue } from '../jobs-error.js';
import { readPackageFiles, walkPackageDirectory, type PackageFile } from './package-files.js';
import { compileProblems, findPython, moduleProblem } from './python-checks.js';
import {
  fileNamePart,
  nameProblem,
  pkgInfo,
  readPyproject,
  readSetupCfgSection,
  readSetupPyLiterals,
  requirementLines,
  runSetupPyNameVersion,
  setupCfgValue,
  versionProblem,
  type MetadataSource,
  type PackageMetadata,
} from './python-metadata.js';
import { buildSdistArchive } from './sdist-archive.js';

/** Parameters of {@link packagePythonTrainer}: `dir` (a package directory) or `script` (a lone script), or both. */
export interface PackagePythonTrainerParams {
  /**
   * The trainer's directory, as gcloud's `local-package-path`. Its setup.py, setup.cfg or pyproject.toml says the
   * name and version; without any of them a setup.py is generated (every folder with an `__init__.py` a package,
   * top-level .py files modules, other files inside packages package data).
   */
  dir?: string;
  /**
   * A script: without `dir`, a lone file packaged as a top-level module with a generated setup.py (`train.py` runs
   * as `python -m train`); with `dir`, a path inside it (gcloud's `script`), whose module is the one to run.
   */
  script?: string;
  /** The module the job runs (`trainer.task`): it must be in the package, or nothing is staged. Default: the script's. */
  pythonModule?: string;
  /**
   * PEP 508 requirements (`pandas>=2`) for the generated setup.py's install_requires, after the lines of a
   * requirements.txt beside it. A package with a setup.py or pyproject.toml of its own declares its own: giving
   * them here too is an error that says where to put them.
   */
  requirements?: string[];
  /** Name of a generated setup.py's package. Default: the script's module name, or the directory's name. */
  name?: string;
  /** Version of a generated setup.py's package. Default `0.1`, as the Vertex AI SDK's generated packages have. */
  version?: string;
  /**
   * Where to stage the archive: a `gs://` prefix or a local folder (a folder standing in for a bucket). It is
   * written as `<staging>/<name>-<first 12 hex digits of its sha256>.tar.gz`, and not written again when that
   * object is already there with the same bytes. Omitted: nothing is staged.
   */
  staging?: string;
  /** Storage handle (credentials, endpoint, retries) for a gs:// `staging`. */
  storage?: Storage;
  /**
   * The Python used for the checks (every .py file must compile) and, when a setup.py's name or version is not a
   * literal, to run `setup.py --name --version`: a command or path, or `false` for none (the syntax check is then
   * skipped and said so, and a computed name or version is an error). Default: `python3` on PATH, if any.
   */
  python?: string | false;
  /** A folder to write the archive into as `<name>-<version>.tar.gz` (temp name, then renamed). */
  outDir?: string;
  signal?: AbortSignal;
}

/** A built (and maybe staged) source distribution of a trainer. */
export interface PythonTrainerPackage {
  name: string;
  version: string;
  /** The sdist's standard file name, `trainer-0.1.tar.gz`. */
  fileName: string;
  /** The archive itself. */
  bytes: Buffer;
  /** Hex sha256 of `bytes`: the same for the same files, on any run. */
  sha256: string;
  size: number;
  /** Where the name and version came from. */
  metadataFrom: MetadataSource;
  /** The module to run, when given or known from the script. */
  pythonModule?: string;
  /** Paths in the archive below its `<name>-<version>/` folder, sorted (PKG-INFO and a generated setup.py included). */
  files: string[];
  /** What was left out of the directory and why (caches, version control, virtual environments, secrets). */
  excluded: Array<{ path: string; reason: string }>;
  /** How the package was checked before anything was staged. */
  checks: { syntax: string; module: string };
  /** `outDir`'s file, when one was given. */
  path?: string;
  /** The staged object, when `staging` was given. */
  uri?: string;
  /** False when the object was already staged with these bytes (nothing uploaded). */
  uploaded?: boolean;
}

interface Collected {
  files: PackageFile[];
  excluded: PythonTrainerPackage['excluded'];
  root: string | undefined;
  module: string | undefined;
}

function fail(code: 'INVALID_ARGUMENT' | 'INVALID_PACKAGE', what: string, issues: SpecIssue[]): never {
  const lines = issues.map((issue) => `  - ${issue.path}: ${issue.message}`);
  throw new JobsError(code, `${what} has ${issues.length === 1 ? '1 problem' : `${issues.length} problems`}:\n${lines.join('\n')}`, { issues });
}

const isFile = (file: string): Promise<boolean> => statFile(file).then((info) => info.isFile(), () => false);

/** `train.py` -> `train`, `my-train.py` -> `my_train`: a script's module name. */
function scriptModule(relative: string): string {
  return relative
    .replace(/\.py$/, '')
    .split('/')
    .map((part) => part.replace(/[^\w]/g, '_').replace(/^(\d)/, '_$1'))
    .join('.');
}

async function collect(params: PackagePythonTrainerParams, issues: SpecIssue[]): Promise<Collected | undefined> {
  if (params.dir !== undefined) {
    const root = path.resolve(params.dir);
    const info = await statFile(root).catch(() => undefined);
    if (!info?.isDirectory()) {
      issues.push({ path: 'dir', message: `${root} is not a directory; give the folder that holds the trainer (its setup.py, or its package folders)` });
      return undefined;
    }
    const { files, excluded } = await walkPackageDirectory(root);
    let module = params.pythonModule;
    if (params.script !== undefined) {
      const relative = path.relative(root, path.resolve(root, params.script)).split(path.sep).join('/');
      if (relative.startsWith('..') || !files.some((file) => file.path === relative)) {
        issues.push({ path: 'script', message: `${params.script} is not a file of ${root}${excluded.some((item) => item.path === relative) ? ' that goes into the package (it is left out)' : ''}; give its path inside the directory, e.g. trainer/task.py` });
      } else if (!relative.endsWith('.py')) {
        issues.push({ path: 'script', message: `${params.script} is not a .py file; the job runs it as a module (python -m), which needs a .py file` });
      } else {
        const fromScript = scriptModule(relative);
        if (module !== undefined && module !== fromScript) {
          issues.push({ path: 'pythonModule', message: `${module} is not the script's module (${relative} runs as ${fromScript}); give one of them` });
        }
        module ??= fromScript;
      }
    }
    return { files, excluded, root, module };
  }
  if (params.script !== undefined) {
    const source = path.resolve(params.script);
    if (!(await isFile(source))) {
      issues.push({ path: 'script', message: `${source} is not a file; give the path of the training script, e.g. ./train.py` });
      return undefined;
    }
    const module = scriptModule(path.basename(source));
    if (params.pythonModule !== undefined && params.pythonModule !== module) {
      issues.push({ path: 'pythonModule', message: `a lone script runs as its own module, ${module}; leave pythonModule out or set it to ${module}` });
    }
    return { files: [{ path: `${module}.py`, source }], excluded: [], root: undefined, module };
  }
  issues.push({ path: 'dir', message: 'give dir (the trainer\'s folder, gcloud\'s local-package-path) or script (a training script to package)' });
  return undefined;
}

/** The metadata a package's own build files declare, or undefined when it has none (a setup.py is generated). */
async function declaredMetadata(collected: Collected, contents: ReadonlyMap<string, Buffer>, python: string | undefined, issues: SpecIssue[]): Promise<PackageMetadata | undefined> {
  const text = (relative: string): string | undefined => contents.get(relative)?.toString('utf8');
  const pyproject = text('pyproject.toml');
  const setupCfg = text('setup.cfg');
  const setupPy = text('setup.py');
  if (pyproject === undefined && setupCfg === undefined && setupPy === undefined) return undefined;
  if (pyproject !== undefined) {
    const project = readPyproject(pyproject, issues);
    if (project && 'name' in project) return { ...project, source: 'pyproject.toml' };
  }
  let name: string | undefined;
  let version: string | undefined;
  let requires: string[] | undefined;
  if (setupCfg !== undefined) {
    const metadata = readSetupCfgSection(setupCfg, 'metadata');
    const cfgName = metadata.get('name');
    const cfgVersion = metadata.get('version');
    name = cfgName === undefined ? undefined : setupCfgValue(cfgName, text);
    version = cfgVersion === undefined ? undefined : setupCfgValue(cfgVersion, text);
    const installRequires = readSetupCfgSection(setupCfg, 'options').get('install_requires');
    if (installRequires !== undefined) requires = requirementLines(installRequires);
    if (name !== undefined && version !== undefined) return { name, version, ...(requires ? { requires } : {}), source: 'setup.cfg' };
  }
  if (setupPy !== undefined) {
    const literal = readSetupPyLiterals(setupPy);
    name ??= literal.name;
    version ??= literal.version;
    if (name !== undefined && version !== undefined) return { name, version, ...(requires ? { requires } : {}), source: 'setup.py' };
    if (python && collected.root) {
      try {
        return { ...(await runSetupPyNameVersion(python, collected.root)), ...(requires ? { requires } : {}), source: 'python3 setup.py --name --version' };
      } catch (error) {
        issues.push({ path: 'setup.py', message: `${(error as Error).message}; make name= and version= string literals, or fix setup.py` });
        return undefined;
      }
    }
    issues.push({
      path: 'setup.py',
      message: `its ${name === undefined ? 'name' : 'version'} is not a string literal and there is no python3 to run \`setup.py --name --version\`; write ${name === undefined ? "name='trainer'" : "version='0.1'"} in setup(), or install python3`,
    });
    return undefined;
  }
  issues.push({ path: 'pyproject.toml', message: 'has no [project] name and version, and there is no setup.cfg or setup.py that does; add [project] name = "trainer" and version = "0.1"' });
  return undefined;
}

const pyString = (value: string): string => JSON.stringify(value);

/** A setup.py for a package that has none: packages, top-level modules, package data, install_requires. */
function generatedSetupPy(name: string, version: string, paths: readonly string[], requires: readonly string[]): string {
  const present = new Set(paths);
  const packageDirs = [...new Set(paths.filter((file) => file.endsWith('/__init__.py')).map((file) => file.slice(0, -'/__init__.py'.length)))]
    .filter((dir) => dir.split('/').every((_, i, parts) => present.has(`${parts.slice(0, i + 1).join('/')}/__init__.py`)))
    .sort();
  const modules = paths.filter((file) => !file.includes('/') && file.endsWith('.py') && file !== 'setup.py').map((file) => file.slice(0, -3));
  const data = new Map<string, string[]>();
  for (const file of paths) {
    if (file.endsWith('.py')) continue;
    const owner = [...packageDirs].reverse().find((dir) => file.startsWith(`${dir}/`));
    if (owner === undefined) continue;
    data.set(owner, [...(data.get(owner) ?? []), file.slice(owner.length + 1)]);
  }
  const list = (items: readonly string[]): string => `[${items.map(pyString).join(', ')}]`;
  const lines = [
    '# Generated by @vertexkit/jobs packagePythonTrainer: this trainer had no setup.py, setup.cfg or pyproject.toml.',
    'from setuptools import setup',
    '',
    'setup(',
    `    name=${pyString(name)},`,
    `    version=${pyString(version)},`,
    `    packages=${list(packageDirs.map((dir) => dir.replace(/\//g, '.')))},`,
    `    py_modules=${list(modules)},`,
    `    package_data={${[...data].map(([dir, files]) => `${pyString(dir.replace(/\//g, '.'))}: ${list(files)}`).join(', ')}},`,
    `    install_requires=${list(requires)},`,
    ')',
  ];
  return `${lines.join('\n')}\n`;
}

function requirementProblems(requirements: unknown, issues: SpecIssue[]): string[] {
  if (requirements === undefined) return [];
  if (!Array.isArray(requirements)) {
    issues.push({ path: 'requirements', message: `expected a list of requirements such as ["pandas>=2"], got ${typeof requirements}` });
    return [];
  }
  requirements.forEach((requirement, index) => {
    if (typeof requirement !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]*/.test(requirement.trim()) || /[\n\r]/.test(requirement)) {
      issues.push({ path: `requirements[${index}]`, message: `${JSON.stringify(requirement)} is not a PEP 508 requirement; write it as pip takes it, e.g. "pandas>=2" or "numpy"` });
    }
  });
  return (requirements as unknown[]).filter((item): item is string => typeof item === 'string').map((item) => item.trim());
}

/** requirements.txt's requirement lines; pip options (-r, -e, --index-url) are refused: a package cannot carry them. */
function requirementsFile(text: string, issues: SpecIssue[]): string[] {
  const lines = requirementLines(text);
  for (const line of lines.filter((item) => item.startsWith('-'))) {
    issues.push({ path: 'requirements.txt', message: `${JSON.stringify(line)} is a pip option, which install_requires cannot hold; list plain requirements, or write a setup.py of your own` });
  }
  return lines.filter((line) => !line.startsWith('-'));
}

async function writeAtomically(file: string, bytes: Uint8Array): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, bytes);
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/**
 * Builds a Python trainer's source distribution (`name-version.tar.gz` with PKG-INFO, the way `python setup.py
 * sdist` lays one out) and stages it for a Vertex AI `pythonPackageSpec`, as the Vertex AI SDK's
 * `CustomTrainingJob` does, without Docker. The archive is deterministic: the same files give the same bytes and
 * sha256 on every run (fixed times, owners and modes, entries in path order, gzip without a time). Left out:
 * version control, `__pycache__` and build output, virtual environments (any folder with a pyvenv.cfg) and
 * secrets (`.env`, keys, credentials; the list `@vertexkit/containers` keeps out of images).
 *
 * Before anything is staged the package is checked, every problem at once: the module to run is in it, and, when a
 * python3 is there, every .py file compiles. Name and version come from pyproject.toml's [project] (read with a
 * TOML parser), setup.cfg's [metadata], or setup.py's literal `name=` and `version=`, else from running
 * `python3 setup.py --name --version`.
 *
 * @example
 * ```ts
 * const trainer = await packagePythonTrainer({ dir: './trainer-package', pythonModule: 'trainer.task', staging: 'gs://my-bucket/staging' });
 * trainer.uri; // gs://my-bucket/staging/trainer-3f2a9c1b0d4e.tar.gz, for pythonPackageSpec.packageUris
 * ```
 *
 * @throws JobsError `INVALID_ARGUMENT` for wrong parameters (`issues` name them), `INVALID_PACKAGE` when the
 *   package fails a check (`issues` name the file, line and fix), before anything is staged
 */
export async function packagePythonTrainer(params: PackagePythonTrainerParams): Promise<PythonTrainerPackage> {
  const issues: SpecIssue[] = [];
  const extraRequirements = requirementProblems(params.requirements, issues);
  if (params.name !== undefined) {
    const problem = nameProblem(params.name);
    if (problem) issues.push({ path: 'name', message: problem });
  }
  if (params.version !== undefined) {
    const problem = versionProblem(params.version);
    if (problem) issues.push({ path: 'version', message: problem });
  }
  let staging: string | undefined;
  if (params.staging !== undefined) {
    try {
      staging = parseLocation(params.staging).uri;
    } catch (error) {
      issues.push({ path: 'staging', message: (error as Error).message });
    }
  }
  const collected = await collect(params, issues);
  if (!collected || issues.length > 0) fail('INVALID_ARGUMENT', 'packagePythonTrainer', issues);

  const python = findPython(params.python);
  const contents = await readPackageFiles(collected.files);
  const declared = collected.root ? await declaredMetadata(collected, contents, python, issues) : undefined;
  const hasBuildFiles = ['pyproject.toml', 'setup.cfg', 'setup.py'].some((file) => contents.has(file));
  let metadata: PackageMetadata;
  if (hasBuildFiles) {
    if (declared === undefined) fail('INVALID_PACKAGE', `the package at ${collected.root ?? ''}`, issues);
    const where = declared.source === 'pyproject.toml' ? 'pyproject.toml ([project] dependencies)' : 'setup.py (install_requires) or setup.cfg ([options] install_requires)';
    if (extraRequirements.length > 0) {
      issues.push({ path: 'requirements', message: `this package declares its own dependencies in its build files; add ${extraRequirements.join(', ')} to ${where}, or remove its build files to have a setup.py generated` });
    }
    for (const key of ['name', 'version'] as const) {
      if (params[key] !== undefined && params[key] !== declared[key]) {
        issues.push({ path: key, message: `${JSON.stringify(params[key])} differs from the ${key} the package declares in ${declared.source} (${JSON.stringify(declared[key])}); leave ${key} out, or change it there` });
      }
    }
    metadata = declared;
  } else {
    const fromFile = contents.has('requirements.txt') ? requirementsFile(contents.get('requirements.txt')?.toString('utf8') ?? '', issues) : [];
    const requires = [...new Set([...fromFile, ...extraRequirements])];
    const name = params.name ?? (collected.root ? path.basename(collected.root).replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[-_.]+|[-_.]+$/g, '') : (collected.module ?? 'trainer'));
    const problem = nameProblem(name);
    if (problem) issues.push({ path: 'name', message: `the directory's name gives no package name (${problem}); pass name` });
    metadata = { name, version: params.version ?? '0.1', requires, source: 'generated setup.py' };
  }
  for (const key of ['name', 'version'] as const) {
    const problem = key === 'name' ? nameProblem(metadata.name) : versionProblem(metadata.version);
    if (problem && metadata.source !== 'generated setup.py') issues.push({ path: metadata.source.startsWith('python3') ? 'setup.py' : metadata.source, message: `its ${key}: ${problem}` });
  }

  const archived = new Map<string, Uint8Array>(contents);
  if (metadata.source === 'generated setup.py') {
    archived.set('setup.py', Buffer.from(generatedSetupPy(metadata.name, metadata.version, [...contents.keys()], metadata.requires ?? [])));
  }
  archived.delete('PKG-INFO');
  archived.set('PKG-INFO', Buffer.from(pkgInfo(metadata)));
  const paths = [...archived.keys()].sort();

  let moduleCheck = 'no python-module given';
  if (collected.module !== undefined) {
    const problem = moduleProblem(collected.module, paths, params.script !== undefined && params.pythonModule === undefined ? 'script' : 'pythonModule');
    if (problem) issues.push(problem);
    moduleCheck = `${collected.module} is in the package`;
  }
  let syntaxCheck: string;
  if (python) {
    const sources = collected.files.filter((file) => file.path.endsWith('.py')).map((file) => [file.path, file.source] as const);
    issues.push(...(await compileProblems(python, sources)));
    syntaxCheck = `${sources.length} .py file${sources.length === 1 ? '' : 's'} compiled with ${python}`;
  } else {
    syntaxCheck = params.python === false ? 'skipped: python: false' : 'skipped: no python3 on PATH';
  }
  if (issues.length > 0) fail('INVALID_PACKAGE', `the package ${metadata.name} ${metadata.version}`, issues);

  const root = `${fileNamePart(metadata.name)}-${metadata.version}`;
  const bytes = await buildSdistArchive(root, archived);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const result: PythonTrainerPackage = {
    name: metadata.name,
    version: metadata.version,
    fileName: `${root}.tar.gz`,
    bytes,
    sha256,
    size: bytes.length,
    metadataFrom: metadata.source,
    ...(collected.module !== undefined ? { pythonModule: collected.module } : {}),
    files: paths,
    excluded: collected.excluded,
    checks: { syntax: syntaxCheck, module: moduleCheck },
  };
  if (params.outDir !== undefined) {
    result.path = path.resolve(params.outDir, result.fileName);
    await writeAtomically(result.path, bytes);
  }
  if (staging !== undefined) {
    const target = joinLocation(staging, `${fileNamePart(metadata.name)}-${sha256.slice(0, 12)}.tar.gz`);
    result.uri = target.uri;
    result.uploaded = !(await alreadyStaged(target.uri, bytes, params));
    if (result.uploaded) await write({ to: target, data: bytes, contentType: 'application/gzip', ...(params.storage ? { storage: params.storage } : {}), ...(params.signal ? { signal: params.signal } : {}) });
  }
  return result;
}

/** Whether `uri` already holds exactly `bytes` (by MD5 on Cloud Storage, by content for a local file). */
async function alreadyStaged(uri: string, bytes: Buffer, params: PackagePythonTrainerParams): Promise<boolean> {
  const call = { from: uri, ...(params.storage ? { storage: params.storage } : {}), ...(params.signal ? { signal: params.signal } : {}) };
  if (!(await exists(call))) return false;
  const info = await stat(call);
  if (info.size !== bytes.length) return false;
  if (info.md5 !== undefined) return info.md5 === createHash('md5').update(bytes).digest('base64');
  const staged = info.location.scheme === 'file' ? await readFile(info.location.path) : await readBytes(call);
  return Buffer.compare(Buffer.from(staged), bytes) === 0;
}

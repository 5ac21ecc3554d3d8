// The local stand-in for what a prebuilt executor image does with a pythonPackageSpec: a virtual environment with the
// job's packages installed, one per set of package bytes (sha256), kept and reused. It sees the site packages of the
// python3 it was made from, as the image's preinstalled framework is seen there, so requirements already on this
// machine need no network; those that are missing offline are named, not shown as pip's traceback.
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseLocation, readBytes, type Storage } from '@vertexkit/storage';

/** Options of the Python environment of a local job. */
export interface LocalPythonOptions {
  /** The python3 the virtual environments are made with. Default: `python3` on PATH. */
  executable?: string;
  /** Where environments (and downloaded packages) are kept. Default `.vertexkit/python` under the job's cwd. */
  cacheDir?: string;
  /** More `pip install` arguments, e.g. `['--index-url', 'https://my-mirror/simple']`. */
  pipArgs?: string[];
}

/** The environment a local Python package job ran in. */
export interface LocalPythonEnvironment {
  /** The virtual environment's folder. */
  venv: string;
  /** Its python, which runs `-m <module>`. */
  python: string;
  /** True when an environment made earlier for the same packages was reused. */
  cached: boolean;
  /** Seconds spent making it (0 when cached). */
  seconds: number;
  /** The package files installed, in order, each with its sha256. */
  packages: Array<{ uri: string; file: string; sha256: string }>;
}

/** A setup failure, with the message the job fails with. */
export class PythonSetupError extends Error {}

const BUCKET = '[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]';
const CLOUD_PATH = new RegExp(`(?:gs://|/gcs/)(${BUCKET})(/[^\\s,;'"]*)?`, 'g');

/**
 * `gs://bucket/key` and `/gcs/bucket/key` (Vertex AI's bucket mount) anywhere in `value` as `<localBuckets>/bucket/key`;
 * the value unchanged without `localBuckets`.
 */
export function mapBucketPaths(value: string, localBuckets: string | undefined): string {
  if (localBuckets === undefined) return value;
  return value.replace(CLOUD_PATH, (_match, bucket: string, key: string | undefined) => path.join(localBuckets, bucket, key ?? '/'));
}

function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; signal?: AbortSignal }): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { ...options, maxBuffer: 64 * 1024 * 1024, timeout: 1_800_000 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') {
        reject(new PythonSetupError(`${command} could not run: ${error.message}`));
        return;
      }
      // pip colours its messages when the parent's environment asks for colour (FORCE_COLOR): drop the escapes.
      // eslint-disable-next-line no-control-regex -- the ESC character is what is matched
      resolve({ code: error ? Number(error.code) : 0, output: `${stdout}\n${stderr}`.replace(/\u001b\[[0-9;]*m/g, '') });
    });
  });
}

/** What pip's output says went wrong, in a line: the requirements it could not find, or its last error. */
export function pipFailure(output: string): string {
  const missing = new Set<string>();
  for (const match of output.matchAll(/No matching distribution found for ([^\s]+)/g)) missing.add(match[1] ?? '');
  for (const match of output.matchAll(/Could not find a version that satisfies the requirement ([^\s]+)/g)) missing.add(match[1] ?? '');
  if (missing.size > 0) {
    const names = [...missing].join(', ');
    const offline = /NewConnectionError|Failed to establish a new connection|Name or service not known|Temporary failure in name resolution|Network is unreachable/.test(output);
    return `${missing.size === 1 ? 'the requirement' : 'the requirements'} ${names} could not be installed${offline ? ': the package index is not reachable from this machine' : ' from the package index'}, and ${missing.size === 1 ? 'it is' : 'they are'} not installed in the python3 the environment is made from; install ${missing.size === 1 ? 'it' : 'them'} there (apt-get install python3-<name>, or pip install ${names}), or give pip an index it can reach (python.pipArgs)`;
  }
  if (/invalid command 'bdist_wheel'/.test(output)) {
    return 'pip could not build the package: the python3 has setuptools without wheel; install wheel there (apt-get install python3-wheel, or pip install wheel)';
  }
  const errors = output.split('\n').map((line) => line.trim()).filter((line) => /^error:|^ERROR:/i.test(line));
  return `pip install failed: ${errors.at(-1) ?? output.trim().split('\n').at(-1) ?? 'no output'}`;
}

/** Each package URI as a local file: a path, a file under `localBuckets`, or a gs:// object downloaded once (by sha). */
async function packageFiles(uris: readonly string[], cacheDir: string, localBuckets: string | undefined, storage: Storage | undefined): Promise<LocalPythonEnvironment['packages']> {
  const packages: LocalPythonEnvironment['packages'] = [];
  for (const uri of uris) {
    const mapped = mapBucketPaths(uri, localBuckets);
    const location = parseLocation(mapped);
    let bytes: Buffer;
    let file: string;
    if (location.scheme === 'file') {
      file = location.path;
      bytes = await readFile(file).catch((error: NodeJS.ErrnoException) => {
        throw new PythonSetupError(`package ${uri} could not be read: ${error.code === 'ENOENT' ? `${file} does not exist` : error.message}`);
      });
    } else {
      bytes = await readBytes({ from: location, storage }).catch((error: Error) => {
        throw new PythonSetupError(`package ${uri} could not be downloaded: ${error.message}`);
      });
      const name = location.key.split('/').at(-1) ?? 'package.tar.gz';
      const sha = createHash('sha256').update(bytes).digest('hex');
      file = path.join(cacheDir, 'packages', sha.slice(0, 16), name);
      if (!(await stat(file).then(() => true, () => false))) {
        await mkdir(path.dirname(file), { recursive: true });
        const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
        await writeFile(temporary, bytes);
        await rename(temporary, file);
      }
    }
    packages.push({ uri, file, sha256: createHash('sha256').update(bytes).digest('hex') });
  }
  return packages;
}

/**
 * The virtual environment for these packages: reused when one was made for the same bytes, else made under a temp
 * name (python3 -m venv --system-site-packages, then pip install --no-build-isolation of every package with its
 * dependencies) and renamed into place, so a failed or interrupted setup leaves nothing that looks ready.
 */
export async function preparePythonEnvironment(params: {
  packageUris: readonly string[];
  cwd: string;
  options: LocalPythonOptions;
  localBuckets: string | undefined;
  storage: Storage | undefined;
  env: NodeJS.ProcessEnv;
}): Promise<LocalPythonEnvironment> {
  const cacheDir = path.resolve(params.cwd, params.options.cacheDir ?? path.join('.vertexkit', 'python'));
  const packages = await packageFiles(params.packageUris, cacheDir, params.localBuckets, params.storage);
  const pipArgs = params.options.pipArgs ?? [];
  const executable = params.options.executable ?? 'python3';
  const key = createHash('sha256').update(JSON.stringify({ packages: packages.map((item) => item.sha256), executable, pipArgs })).digest('hex').slice(0, 16);
  const venv = path.join(cacheDir, 'venvs', key);
  const python = path.join(venv, 'bin', 'python');
  const ready = path.join(venv, '.vertexkit-ready');
  if (await stat(ready).then(() => true, () => false)) return { venv, python, cached: true, seconds: 0, packages };

  const started = performance.now();
  const building = `${venv}.${randomBytes(6).toString('hex')}.tmp`;
  await mkdir(path.dirname(venv), { recursive: true });
  try {
    const created = await run(executable, ['-m', 'venv', '--system-site-packages', building], { env: params.env });
    if (created.code !== 0) {
      throw new PythonSetupError(`${executable} -m venv failed (on Debian: apt-get install python3-venv): ${created.output.trim().split('\n').at(-1) ?? ''}`);
    }
    const env = { ...params.env, PIP_DISABLE_PIP_VERSION_CHECK: '1', PIP_NO_COLOR: '1', PYTHONDONTWRITEBYTECODE: '1' };
    const installed = await run(path.join(building, 'bin', 'python'), ['-m', 'pip', 'install', '--no-build-isolation', ...pipArgs, ...packages.map((item) => item.file)], { env });
    if (installed.code !== 0) throw new PythonSetupError(pipFailure(installed.output));
    await writeFile(path.join(building, '.vertexkit-ready'), `${JSON.stringify({ packages }, null, 2)}\n`);
    await rename(building, venv).catch(async (error: NodeJS.ErrnoException) => {
      // Another job made the same environment meanwhile: use that one.
      if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
      await rm(building, { recursive: true, force: true });
    });
  } catch (error) {
    await rm(building, { recursive: true, force: true });
    throw error;
  }
  return { venv, python, cached: false, seconds: (performance.now() - started) / 1000, packages };
}

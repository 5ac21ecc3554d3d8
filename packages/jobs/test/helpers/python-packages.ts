// Small Python trainer packages written into temp folders, a reader for the archives, and real virtual environments.
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { extract, type Headers } from 'tar-stream';
// @ts-expect-error -- plain ESM module; its types are in the index.d.ts beside it (TypeScript looks for index.d.mts).
import * as pythonEnvModule from '../../../../tools/python-env/index.mjs';
import type * as PythonEnv from '../../../../tools/python-env/index.d.ts';

export const pythonTools = (pythonEnvModule as typeof PythonEnv).findPythonTools();

const run = promisify(execFile);

/** Writes `files` (path -> text) under `dir`. */
export async function writeTree(dir: string, files: Record<string, string>): Promise<string> {
  for (const [relative, text] of Object.entries(files)) {
    const file = path.join(dir, relative);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, text);
  }
  return dir;
}

/** A trainer package as people write one: setup.py with literals, trainer/task.py printing its arguments. */
export const SETUP_PY_TRAINER: Record<string, string> = {
  'setup.py': "from setuptools import find_packages, setup\n\nsetup(\n    name='trainer',\n    version='0.1',\n    packages=find_packages(),\n    install_requires=[],\n)\n",
  'trainer/__init__.py': '',
  'trainer/task.py': "import sys\n\nif __name__ == '__main__':\n    print('task', ' '.join(sys.argv[1:]))\n",
};

/** One archive entry: its header and content. */
export interface ArchiveEntry {
  header: Headers;
  content: Buffer;
}

/** The entries of a .tar.gz, in order. */
export async function readArchive(bytes: Uint8Array): Promise<ArchiveEntry[]> {
  const entries: ArchiveEntry[] = [];
  const reader = extract();
  const done = new Promise<void>((resolve, reject) => {
    reader.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        entries.push({ header, content: Buffer.concat(chunks) });
        next();
      });
      stream.resume();
    });
    reader.on('finish', resolve);
    reader.on('error', reject);
  });
  Readable.from([gunzipSync(bytes)]).pipe(reader);
  await done;
  return entries;
}

/** A virtual environment (with the system's site packages, so setuptools is there on any Python) at `dir`. */
export async function createVenv(python: string, dir: string): Promise<string> {
  await run(python, ['-m', 'venv', '--system-site-packages', dir], { timeout: 120_000 });
  return path.join(dir, 'bin', 'python');
}

/** `pip install <archive> --no-deps --no-build-isolation` into the venv: the check the issue asks for. */
export async function pipInstall(venvPython: string, archive: string): Promise<{ stdout: string; stderr: string }> {
  return run(venvPython, ['-m', 'pip', 'install', '--no-deps', '--no-build-isolation', '--no-index', archive], {
    timeout: 180_000,
    env: { ...process.env, PIP_DISABLE_PIP_VERSION_CHECK: '1', PYTHONDONTWRITEBYTECODE: '1' },
  });
}

/** `python -m <module> ...args` with the venv's Python, from a folder with nothing importable in it. */
export async function runModule(venvPython: string, module: string, args: string[], cwd: string): Promise<string> {
  const { stdout } = await run(venvPython, ['-m', module, ...args], { cwd, timeout: 60_000 });
  return stdout;
}

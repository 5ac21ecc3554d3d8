// Which files of a trainer's directory go into its source distribution: everything but version control, Python
// caches and build output, virtual environments (found by their pyvenv.cfg, whatever their name) and secrets.
import { lstat, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import picomatch from 'picomatch';

/**
 * Files that never belong in a package: a trainer gets its credentials from the job's service account. The same list,
 * in the same order, as `@vertexkit/containers` leaves out of a training image (its src/lib/dockerfile/
 * dockerfile-text.ts), copied rather than imported because `@vertexkit/containers` already depends on this package
 * for its tests; a test in `@vertexkit/containers` fails when the two drift apart. Docker ignore syntax: `**` is any
 * number of directories, and a pattern that matches a directory leaves out all of it.
 */
export const PYTHON_PACKAGE_SECRET_PATTERNS: readonly string[] = [
  '**/.env',
  '**/.env.*',
  '**/*.pem',
  '**/*.key',
  '**/*.p12',
  '**/*.pfx',
  '**/id_rsa*',
  '**/id_ed25519*',
  '**/.ssh',
  '**/.npmrc',
  '**/.pypirc',
  '**/.netrc',
  '**/.git-credentials',
  '**/.docker/config.json',
  '**/*service-account*.json',
  '**/*credentials*.json',
  '**/application_default_credentials.json',
  '**/credentials',
  '**/secrets',
];

/** Directories and files left out of every package besides secrets and virtual environments: caches and build output. */
export const PYTHON_PACKAGE_IGNORED_PATTERNS: readonly string[] = [
  '**/.git',
  '**/.hg',
  '**/.svn',
  '**/__pycache__',
  '**/*.py[cod]',
  '**/.DS_Store',
  '**/.idea',
  '**/.vscode',
  '**/.venv',
  '**/venv',
  '**/*.egg-info',
  '**/.eggs',
  'build',
  'dist',
  '**/.pytest_cache',
  '**/.mypy_cache',
  '**/.ruff_cache',
  '**/.tox',
  '**/.nox',
  '**/.ipynb_checkpoints',
  '**/node_modules',
];

/** One file of the package: its `/`-separated path under the package root, and where it is read from. */
export interface PackageFile {
  path: string;
  source: string;
}

/** What a walk found: the files to package (sorted) and what was left out, and why. */
export interface PackageWalk {
  files: PackageFile[];
  excluded: Array<{ path: string; reason: string }>;
}

const secret = picomatch([...PYTHON_PACKAGE_SECRET_PATTERNS], { dot: true });
const ignored = picomatch([...PYTHON_PACKAGE_IGNORED_PATTERNS], { dot: true });

/** Why `relative` (a file or a directory) is left out, or undefined. */
function exclusion(relative: string): string | undefined {
  if (secret(relative)) return 'a secret';
  if (ignored(relative)) return 'a cache, build output or version control';
  return undefined;
}

/**
 * The files under `root`, sorted by path, each left-out file or directory listed once (a left-out directory is not
 * entered). Symbolic links to files are read through; links to directories are left out, so a link to `/` or to a
 * parent can't loop or pull in half the disk.
 */
export async function walkPackageDirectory(root: string): Promise<PackageWalk> {
  const files: PackageFile[] = [];
  const excluded: PackageWalk['excluded'] = [];
  const visit = async (dir: string, prefix: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const entry of entries) {
      const relative = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
      const absolute = path.join(dir, entry.name);
      const reason = exclusion(relative);
      if (reason) {
        excluded.push({ path: relative, reason });
        continue;
      }
      let isDirectory = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        const target = await stat(absolute).catch(() => undefined);
        if (!target || target.isDirectory()) {
          excluded.push({ path: relative, reason: target ? 'a symbolic link to a directory' : 'a broken symbolic link' });
          continue;
        }
        isFile = target.isFile();
        isDirectory = false;
      }
      if (isDirectory) {
        // A virtual environment under any name (env/, .env-py311/, ...): venv and virtualenv both write pyvenv.cfg.
        if (await lstat(path.join(absolute, 'pyvenv.cfg')).then(() => true, () => false)) {
          excluded.push({ path: relative, reason: 'a virtual environment' });
          continue;
        }
        await visit(absolute, relative);
      } else if (isFile) {
        files.push({ path: relative, source: absolute });
      }
    }
  };
  await visit(root, '');
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  excluded.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, excluded };
}

/** The bytes of each file, read once, in order. */
export async function readPackageFiles(files: readonly PackageFile[]): Promise<Map<string, Buffer>> {
  const contents = new Map<string, Buffer>();
  for (const file of files) contents.set(file.path, await readFile(file.source));
  return contents;
}

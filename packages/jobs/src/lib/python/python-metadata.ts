// A trainer's name and version, read the way its own build would declare them: pyproject.toml's [project] table
// (PEP 621, parsed with a TOML parser), setup.cfg's [metadata] section, or setup.py: its literal name= and version=
// keywords when they are literals, else what `python3 setup.py --name --version` prints (running the user's
// setup.py, so only when python3 is there).
import { execFile } from 'node:child_process';
import { parse as parseToml } from 'smol-toml';
import type { SpecIssue } from '../jobs-error.js';

/** Where the name and version came from. */
export type MetadataSource = 'pyproject.toml' | 'setup.cfg' | 'setup.py' | 'python3 setup.py --name --version' | 'generated setup.py';

/** The metadata a PKG-INFO states, as far as it is known without building. */
export interface PackageMetadata {
  name: string;
  version: string;
  summary?: string;
  requiresPython?: string;
  /** Requirements, when the metadata states them (pyproject dependencies, setup.cfg install_requires, generated). */
  requires?: string[];
  source: MetadataSource;
}

// PEP 508 names: letters, digits, and -_. inside. PEP 440 versions, loosely: what pip accepts starts with a digit.
const NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;
const VERSION = /^(?:\d+!)?\d+(?:\.\d+)*(?:[-_.]?(?:a|b|c|rc|alpha|beta|pre|preview)[-_.]?\d*)?(?:[-_.]?(?:post|rev|r)[-_.]?\d*|-\d+)?(?:[-_.]?dev[-_.]?\d*)?(?:\+[a-z0-9]+(?:[-_.][a-z0-9]+)*)?$/i;

/** PEP 503 normalized name, `My_Trainer` -> `my-trainer`. */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/** The name as a file name part (PEP 625 / binary distribution format): `my-trainer` -> `my_trainer`. */
export function fileNamePart(name: string): string {
  return normalizeName(name).replace(/-/g, '_');
}

export function nameProblem(name: string): string | undefined {
  return NAME.test(name) ? undefined : `${JSON.stringify(name)} is not a Python package name: letters, digits and - _ . inside, e.g. "trainer"`;
}

export function versionProblem(version: string): string | undefined {
  return VERSION.test(version) ? undefined : `${JSON.stringify(version)} is not a PEP 440 version, e.g. "0.1" or "1.2.0"`;
}

/** [project] of pyproject.toml, or undefined when it has none (a setuptools project configured elsewhere). */
export function readPyproject(text: string, issues: SpecIssue[]): Omit<PackageMetadata, 'source'> | { dynamic: string[] } | undefined {
  let document: Record<string, unknown>;
  try {
    document = parseToml(text);
  } catch (error) {
    issues.push({ path: 'pyproject.toml', message: `is not valid TOML: ${(error as Error).message.split('\n')[0] ?? ''}; fix the file` });
    return undefined;
  }
  const build = document['build-system'] as { 'build-backend'?: unknown } | undefined;
  const backend = build?.['build-backend'];
  if (typeof backend === 'string' && !backend.startsWith('setuptools')) {
    issues.push({
      path: 'pyproject.toml',
      message: `build-system.build-backend is ${JSON.stringify(backend)}; Vertex AI installs the package with pip from a prebuilt image, and this package checks installs with --no-build-isolation, which needs a backend the image has: use "setuptools.build_meta"`,
    });
  }
  const project = document.project as Record<string, unknown> | undefined;
  if (project === undefined) return undefined;
  const dynamic = Array.isArray(project.dynamic) ? project.dynamic.filter((item): item is string => typeof item === 'string') : [];
  if (typeof project.name !== 'string') {
    issues.push({ path: 'pyproject.toml', message: '[project] has no name; add name = "trainer"' });
    return undefined;
  }
  if (typeof project.version !== 'string') {
    if (dynamic.includes('version')) return { dynamic };
    issues.push({ path: 'pyproject.toml', message: '[project] has no version; add version = "0.1"' });
    return undefined;
  }
  const dependencies = Array.isArray(project.dependencies) ? project.dependencies.filter((item): item is string => typeof item === 'string') : undefined;
  return {
    name: project.name,
    version: project.version,
    ...(typeof project.description === 'string' ? { summary: project.description } : {}),
    ...(typeof project['requires-python'] === 'string' ? { requiresPython: project['requires-python'] } : {}),
    ...(dependencies && !dynamic.includes('dependencies') ? { requires: dependencies } : {}),
  };
}

/**
 * The keys of one section of a setup.cfg (Python's configparser format: `key = value` or `key: value`, values
 * continued on indented lines, `#` and `;` comments). Only what name, version and install_requires need; a
 * general INI parser would get continuation lines wrong.
 */
export function readSetupCfgSection(text: string, section: string): Map<string, string> {
  const values = new Map<string, string>();
  let inSection = false;
  let key: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    if (/^\s*[#;]/.test(raw) || raw.trim() === '') continue;
    const header = /^\[([^\]]+)\]\s*$/.exec(raw);
    if (header) {
      inSection = header[1]?.trim() === section;
      key = undefined;
      continue;
    }
    if (!inSection) continue;
    if (/^\s/.test(raw) && key !== undefined) {
      values.set(key, `${values.get(key) ?? ''}\n${raw.trim()}`);
      continue;
    }
    const match = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(raw);
    if (match) {
      key = (match[1] ?? '').trim().toLowerCase().replace(/-/g, '_');
      values.set(key, (match[2] ?? '').trim());
    }
  }
  return values;
}

/** `attr: trainer.__version__` read statically from the module's `__version__ = "..."`; `file: VERSION` read. */
export function setupCfgValue(value: string, readText: (relative: string) => string | undefined): string | undefined {
  const attr = /^attr:\s*([\w.]+)$/.exec(value);
  if (attr) {
    const parts = (attr[1] ?? '').split('.');
    const variable = parts.pop() ?? '';
    const module = parts.join('/');
    for (const candidate of [`${module}.py`, `${module}/__init__.py`, `src/${module}.py`, `src/${module}/__init__.py`]) {
      const source = readText(candidate);
      if (source === undefined) continue;
      const assigned = new RegExp(`^${variable}\\s*=\\s*(['"])([^'"\\n]+)\\1`, 'm').exec(source);
      return assigned?.[2];
    }
    return undefined;
  }
  const file = /^file:\s*(\S+)$/.exec(value);
  if (file) return readText(file[1] ?? '')?.trim();
  return value;
}

/** `install_requires` as setup.cfg lists it: one a line (or `;`-separated on one line), comments dropped. */
export function requirementLines(value: string): string[] {
  return value
    .split(/\n/)
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/**
 * name= and version= of the setup() call of a setup.py, when they are string literals. Anything computed
 * (`version=get_version()`, `name=NAME`) is left undefined for python3 to answer.
 */
export function readSetupPyLiterals(source: string): { name?: string; version?: string } {
  const call = source.indexOf('setup(');
  const body = call < 0 ? '' : source.slice(call);
  const literal = (keyword: string): string | undefined => {
    const match = new RegExp(`[(,\\s]${keyword}\\s*=\\s*(?:'([^'\\n\\\\]*)'|"([^"\\n\\\\]*)")\\s*[,)\\n]`).exec(body);
    return match ? (match[1] ?? match[2]) : undefined;
  };
  const name = literal('name');
  const version = literal('version');
  return { ...(name !== undefined ? { name } : {}), ...(version !== undefined ? { version } : {}) };
}

/** `python3 setup.py --name --version` in the package directory: the two lines it prints last. */
export function runSetupPyNameVersion(python: string, dir: string): Promise<{ name: string; version: string }> {
  return new Promise((resolve, reject) => {
    execFile(python, ['setup.py', '--name', '--version'], { cwd: dir, timeout: 120_000, env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } }, (error, stdout, stderr) => {
      if (error) {
        const last = stderr.trim().split('\n').at(-1) ?? error.message;
        reject(new Error(`${python} setup.py --name --version failed: ${last}`));
        return;
      }
      const lines = stdout.trim().split('\n').map((line) => line.trim());
      const [name, version] = lines.slice(-2);
      if (!name || !version) reject(new Error(`${python} setup.py --name --version printed ${JSON.stringify(stdout.trim())}, not a name and a version`));
      else resolve({ name, version });
    });
  });
}

/** PKG-INFO (core metadata 2.1) of the sdist: what is known of the package without building it. */
export function pkgInfo(metadata: PackageMetadata): string {
  const lines = ['Metadata-Version: 2.1', `Name: ${metadata.name}`, `Version: ${metadata.version}`];
  if (metadata.summary) lines.push(`Summary: ${metadata.summary.replace(/\s*\n\s*/g, ' ')}`);
  if (metadata.requiresPython) lines.push(`Requires-Python: ${metadata.requiresPython}`);
  for (const requirement of metadata.requires ?? []) lines.push(`Requires-Dist: ${requirement}`);
  return `${lines.join('\n')}\n`;
}

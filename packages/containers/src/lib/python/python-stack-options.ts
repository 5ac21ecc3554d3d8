// The options that choose a training stack, their shape checks, and the release tables seen through one lens per
// framework. Shared by resolvePythonTrainingStack() and renderPythonTrainingImage(); internal to the python module.
import type { ContainersIssue } from '../containers-error.js';
import {
  FASTAI_RELEASES,
  FLAIR_RELEASES,
  PYTHON_VERSIONS,
  PYTORCH_RELEASES,
  TENSORFLOW_RELEASES,
  VERTEX_TRAINING_REGISTRIES,
  type PythonTrainingFramework,
  type VersionRange,
} from './python-training-stacks.js';
import { compareVersions, didYouMean, formatVersions, joinWords, nearest, neighbours, showValue } from './version-text.js';

/** Which versions of a framework to train with, and on what. */
export interface PythonTrainingStackOptions {
  /** `pytorch`, `tensorflow`, `flair` or `fastai` (Flair and fastai run on PyTorch). */
  framework: PythonTrainingFramework;
  /**
   * The framework release: a line (`2.4` for PyTorch, `2.15` for TensorFlow, `0.15` for Flair, `2.7` for fastai) or
   * an exact version the table pins (`2.4.1`, `2.7.19`). Omitted: the newest release that fits the other options.
   */
  frameworkVersion?: string;
  /** For Flair and fastai: the PyTorch line underneath, `2.6`. Omitted: the newest the release allows. */
  torch?: string;
  /**
   * Python minor version, `3.11`. Omitted: the prebuilt image's Python when a Vertex AI prebuilt image is used,
   * else the newest the release supports.
   */
  python?: string;
  /**
   * CUDA version, `12.1`; `null` or `'cpu'` for a CPU-only image. Omitted: a GPU image, with the newest CUDA the
   * release supports (newer CUDA needs a newer host driver), or the CUDA of the Vertex AI prebuilt image.
   */
  cuda?: string | null;
  /**
   * `vertex-prebuilt`: start from Vertex AI's prebuilt training image for the framework; `cuda`: start from NVIDIA's
   * CUDA image (plain Ubuntu for CPU images) and install Python and the framework. Omitted: the prebuilt image when
   * one matches every other option and is still available on `date`, else `cuda`.
   */
  base?: 'vertex-prebuilt' | 'cuda';
  /** Which copy of the prebuilt images to pull: `us` (default), `europe` or `asia`. */
  prebuiltRegistry?: keyof typeof VERTEX_TRAINING_REGISTRIES;
  /**
   * The day the image is built, `2026-11-22` or a Date (read as its UTC day). Default: today. Vertex AI prebuilt
   * images past their end of availability on that day are not used: left out when `base` is omitted, refused with
   * `INCOMPATIBLE_VERSIONS` when `base` is `vertex-prebuilt`. Pass it to render the same Dockerfile on any day.
   */
  date?: Date | string;
}

/** The keys PythonTrainingStackOptions takes, for spotting typos. */
export const STACK_OPTION_KEYS: readonly string[] = ['framework', 'frameworkVersion', 'torch', 'python', 'cuda', 'base', 'prebuiltRegistry', 'date'];

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * The build day as `YYYY-MM-DD` (the form of `endOfAvailability`, so days compare as strings): a `YYYY-MM-DD` string
 * that names a real day, the UTC day of a valid Date, today (UTC) when omitted; undefined for anything else.
 */
export function buildDay(date: unknown): string | undefined {
  if (date === undefined) return new Date().toISOString().slice(0, 10);
  if (date instanceof Date) return Number.isNaN(date.getTime()) ? undefined : date.toISOString().slice(0, 10);
  if (typeof date !== 'string') return undefined;
  const match = DAY.exec(date);
  if (!match) return undefined;
  const [year, month, day] = match.slice(1).map(Number);
  const parsed = new Date(Date.UTC(year ?? 0, (month ?? 1) - 1, day ?? 0));
  // Date.UTC rolls 2026-02-30 over to March (and years 0–99 to 19xx): a day that moved was not a real one. Years
  // before 1000 are taken for typos.
  return (year ?? 0) >= 1000 && parsed.toISOString().slice(0, 10) === date ? date : undefined;
}

/** Display names, as the projects write them. */
export const FRAMEWORK_NAMES: Readonly<Record<PythonTrainingFramework, string>> = {
  pytorch: 'PyTorch',
  tensorflow: 'TensorFlow',
  flair: 'Flair',
  fastai: 'fastai',
};

const FRAMEWORKS = Object.keys(FRAMEWORK_NAMES) as PythonTrainingFramework[];
const FRAMEWORK_ALIASES: Readonly<Record<string, string>> = { torch: 'pytorch', tf: 'tensorflow', keras: 'tensorflow', 'fast.ai': 'fastai' };

/** Every CUDA version some release in the tables supports, oldest first. */
export const CUDA_VERSIONS: readonly string[] = [
  ...new Set([...PYTORCH_RELEASES.flatMap((release) => release.cuda), ...TENSORFLOW_RELEASES.map((release) => release.cuda)]),
].sort(compareVersions);

/** The release versions of a framework, oldest first, as `frameworkVersion` names them. */
export function releaseVersions(framework: PythonTrainingFramework): string[] {
  switch (framework) {
    case 'pytorch':
      return PYTORCH_RELEASES.map((release) => release.version);
    case 'tensorflow':
      return TENSORFLOW_RELEASES.map((release) => release.version);
    case 'flair':
      return FLAIR_RELEASES.map((release) => release.version);
    case 'fastai':
      return FASTAI_RELEASES.map((release) => release.version);
  }
}

/**
 * The releases a `frameworkVersion` selects, oldest first: the line itself, the line a pinned version belongs to,
 * or (for Flair and fastai) every release of a line such as `2.7`.
 */
export function matchReleases(framework: PythonTrainingFramework, frameworkVersion: string): string[] {
  switch (framework) {
    case 'pytorch':
      return PYTORCH_RELEASES.filter((release) => release.version === frameworkVersion || release.torch === frameworkVersion).map((release) => release.version);
    case 'tensorflow':
      return TENSORFLOW_RELEASES.filter((release) => release.version === frameworkVersion || release.tensorflow === frameworkVersion).map((release) => release.version);
    default:
      return releaseVersions(framework).filter((version) => version === frameworkVersion || version.startsWith(`${frameworkVersion}.`));
  }
}

/** Whether a release line satisfies a range (`min` and `max` included, `below` excluded). */
export function inRange(version: string, range: VersionRange): boolean {
  if (range.min !== undefined && compareVersions(version, range.min) < 0) return false;
  if (range.max !== undefined && compareVersions(version, range.max) > 0) return false;
  if (range.below !== undefined && compareVersions(version, range.below) >= 0) return false;
  return true;
}

/** `3.9–3.11`, `3.9 and later`: a Python range for a message. */
export function describePythonRange(range: VersionRange): string {
  const within = PYTHON_VERSIONS.filter((version) => inRange(version, range));
  if (range.max === undefined && range.below === undefined) return `${range.min ?? PYTHON_VERSIONS[0] ?? ''} and later`;
  return formatVersions(within, PYTHON_VERSIONS, 'and');
}

const MINOR = /^\d+\.\d+$/;

/** The patch this table installs for a PyTorch or TensorFlow line. */
function pinnedPatch(framework: PythonTrainingFramework, line: string): string | undefined {
  if (framework === 'pytorch') return PYTORCH_RELEASES.find((release) => release.version === line)?.torch;
  if (framework === 'tensorflow') return TENSORFLOW_RELEASES.find((release) => release.version === line)?.tensorflow;
  return undefined;
}

/** For an unknown `frameworkVersion`: its line when only the patch differs from the pinned one, else its neighbours. */
function versionHint(framework: PythonTrainingFramework, value: string, versions: readonly string[]): string {
  const line = value.replace(/^(\d+\.\d+)\.\d+$/, '$1');
  const pinned = line === value ? undefined : pinnedPatch(framework, line);
  if (pinned !== undefined) return `; the table installs ${FRAMEWORK_NAMES[framework]} ${line} as ${pinned}, so use "${line}"`;
  return didYouMean(neighbours(value, versions));
}

/** Shape checks of the stack options, every problem at once; `path` names the option. */
export function findStackOptionIssues(options: PythonTrainingStackOptions, optionKeys: readonly string[] = STACK_OPTION_KEYS): ContainersIssue[] {
  const issues: ContainersIssue[] = [];
  if (typeof options !== 'object' || options === null) return [{ path: '(options)', message: `expected an options object, got ${showValue(options)}` }];
  for (const key of Object.keys(options)) {
    if (!optionKeys.includes(key)) issues.push({ path: key, message: `is not an option${didYouMean(nearest(key, optionKeys))}` });
  }
  const framework = options.framework as unknown;
  const known = typeof framework === 'string' && (FRAMEWORKS as string[]).includes(framework);
  if (!known) {
    const hint = typeof framework === 'string' ? didYouMean(nearest(framework, FRAMEWORKS, FRAMEWORK_ALIASES)) : '';
    issues.push({ path: 'framework', message: `${showValue(framework)} is not a framework this package builds for; use ${joinWords(FRAMEWORKS.map((name) => JSON.stringify(name)), 'or')}${hint}` });
  }
  if (options.frameworkVersion !== undefined && known) {
    const name = FRAMEWORK_NAMES[framework as PythonTrainingFramework];
    const versions = releaseVersions(framework as PythonTrainingFramework);
    if (typeof options.frameworkVersion !== 'string' || matchReleases(framework as PythonTrainingFramework, options.frameworkVersion).length === 0) {
      const hint = typeof options.frameworkVersion === 'string' ? versionHint(framework as PythonTrainingFramework, options.frameworkVersion, versions) : '';
      issues.push({ path: 'frameworkVersion', message: `${showValue(options.frameworkVersion)} is not a ${name} release this package knows; known: ${versions.join(', ')}${hint}` });
    }
  }
  if (options.torch !== undefined) {
    if (known && framework !== 'flair' && framework !== 'fastai') {
      issues.push({ path: 'torch', message: `only applies to Flair and fastai; for ${FRAMEWORK_NAMES[framework as PythonTrainingFramework]} leave it out${framework === 'pytorch' ? ' and set frameworkVersion' : ''}` });
    } else if (typeof options.torch !== 'string' || !PYTORCH_RELEASES.some((release) => release.version === options.torch)) {
      const lines = PYTORCH_RELEASES.map((release) => release.version);
      const hint = typeof options.torch === 'string' ? didYouMean(neighbours(options.torch, lines)) : '';
      issues.push({ path: 'torch', message: `${showValue(options.torch)} is not a PyTorch release line this package knows; known: ${lines.join(', ')}${hint}` });
    }
  }
  if (options.python !== undefined && (typeof options.python !== 'string' || !PYTHON_VERSIONS.includes(options.python))) {
    const shortened = typeof options.python === 'string' ? options.python.replace(/^(\d+\.\d+)\.\d+$/, '$1') : '';
    const hint = typeof options.python === 'number' ? '; write it as a string, "3.10" (the number 3.10 is 3.1)' : shortened !== options.python && PYTHON_VERSIONS.includes(shortened) ? `; write the minor version, "${shortened}"` : '';
    issues.push({ path: 'python', message: `${showValue(options.python)} is not a Python version this package knows; known: ${PYTHON_VERSIONS.join(', ')}${hint}` });
  }
  if (options.cuda !== undefined && options.cuda !== null && options.cuda !== 'cpu') {
    const cuda = options.cuda as unknown;
    if (typeof cuda !== 'string' || !MINOR.test(cuda)) {
      const shortened = typeof cuda === 'string' ? cuda.replace(/^(\d+\.\d+)\.\d+$/, '$1') : '';
      const hint = typeof cuda === 'string' && cuda.toLowerCase() === 'cpu' ? '; write "cpu" in lower case' : shortened !== cuda && MINOR.test(shortened) ? `; write the minor version, "${shortened}"` : '';
      issues.push({ path: 'cuda', message: `${showValue(cuda)} is not a CUDA version; use "major.minor" such as "12.1", or null (or "cpu") for a CPU-only image${hint}` });
    } else if (!CUDA_VERSIONS.includes(cuda)) {
      issues.push({ path: 'cuda', message: `no framework release in the table is built for CUDA ${cuda}; known: ${joinWords(CUDA_VERSIONS, 'and')}${didYouMean(neighbours(cuda, CUDA_VERSIONS))}` });
    }
  }
  if (options.base !== undefined && options.base !== 'vertex-prebuilt' && options.base !== 'cuda') {
    const hint = typeof options.base === 'string' ? didYouMean(nearest(options.base, ['vertex-prebuilt', 'cuda'], { prebuilt: 'vertex-prebuilt', vertex: 'vertex-prebuilt', nvidia: 'cuda' })) : '';
    issues.push({ path: 'base', message: `${showValue(options.base)} is not a base; use "vertex-prebuilt" or "cuda"${hint}` });
  }
  if (options.prebuiltRegistry !== undefined && !Object.hasOwn(VERTEX_TRAINING_REGISTRIES, options.prebuiltRegistry)) {
    issues.push({ path: 'prebuiltRegistry', message: `${showValue(options.prebuiltRegistry)} is not a prebuilt image registry; use "us", "europe" or "asia"` });
  }
  if (options.date !== undefined && buildDay(options.date) === undefined) {
    const date = options.date as unknown;
    const day = typeof date === 'string' ? /^\d{4}-\d{2}-\d{2}(?=T)/.exec(date.trim())?.[0] : undefined;
    const hint = day !== undefined && buildDay(day) !== undefined ? `; write the day, "${day}"` : '';
    const shown = date instanceof Date ? 'an invalid Date' : showValue(date);
    issues.push({ path: 'date', message: `${shown} is not a day; use "YYYY-MM-DD" such as "2026-11-22", or a valid Date${hint}` });
  }
  return issues;
}

// Picks the one training stack (framework release, Python, CUDA, base image, pip lines) that satisfies every
// requested version, from the tables in python-training-stacks.ts, the way Replicate's Cog refuses a Python/CUDA/torch
// combination that cannot exist instead of letting the build (or the first training step) find out.
import { shellQuote } from '../gcloud/shell-quote.js';
import { ContainersError, throwIfIssues } from '../containers-error.js';
import {
  CPU_BASE_IMAGE,
  CUDA_BASE_IMAGES,
  FASTAI_RELEASES,
  FLAIR_RELEASES,
  PYTHON_VERSIONS,
  PYTORCH_RELEASES,
  PYTORCH_WHEEL_INDEX,
  TENSORFLOW_RELEASES,
  VERTEX_PREBUILT_TRAINING_IMAGES,
  VERTEX_TRAINING_REGISTRIES,
  type PyTorchRelease,
  type PythonTrainingFramework,
  type TensorFlowRelease,
  type TorchLibraryRelease,
  type VersionRange,
  type VertexPrebuiltTrainingImage,
} from './python-training-stacks.js';
import {
  CUDA_VERSIONS,
  FRAMEWORK_NAMES,
  buildDay,
  describePythonRange,
  findStackOptionIssues,
  inRange,
  matchReleases,
  releaseVersions,
  type PythonTrainingStackOptions,
} from './python-stack-options.js';
import { compareVersions, formatVersions, joinWords } from './version-text.js';

export type { PythonTrainingStackOptions } from './python-stack-options.js';

/** One `pip install` the image runs. */
export interface PipInstall {
  /** Requirement specifiers, each pinned (`torch==2.4.1`) or held to the base image's release line. */
  requirements: string[];
  /** The index that replaces PyPI for this install (PyTorch's CUDA or CPU wheels); absent for PyPI. */
  indexUrl?: string;
  /** The shell command, as the Dockerfile runs it. */
  command: string;
  /** Why this install looks the way it does, for a comment above it. */
  reason: string;
}

/** The resolved stack: what the image is built from and what it installs. */
export interface PythonTrainingStack {
  /** The framework asked for. */
  framework: PythonTrainingFramework;
  /** `PyTorch`, `TensorFlow`, `Flair`, `fastai`. */
  frameworkName: string;
  /** The release: a line for PyTorch and TensorFlow (`2.4`), the exact version for Flair and fastai (`2.7.19`). */
  frameworkVersion: string;
  /** The exact framework version installed; null when a Vertex AI prebuilt image brings it ("2.4.x, latest patch"). */
  frameworkPin: string | null;
  /** The PyTorch line underneath (PyTorch, Flair, fastai); null for TensorFlow. */
  torch: string | null;
  /** Python minor version. */
  python: string;
  /** CUDA version; `12.x` on prebuilt images (Vertex AI documents the major only); null for CPU images. */
  cuda: string | null;
  /** What the image starts from: a Vertex AI prebuilt image, NVIDIA's CUDA image, or plain Ubuntu for CPU. */
  base: 'vertex-prebuilt' | 'cuda' | 'ubuntu';
  /** The FROM image. */
  baseImage: string;
  /** Ubuntu release of the base image; null for prebuilt images, whose Ubuntu is not documented. */
  ubuntu: string | null;
  /** Whether the image installs Python itself (with uv); prebuilt images bring theirs. */
  installsPython: boolean;
  /** The framework installs, in order. */
  pipInstalls: PipInstall[];
  /** Requirements to repeat on every later pip install, so user requirements cannot swap the framework build. */
  holdRequirements: string[];
  /** Each option that was left out, with the value chosen and why: `python: 3.12 (newest PyTorch 2.4 supports)`. */
  defaulted: string[];
  /** Facts worth a comment in the Dockerfile. */
  notes: string[];
}

type Base = PythonTrainingStack['base'];

/** A framework release seen the same way for all four frameworks. */
interface ReleaseView {
  version: string;
  /** The release's own Python bound. */
  python: VersionRange;
  /** PyTorch and TensorFlow: their CUDA versions; libraries: none of their own (their torch line decides). */
  cuda: readonly string[] | null;
  pytorch?: PyTorchRelease;
  tensorflow?: TensorFlowRelease;
  library?: TorchLibraryRelease;
}

interface Candidate {
  release: ReleaseView;
  torch: PyTorchRelease | null;
  python: string;
  cuda: string | null;
  base: Base;
  prebuilt: VertexPrebuiltTrainingImage | null;
}

function rangeOf(versions: readonly string[]): VersionRange {
  return { min: versions[0] ?? '', max: versions.at(-1) ?? '' };
}

function releaseViews(framework: PythonTrainingFramework): ReleaseView[] {
  switch (framework) {
    case 'pytorch':
      return PYTORCH_RELEASES.map((release) => ({ version: release.version, python: rangeOf(release.python), cuda: release.cuda, pytorch: release }));
    case 'tensorflow':
      return TENSORFLOW_RELEASES.map((release) => ({ version: release.version, python: rangeOf(release.python), cuda: [release.cuda], tensorflow: release }));
    case 'flair':
    case 'fastai':
      return (framework === 'flair' ? FLAIR_RELEASES : FASTAI_RELEASES).map((release) => ({ version: release.version, python: release.python, cuda: null, library: release }));
  }
}

/** The PyTorch lines a release runs on (itself for PyTorch, its torch range for libraries, none for TensorFlow). */
function torchLines(release: ReleaseView, torch: string | undefined): PyTorchRelease[] {
  if (release.pytorch) return [release.pytorch];
  const library = release.library;
  if (!library) return [];
  return PYTORCH_RELEASES.filter((line) => inRange(line.version, library.torch) && (torch === undefined || line.version === torch));
}

/** Whether Vertex AI's end of availability for the image is before the build day (both `YYYY-MM-DD`). */
function expired(image: VertexPrebuiltTrainingImage, day: string): boolean {
  return image.endOfAvailability < day;
}

function prebuiltFor(framework: 'pytorch' | 'tensorflow', version: string, accelerator: 'gpu' | 'cpu'): VertexPrebuiltTrainingImage | undefined {
  return VERTEX_PREBUILT_TRAINING_IMAGES.find((image) => image.framework === framework && image.version === version && image.accelerator === accelerator);
}

/** What the request says about CUDA: any GPU build, CPU only, or one CUDA version. */
type CudaWish = { kind: 'gpu' } | { kind: 'cpu' } | { kind: 'version'; version: string };

function cudaWish(cuda: PythonTrainingStackOptions['cuda']): CudaWish {
  if (cuda === undefined) return { kind: 'gpu' };
  if (cuda === null || cuda === 'cpu') return { kind: 'cpu' };
  return { kind: 'version', version: cuda };
}

function candidates(options: PythonTrainingStackOptions, releases: ReleaseView[]): Candidate[] {
  const wish = cudaWish(options.cuda);
  const found: Candidate[] = [];
  for (const release of releases) {
    const lines: (PyTorchRelease | null)[] = release.tensorflow ? [null] : torchLines(release, options.torch);
    for (const torch of lines) {
      const supported = (torch?.python ?? release.tensorflow?.python ?? []).filter((python) => inRange(python, release.python));
      const pythons = supported.filter((python) => options.python === undefined || python === options.python);
      const cudas = torch?.cuda ?? release.cuda ?? [];
      if (options.base !== 'vertex-prebuilt') {
        const devices: (string | null)[] = wish.kind === 'cpu' ? [null] : cudas.filter((cuda) => wish.kind === 'gpu' || cuda === wish.version);
        for (const cuda of devices) {
          for (const python of pythons) found.push({ release, torch, python, cuda, base: cuda === null ? 'ubuntu' : 'cuda', prebuilt: null });
        }
      }
      // Vertex AI documents prebuilt GPU images by CUDA major only, so a requested CUDA minor rules them out.
      if (options.base !== 'cuda' && wish.kind !== 'version') {
        const image = prebuiltFor(torch ? 'pytorch' : 'tensorflow', torch?.version ?? release.version, wish.kind);
        if (image && pythons.includes(image.python)) found.push({ release, torch, python: image.python, cuda: image.cuda, base: 'vertex-prebuilt', prebuilt: image });
      }
    }
  }
  return found;
}

function rank(list: readonly string[], value: string | null | undefined): number {
  return value === null || value === undefined ? -1 : list.indexOf(value);
}

/** Newest release, newest torch line, the prebuilt image when base was left out, newest CUDA, newest Python. */
function best(found: Candidate[], options: PythonTrainingStackOptions): Candidate | undefined {
  const versions = releaseVersions(options.framework);
  const lines = PYTORCH_RELEASES.map((line) => line.version);
  const score = (candidate: Candidate): number[] => [
    rank(versions, candidate.release.version),
    rank(lines, candidate.torch?.version),
    options.base === undefined && candidate.prebuilt ? 1 : 0,
    candidate.prebuilt ? 0 : rank(CUDA_VERSIONS, candidate.cuda),
    rank(PYTHON_VERSIONS, candidate.python),
  ];
  return [...found].sort((a, b) => {
    const left = score(a);
    const right = score(b);
    for (let i = 0; i < left.length; i += 1) {
      const difference = (right[i] ?? 0) - (left[i] ?? 0);
      if (difference !== 0) return difference;
    }
    return 0;
  })[0];
}

/** The supported value closest to the requested one: the highest below it, else the lowest above it. */
function closest(supported: readonly string[], requested: string): string {
  const sorted = [...supported].sort(compareVersions);
  return [...sorted].reverse().find((value) => compareVersions(value, requested) < 0) ?? sorted[0] ?? '';
}

interface Mismatch {
  /** `PyTorch 2.1`, or `fastai 2.7.15 runs on PyTorch 2.1–2.3, which`. */
  subject: string;
  /** `supports` / `support`. */
  verb: string;
  /** `Python`, `CUDA`, `PyTorch`. */
  kind: string;
  supported: readonly string[];
  universe: readonly string[];
  /** Shown after the supported list: ` (torch>=1.10,<2.4)`. */
  aside?: string;
  requested: string;
  option: string;
  /** Releases that would take the requested value, and what they are called. */
  alternatives: readonly string[];
  alternativeName: string;
  alternativeUniverse: readonly string[];
}

function mismatchMessage(m: Mismatch): string {
  const supported = formatVersions(m.supported, m.universe, 'and');
  const instead = m.alternatives.length > 0 ? `, or ${m.alternativeName} ${formatVersions(m.alternatives, m.alternativeUniverse, 'or')} for ${m.kind} ${m.requested}` : '';
  return `${m.subject} ${m.verb} ${m.kind} ${supported}${m.aside ?? ''}, not ${m.requested}; use ${m.option}: "${closest(m.supported, m.requested)}"${instead}`;
}

function pythonsOf(release: ReleaseView, torch: string | undefined): string[] {
  const lines = release.tensorflow ? [release.tensorflow.python] : torchLines(release, torch).map((line) => line.python);
  return PYTHON_VERSIONS.filter((python) => inRange(python, release.python) && lines.some((list) => list.includes(python)));
}

function cudasOf(release: ReleaseView, torch: string | undefined): string[] {
  if (release.cuda) return [...release.cuda];
  return CUDA_VERSIONS.filter((cuda) => torchLines(release, torch).some((line) => line.cuda.includes(cuda)));
}

function incompatible(message: string): never {
  throw new ContainersError('INCOMPATIBLE_VERSIONS', message);
}

/** Why no candidate exists, in the words of the first requested version that cannot work; throws it. */
function explain(options: PythonTrainingStackOptions, all: ReleaseView[], chosen: ReleaseView[], day: string): never {
  const name = FRAMEWORK_NAMES[options.framework];
  const versions = all.map((release) => release.version);
  const lines = PYTORCH_RELEASES.map((line) => line.version);
  const newest = chosen.at(-1) ?? all.at(-1);
  if (!newest) return incompatible(`No ${name} release is in the table`);
  const pinned = options.frameworkVersion !== undefined;
  const wish = cudaWish(options.cuda);
  const wantsCuda = wish.kind === 'version' ? wish.version : undefined;
  const isLibrary = newest.library !== undefined;
  const torchWord = (release: ReleaseView): string => formatVersions(torchLines(release, undefined).map((line) => line.version), lines, 'and');

  // The framework release itself (and, for Flair and fastai, its own Python bound and torch range).
  const libraryPythonOk = (release: ReleaseView): boolean => options.python === undefined || inRange(options.python, release.python);
  if (options.python !== undefined && !chosen.some(libraryPythonOk)) {
    const supported = PYTHON_VERSIONS.filter((python) => inRange(python, newest.python));
    if (!pinned) incompatible(`No ${name} release in the table supports Python ${options.python}; the newest, ${name} ${newest.version}, supports Python ${describePythonRange(newest.python)}; use python: "${closest(supported, options.python)}"`);
    const alternatives = all.filter((release) => !chosen.includes(release) && libraryPythonOk(release) && pythonsOf(release, options.torch).includes(options.python ?? '') && (wantsCuda === undefined || cudasOf(release, options.torch).includes(wantsCuda)));
    if (isLibrary) {
      incompatible(`${name} ${newest.version} supports Python ${describePythonRange(newest.python)}, not ${options.python}; use python: "${closest(supported, options.python)}"${alternatives.length > 0 ? `, or ${name} ${formatVersions(alternatives.map((release) => release.version), versions, 'or')} for Python ${options.python}` : ''}`);
    }
  }
  if (isLibrary && options.torch !== undefined && !chosen.some((release) => inRange(options.torch ?? '', release.library?.torch ?? {}))) {
    const supported = torchLines(newest, undefined).map((line) => line.version);
    const alternatives = all.filter((release) => !chosen.includes(release) && inRange(options.torch ?? '', release.library?.torch ?? {}));
    if (!pinned) {
      incompatible(`No ${name} release in the table supports PyTorch ${options.torch}; the newest, ${name} ${newest.version}, supports PyTorch ${formatVersions(supported, lines, 'and')} (${newest.library?.torchRequirement ?? ''}); use torch: "${closest(supported, options.torch)}"`);
    }
    incompatible(
      mismatchMessage({
        subject: `${name} ${newest.version}`,
        verb: 'supports',
        kind: 'PyTorch',
        supported,
        universe: lines,
        aside: ` (${newest.library?.torchRequirement ?? ''})`,
        requested: options.torch,
        option: 'torch',
        alternatives: alternatives.map((release) => release.version),
        alternativeName: name,
        alternativeUniverse: versions,
      }),
    );
  }

  // Python and CUDA of the release (PyTorch, TensorFlow) or of the PyTorch lines under it (Flair, fastai).
  const checks: { kind: 'Python' | 'CUDA'; option: 'python' | 'cuda'; requested: string | undefined; of: (release: ReleaseView) => string[]; universe: readonly string[] }[] = [
    { kind: 'Python', option: 'python', requested: options.python, of: (release) => pythonsOf(release, options.torch), universe: PYTHON_VERSIONS },
    // CUDA versions are listed one by one: a range such as 12.6–12.9 would suggest builds for every version between.
    { kind: 'CUDA', option: 'cuda', requested: wantsCuda, of: (release) => cudasOf(release, options.torch), universe: [] },
  ];
  for (const check of checks) {
    const requested = check.requested;
    if (requested === undefined || chosen.some((release) => check.of(release).includes(requested))) continue;
    const other = check.kind === 'Python' ? checks[1] : checks[0];
    const otherRequested = other?.requested;

    // Flair or fastai with `torch` given: the PyTorch line is what fails, so name it and the lines that would work.
    if (isLibrary && options.torch !== undefined) {
      const holder = [...chosen].reverse().find((release) => torchLines(release, options.torch).length > 0) ?? newest;
      const supported = check.of(holder);
      const fits = (line: string, kind: 'Python' | 'CUDA', value: string): boolean =>
        chosen.some((release) => (kind === 'Python' ? pythonsOf(release, line) : cudasOf(release, line)).includes(value));
      const alternatives = lines.filter(
        (line) => line !== options.torch && fits(line, check.kind, requested) && (otherRequested === undefined || fits(line, other?.kind ?? check.kind, otherRequested)),
      );
      incompatible(
        mismatchMessage({
          subject: `${name} ${holder.version} on PyTorch ${options.torch}`,
          verb: 'supports',
          kind: check.kind,
          supported,
          universe: check.universe,
          requested,
          option: check.option,
          alternatives,
          alternativeName: 'PyTorch',
          alternativeUniverse: lines,
        }),
      );
    }

    const supported = check.of(newest);
    const usedLines = isLibrary ? torchWord(newest) : '';
    if (!pinned) {
      incompatible(`No ${name} release in the table supports ${check.kind} ${requested}; the newest, ${name} ${newest.version}${isLibrary ? ` (on PyTorch ${usedLines})` : ''}, supports ${check.kind} ${formatVersions(supported, check.universe, 'and')}; use ${check.option}: "${closest(supported, requested)}"`);
    }
    const alternatives = all
      .filter((release) => !chosen.includes(release) && check.of(release).includes(requested) && (otherRequested === undefined || other?.of(release).includes(otherRequested)))
      .map((release) => release.version);
    incompatible(
      mismatchMessage({
        subject: isLibrary ? `${name} ${newest.version} runs on PyTorch ${usedLines}, which` : `${name} ${newest.version}`,
        verb: isLibrary ? 'support' : 'supports',
        kind: check.kind,
        supported,
        universe: check.universe,
        requested,
        option: check.option,
        alternatives,
        alternativeName: name,
        alternativeUniverse: versions,
      }),
    );
  }

  // The prebuilt image, when it was asked for.
  if (options.base === 'vertex-prebuilt') {
    const accelerator = wish.kind === 'cpu' ? 'cpu' : 'gpu';
    const imageFramework = newest.tensorflow ? 'tensorflow' : 'pytorch';
    const imageName = FRAMEWORK_NAMES[imageFramework];
    const candidatesFor = chosen.flatMap((release) => (release.tensorflow ? [release.version] : torchLines(release, options.torch).map((line) => line.version)));
    const images = candidatesFor.map((version) => prebuiltFor(imageFramework, version, accelerator)).filter((image) => image !== undefined);
    const available = VERTEX_PREBUILT_TRAINING_IMAGES.filter((image) => image.framework === imageFramework && image.accelerator === accelerator).map((image) => image.version);
    const device = accelerator === 'gpu' ? 'GPU' : 'CPU';
    const newestImage = images.at(-1);
    if (!newestImage) {
      const wanted = isLibrary ? `PyTorch ${formatVersions(candidatesFor, lines, 'or')} (what ${name} ${newest.version} runs on${options.torch !== undefined ? ' with the torch asked for' : ''})` : `${name} ${newest.version}`;
      const fix = isLibrary ? `torch: "${available.at(-1) ?? ''}"` : `frameworkVersion: "${available.at(-1) ?? ''}"`;
      incompatible(`Vertex AI has no prebuilt ${device} training image for ${wanted}; its ${device} images carry ${imageName} ${formatVersions(available, imageFramework === 'pytorch' ? lines : versions, 'and')}; use base: "cuda", or ${fix}`);
    }
    // Every image that would match is past its end of availability on the build day: name the newest, and the
    // framework's images still served (for Flair and fastai, those on a PyTorch line the release allows).
    const image = images.filter((candidate) => !expired(candidate, day)).at(-1);
    if (!image) {
      const runsOn = (version: string): boolean => !isLibrary || chosen.some((release) => torchLines(release, undefined).some((line) => line.version === version));
      const others = VERTEX_PREBUILT_TRAINING_IMAGES.filter(
        (candidate) => candidate.framework === imageFramework && candidate.accelerator === accelerator && !expired(candidate, day) && runsOn(candidate.version),
      );
      const option = isLibrary ? 'torch' : 'frameworkVersion';
      const instead = others.length > 0 ? `, ${option}: ${joinWords(others.map((other) => `"${other.version}" for ${other.name} (available until ${other.endOfAvailability})`), 'or')}` : '';
      incompatible(
        `Vertex AI's prebuilt image ${newestImage.name} was available until ${newestImage.endOfAvailability} (the build date is ${day}); use base: "cuda" for the same stack on ${accelerator === 'gpu' ? 'nvidia/cuda' : 'ubuntu'}${instead}, or pass date: to build for an earlier day`,
      );
    }
    const label = `prebuilt ${imageName} ${image.version} ${device} image`;
    if (wantsCuda !== undefined) {
      incompatible(`Vertex AI documents its ${label} only as CUDA ${image.cuda ?? ''}, so it cannot promise cuda: "${wantsCuda}"; leave cuda out, or use base: "cuda"`);
    }
    if (options.python !== undefined && options.python !== image.python) {
      incompatible(`The Vertex AI ${label} runs Python ${image.python}, not ${options.python}; use python: "${image.python}", or base: "cuda"`);
    }
  }

  // Each value works alone but not together: say which releases each one needs.
  const needs: string[] = [];
  if (options.python !== undefined) needs.push(`Python ${options.python} needs ${name} ${formatVersions(all.filter((release) => pythonsOf(release, options.torch).includes(options.python ?? '')).map((release) => release.version), versions, 'or')}`);
  if (wantsCuda !== undefined) needs.push(`CUDA ${wantsCuda} needs ${name} ${formatVersions(all.filter((release) => cudasOf(release, options.torch).includes(wantsCuda)).map((release) => release.version), versions, 'or')}`);
  const asked = [
    options.frameworkVersion !== undefined ? `frameworkVersion "${options.frameworkVersion}"` : '',
    options.torch !== undefined ? `torch "${options.torch}"` : '',
    options.python !== undefined ? `python "${options.python}"` : '',
    options.cuda !== undefined ? `cuda ${options.cuda === null ? 'null' : `"${options.cuda}"`}` : '',
    options.base !== undefined ? `base "${options.base}"` : '',
  ].filter((text) => text !== '');
  return incompatible(`No ${name} release in the table fits ${joinWords(asked, 'and')}${needs.length > 0 ? `: ${needs.join('; ')}` : ''}; change one of them`);
}

function wheelIndex(cuda: string | null): string {
  return `${PYTORCH_WHEEL_INDEX}/${cuda === null ? 'cpu' : `cu${cuda.replace('.', '')}`}`;
}

function pip(reason: string, requirements: string[], indexUrl?: string): PipInstall {
  const command = `python -m pip install --no-cache-dir ${requirements.map(shellQuote).join(' ')}${indexUrl ? ` --index-url ${indexUrl}` : ''}`;
  return { requirements, ...(indexUrl ? { indexUrl } : {}), command, reason };
}

/** `torch>=2.4,<2.5`: the release line a prebuilt image carries, whatever its patch. */
function sameLine(distribution: string, line: string): string {
  const [major, minor] = line.split('.').map(Number);
  return `${distribution}>=${line},<${major ?? 0}.${(minor ?? 0) + 1}`;
}

/**
 * `passedOver`: the prebuilt image that would have been chosen had it still been available on the build day, for
 * saying why `base` defaulted to `cuda`.
 */
function stackFrom(candidate: Candidate, options: PythonTrainingStackOptions, passedOver: VertexPrebuiltTrainingImage | null): PythonTrainingStack {
  const { release, torch, prebuilt } = candidate;
  const name = FRAMEWORK_NAMES[options.framework];
  const registry = VERTEX_TRAINING_REGISTRIES[options.prebuiltRegistry ?? 'us'];
  const pipInstalls: PipInstall[] = [];
  const holdRequirements: string[] = [];
  const notes: string[] = [];
  let frameworkPin: string | null = null;

  if (prebuilt) {
    notes.push(`${registry}/${prebuilt.name}:latest carries ${FRAMEWORK_NAMES[prebuilt.framework]} ${prebuilt.version}.x (latest patch) and Python ${prebuilt.python}; Vertex AI lists it as available until ${prebuilt.endOfAvailability}.`);
    if (torch) holdRequirements.push(sameLine('torch', torch.version));
  } else if (torch) {
    const torchPins = [`torch==${torch.torch}`, `torchvision==${torch.torchvision}`];
    const build = candidate.cuda === null ? 'CPU' : `CUDA ${candidate.cuda}`;
    pipInstalls.push(pip(`PyTorch ${torch.torch} for ${build} comes from PyTorch's own wheel index, not PyPI.`, torchPins, wheelIndex(candidate.cuda)));
    holdRequirements.push(...torchPins);
    if (!release.library) frameworkPin = torch.torch;
  } else if (release.tensorflow) {
    const tensorflow = release.tensorflow;
    const spec = candidate.cuda !== null && tensorflow.andCuda ? `tensorflow[and-cuda]==${tensorflow.tensorflow}` : `tensorflow==${tensorflow.tensorflow}`;
    const reason =
      candidate.cuda === null
        ? `TensorFlow ${tensorflow.tensorflow} from PyPI; without a GPU it runs on the CPU.`
        : tensorflow.andCuda
          ? `TensorFlow ${tensorflow.tensorflow}; [and-cuda] brings the CUDA and cuDNN libraries it was built with (CUDA ${tensorflow.cuda}, cuDNN ${tensorflow.cudnn}) from PyPI.`
          : `TensorFlow ${tensorflow.tensorflow} from PyPI; it uses the CUDA and cuDNN of the base image.`;
    pipInstalls.push(pip(reason, [spec]));
    holdRequirements.push(spec);
    frameworkPin = tensorflow.tensorflow;
    if (candidate.cuda !== null && !tensorflow.andCuda) {
      notes.push(`TensorFlow ${tensorflow.version} predates tensorflow[and-cuda]: CUDA ${tensorflow.cuda} and cuDNN come from the base image (TensorFlow tested cuDNN ${tensorflow.cudnn}).`);
    }
  }
  if (release.library) {
    const pin = `${options.framework}==${release.library.version}`;
    const held = prebuilt ? `torch held to the image's PyTorch ${torch?.version ?? ''} line` : 'the PyTorch pins repeated';
    pipInstalls.push(pip(`${name} ${release.library.version} from PyPI, with ${held} so pip keeps that build.`, [pin, ...holdRequirements]));
    holdRequirements.push(pin);
    frameworkPin = release.library.version;
  }

  const baseImage = prebuilt
    ? `${registry}/${prebuilt.name}:latest`
    : candidate.cuda === null
      ? CPU_BASE_IMAGE.image
      : (CUDA_BASE_IMAGES.find((image) => image.cuda === candidate.cuda)?.image ?? '');
  const ubuntu = prebuilt ? null : candidate.cuda === null ? CPU_BASE_IMAGE.ubuntu : (CUDA_BASE_IMAGES.find((image) => image.cuda === candidate.cuda)?.ubuntu ?? null);

  const what = torch && release.library ? `${name} ${release.version} on PyTorch ${torch.version}` : `${name} ${release.version}`;
  const defaulted: string[] = [];
  if (options.frameworkVersion === undefined) defaulted.push(`frameworkVersion: ${release.version} (newest ${name} release that fits the other options)`);
  if (release.library && options.torch === undefined && torch) defaulted.push(`torch: ${torch.version} (newest PyTorch ${name} ${release.version} allows that fits the other options)`);
  if (options.python === undefined) defaulted.push(`python: ${candidate.python} (${prebuilt ? "the Vertex AI prebuilt image's" : `newest Python ${what} supports`})`);
  if (options.cuda === undefined) defaulted.push(`cuda: ${candidate.cuda ?? 'null'} (${prebuilt ? "the Vertex AI prebuilt image's, documented by major version only" : `newest CUDA ${what} supports`})`);
  if (options.base === undefined) {
    const why = prebuilt
      ? 'vertex-prebuilt (a Vertex AI prebuilt image matches the other options)'
      : passedOver
        ? `cuda (the Vertex AI prebuilt image ${passedOver.name} was available until ${passedOver.endOfAvailability})`
        : 'cuda (no Vertex AI prebuilt image matches the other options)';
    defaulted.push(`base: ${why}`);
  }

  return {
    framework: options.framework,
    frameworkName: name,
    frameworkVersion: release.version,
    frameworkPin,
    torch: torch?.version ?? null,
    python: candidate.python,
    cuda: candidate.cuda,
    base: candidate.base,
    baseImage,
    ubuntu,
    installsPython: !prebuilt,
    pipInstalls,
    holdRequirements,
    defaulted,
    notes,
  };
}

/**
 * The training stack for a framework: which release, Python and CUDA, which image to start from, and the pinned
 * `pip install` lines (PyTorch from its own CUDA or CPU wheel index, TensorFlow with `[and-cuda]`, Flair and fastai
 * from PyPI on top of a PyTorch their release declares it supports).
 *
 * Every option left out takes the newest value that still fits the others: the newest framework release, then (for
 * Flair and fastai) the newest PyTorch line the release allows, then the newest CUDA, then the newest Python. When
 * `base` is left out and a Vertex AI prebuilt training image fits every given option, that image is used, and its
 * Python and CUDA are taken as they are. `stack.defaulted` says which values were chosen this way.
 *
 * A prebuilt image past its end of availability on the build day (`date`, default today) is never used: with `base`
 * left out the stack is built on `nvidia/cuda` (Ubuntu for CPU) instead, and `stack.defaulted` names the image and
 * its end date; with `base: 'vertex-prebuilt'` the newest prebuilt image still available that fits is used, and
 * when none is, `INCOMPATIBLE_VERSIONS` names the expired image, its end date and the fix.
 *
 * @throws ContainersError `INVALID_OPTIONS` when an option is unknown or malformed (each issue names the option,
 *   the known values and the likely intended one), or `INCOMPATIBLE_VERSIONS` when the versions asked for cannot work
 *   together; the message names them and the versions that do work, e.g. `PyTorch 2.1 supports CUDA 11.8 and 12.1,
 *   not 12.4; use cuda: "12.1", or PyTorch 2.4–2.6 for CUDA 12.4`, or `Vertex AI's prebuilt image
 *   pytorch-gpu.2-4.py310 was available until 2026-07-24 (the build date is 2026-11-22); use base: "cuda" for the same
 *   stack on nvidia/cuda, or pass date: to build for an earlier day`.
 */
export function resolvePythonTrainingStack(options: PythonTrainingStackOptions): PythonTrainingStack {
  throwIfIssues('resolvePythonTrainingStack', findStackOptionIssues(options));
  const all = releaseViews(options.framework);
  const matched = options.frameworkVersion === undefined ? undefined : matchReleases(options.framework, options.frameworkVersion);
  const chosen = matched === undefined ? all : all.filter((release) => matched.includes(release.version));
  const day = buildDay(options.date) ?? '';
  const found = candidates(options, chosen);
  const chosenOne = best(
    found.filter((candidate) => !candidate.prebuilt || !expired(candidate.prebuilt, day)),
    options,
  );
  if (!chosenOne) return explain(options, all, chosen, day);
  // With base left out, the candidate that would have won had no image expired: an expired prebuilt one is the reason
  // the stack is on CUDA.
  const unexpired = options.base === undefined ? best(found, options)?.prebuilt : undefined;
  return stackFrom(chosenOne, options, unexpired && expired(unexpired, day) ? unexpired : null);
}

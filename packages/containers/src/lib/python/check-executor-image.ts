// A Python package job's executor image checked against the prebuilt training images this package knows: Vertex AI
// only runs a pythonPackageSpec in one of its own images, under `:latest`, until the image's end of availability,
// and a CPU-only image has no CUDA for an accelerator.
import { throwIfIssues } from '../containers-error.js';
import { VERTEX_PREBUILT_TRAINING_IMAGES, VERTEX_TRAINING_REGISTRIES, type VertexPrebuiltTrainingImage } from './python-training-stacks.js';
import { buildDay } from './python-stack-options.js';
import { compareVersions } from './version-text.js';

/** Options of {@link checkExecutorImage}. */
export interface CheckExecutorImageOptions {
  /** The pool's `executorImageUri` (gcloud's `executor-image-uri`). */
  imageUri: string;
  /** The pool's accelerator (`NVIDIA_TESLA_T4`); absent or `ACCELERATOR_TYPE_UNSPECIFIED` for none. */
  acceleratorType?: string;
  /** The day the job is to run, `2026-11-22` or a Date (its UTC day). Default: today. */
  date?: Date | string;
}

/** What {@link checkExecutorImage} found. */
export interface ExecutorImageCheck {
  /** The catalogue's entry for the image, when it names one. */
  image?: VertexPrebuiltTrainingImage;
  /** What is wrong with the image for this pool on that day, with the fix; undefined when it is fine. */
  problem?: string;
  /** The nearest image that is valid for the pool on that day, as a full URI, when there is one. */
  suggestion?: string;
}

const URI = /^(?<host>[a-z0-9.-]+)\/(?<path>[^:@\s]+?)(?::(?<tag>[\w][\w.-]*))?(?:@(?<digest>sha256:[a-f0-9]{64}))?$/;
const NAME = /^(?<kind>tf|pytorch)-(?<device>cpu|gpu|xla)\.(?<major>\d+)-(?<minor>\d+)(?:\.py(?<py>\d+))?$/;

const uriOf = (registry: string, image: VertexPrebuiltTrainingImage): string => `${registry}/${image.name}:latest`;

/** The images valid on `day` for the pool's device, nearest to `version` first (the newer of two equally near). */
function nearestValid(framework: 'pytorch' | 'tensorflow' | undefined, version: string | undefined, gpu: boolean | undefined, day: string): VertexPrebuiltTrainingImage[] {
  const distance = (image: VertexPrebuiltTrainingImage): number => {
    if (version === undefined) return 0;
    const [major = 0, minor = 0] = image.version.split('.').map(Number);
    const [wantedMajor = 0, wantedMinor = 0] = version.split('.').map(Number);
    return Math.abs(major * 100 + minor - (wantedMajor * 100 + wantedMinor));
  };
  return VERTEX_PREBUILT_TRAINING_IMAGES.filter(
    (image) => image.endOfAvailability >= day && (framework === undefined || image.framework === framework) && (gpu === undefined || (image.accelerator === 'gpu') === gpu),
  ).sort((a, b) => distance(a) - distance(b) || compareVersions(b.version, a.version));
}

/**
 * Checks a Python package job's executor image against Vertex AI's prebuilt training images (the catalogue of
 * {@link VERTEX_PREBUILT_TRAINING_IMAGES}): it must be one of them (`<us|europe|asia>-docker.pkg.dev/vertex-ai/training/
 * <name>:latest`), still available on `date`, and a GPU image when the pool has an accelerator. A problem comes with
 * the nearest image that is valid for the pool on that day, or, when the catalogue has none left (every image past
 * its end of availability), with the way out: your own image (`renderPythonTrainingImage` with `base: "cuda"`) as a
 * container, or an earlier `date`.
 *
 * @example
 * ```ts
 * checkExecutorImage({ imageUri: 'us-docker.pkg.dev/vertex-ai/training/tf-cpu.2-13.py310:latest', acceleratorType: 'NVIDIA_TESLA_T4', date: '2025-06-01' }).problem;
 * // 'tf-cpu.2-13.py310 is a CPU-only image, but the pool has NVIDIA_TESLA_T4; use us-docker.pkg.dev/vertex-ai/training/tf-gpu.2-13.py310:latest'
 * ```
 * @throws ContainersError `INVALID_OPTIONS` when `imageUri` is not a string or `date` is not a day
 */
export function checkExecutorImage(options: CheckExecutorImageOptions): ExecutorImageCheck {
  const day = buildDay(options.date);
  throwIfIssues('checkExecutorImage', [
    ...(typeof options.imageUri !== 'string' || options.imageUri.trim() === '' ? [{ path: 'imageUri', message: 'give the executor image URI, e.g. us-docker.pkg.dev/vertex-ai/training/tf-cpu.2-17.py310:latest' }] : []),
    ...(day === undefined ? [{ path: 'date', message: `${JSON.stringify(options.date)} is not a day; give YYYY-MM-DD or a Date` }] : []),
  ]);
  const today = day ?? '';
  const accelerator = options.acceleratorType && options.acceleratorType !== 'ACCELERATOR_TYPE_UNSPECIFIED' ? options.acceleratorType : undefined;
  const parts = URI.exec(options.imageUri.trim())?.groups ?? {};
  const registry = Object.values(VERTEX_TRAINING_REGISTRIES).find((candidate) => `${parts.host ?? ''}/${(parts.path ?? '').split('/').slice(0, -1).join('/')}` === candidate);
  const name = (parts.path ?? '').split('/').at(-1) ?? '';
  const image = registry ? VERTEX_PREBUILT_TRAINING_IMAGES.find((candidate) => candidate.name === name) : undefined;
  const guess = NAME.exec(name)?.groups;
  const framework = image?.framework ?? (guess ? (guess.kind === 'tf' ? 'tensorflow' : 'pytorch') : undefined);
  const version = image?.version ?? (guess ? `${guess.major}.${guess.minor}` : undefined);
  const wantsGpu = accelerator !== undefined ? true : image ? image.accelerator === 'gpu' : guess ? guess.device === 'gpu' : undefined;
  const home = registry ?? VERTEX_TRAINING_REGISTRIES.us;
  const valid = nearestValid(framework, version, wantsGpu, today);
  const nearest = valid[0];
  const suggestion = nearest ? uriOf(home, nearest) : undefined;
  const noneLeft = (): string => {
    const kind = `${framework ? `${framework === 'tensorflow' ? 'TensorFlow' : 'PyTorch'} ` : ''}${wantsGpu === undefined ? '' : wantsGpu ? 'GPU ' : 'CPU '}`;
    const latest = VERTEX_PREBUILT_TRAINING_IMAGES.filter(
      (candidate) => (framework === undefined || candidate.framework === framework) && (wantsGpu === undefined || (candidate.accelerator === 'gpu') === wantsGpu),
    ).sort((a, b) => b.endOfAvailability.localeCompare(a.endOfAvailability))[0];
    return `no ${kind}prebuilt training image this package knows is available on ${today}${latest ? ` (the last, ${latest.name}, was until ${latest.endOfAvailability})` : ''}: build your own image (renderPythonTrainingImage with base: "cuda", or output-image-uri) and run it as a container, or check for a day when the image was available (date)`;
  };
  const withSuggestion = (message: string): ExecutorImageCheck => ({ ...(image ? { image } : {}), problem: `${message}; ${suggestion ? `use ${suggestion}` : noneLeft()}`, ...(suggestion ? { suggestion } : {}) });

  if (!registry) {
    return withSuggestion(
      `${options.imageUri} is not a Vertex AI prebuilt training image, which an executor image must be (${Object.values(VERTEX_TRAINING_REGISTRIES).join(', ')}/<name>:latest; your own image runs as container-image-uri)`,
    );
  }
  if (!image) {
    const known = VERTEX_PREBUILT_TRAINING_IMAGES.filter((candidate) => framework === undefined || candidate.framework === framework).map((candidate) => candidate.name);
    return withSuggestion(`${name} is not a prebuilt training image this package knows (it knows ${known.join(', ')})`);
  }
  if (image.endOfAvailability < today) {
    return withSuggestion(`${image.name} was available until ${image.endOfAvailability} (the job is for ${today}), and Vertex AI no longer runs it`);
  }
  if (image.accelerator === 'cpu' && accelerator !== undefined) {
    return withSuggestion(`${image.name} is a CPU-only image, but the pool has ${accelerator}`);
  }
  if (parts.digest === undefined && parts.tag !== 'latest') {
    const fixed = uriOf(registry, image);
    return { image, problem: `${parts.tag === undefined ? 'has no tag' : `has the tag ${parts.tag}`}; Vertex AI serves its prebuilt images as :latest only: use ${fixed}`, suggestion: fixed };
  }
  return { image };
}

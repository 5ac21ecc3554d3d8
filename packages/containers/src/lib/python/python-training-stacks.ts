// What each training framework release runs on: Python versions, CUDA versions, the wheels that carry them, the
// Vertex AI prebuilt training images and the CUDA base images to build on. resolvePythonTrainingStack() reads only
// this file, so a new release is one entry here (and a test run).
//
// Every fact below was checked against the source named above its section, as found in stored copies of those pages
// (no live fetch). What could not be checked is either left out or marked UNVERIFIED where it stands. The table
// keeps the releases people train with today, not every release ever made.

/** The training frameworks a Python training image can be built for. */
export type PythonTrainingFramework = 'pytorch' | 'tensorflow' | 'flair' | 'fastai';

/** A Python or library version range: `min` and `max` included, `below` excluded; a missing end is open. */
export interface VersionRange {
  readonly min?: string;
  readonly max?: string;
  readonly below?: string;
}

/** Python minor versions the table speaks of, oldest first. */
export const PYTHON_VERSIONS: readonly string[] = ['3.8', '3.9', '3.10', '3.11', '3.12', '3.13', '3.14'];

// ---------------------------------------------------------------------------------------------------------------
// PyTorch
//
// Python and CUDA per release: the Release Compatibility Matrix in PyTorch's RELEASE.md,
//   https://github.com/pytorch/pytorch/blob/main/RELEASE.md#release-compatibility-matrix
// Pinned torch / torchvision pairs and the wheel index per CUDA version (`--index-url .../cu121`, `.../cpu`): the
// install commands of https://pytorch.org/get-started/previous-versions/ (2.1.2 through 2.10.0).
//
// Choices and gaps:
// - Python versions the matrix marks experimental (3.12 for 2.2/2.3, 3.13 for 2.5, free-threaded builds) are left
//   out. For 2.13 and 2.14 the matrix lists `<=(3.15, 3.15t experimental)`; Python 3.15 was still a pre-release when
//   those shipped, so the table stops at 3.14 for them (a judgment, not a quoted fact).
// - CUDA versions are those with a wheel index on the previous-versions page, which includes the matrix's
//   "experimental" builds (12.4 for 2.4, 12.6 for 2.6, 12.8 for 2.7, 12.9 for 2.8, 13.0 for 2.9/2.10). For 2.11–2.14,
//   which the stored copy of that page predates, the table takes the matrix's stable CUDA versions only; their
//   `torch==… torchvision==…` pairs (2.11.0/0.26.0, 2.12.0/0.27.0, 2.13.0/0.28.0, 2.14.0/0.29.0) and indexes are
//   UNVERIFIED against pytorch.org itself: they are seen in many public install scripts, not on the official page.
// - The stored copy of the 2.4.1 section was cut after its CUDA 11.8 line; its cu121 and cu124 wheels are taken from
//   the same page's conda lines and the matrix (12.4 listed as experimental).
// - torchaudio is not pinned: tutorials that need it add it to `packages`.

/** Where PyTorch's CUDA and CPU wheels live: `${PYTORCH_WHEEL_INDEX}/cu121`, `${PYTORCH_WHEEL_INDEX}/cpu`. */
export const PYTORCH_WHEEL_INDEX = 'https://download.pytorch.org/whl';

/** One PyTorch release line and what it runs on. */
export interface PyTorchRelease {
  /** The release line, `2.6`: what `frameworkVersion` (or `torch` for Flair and fastai) names. */
  readonly version: string;
  /** The `torch` version installed for the line. */
  readonly torch: string;
  /** The `torchvision` version built against it. */
  readonly torchvision: string;
  /** Python versions with wheels, oldest first. */
  readonly python: readonly string[];
  /** CUDA versions with a wheel index (`${PYTORCH_WHEEL_INDEX}/cu<major><minor>`), oldest first. Every release also has `/cpu`. */
  readonly cuda: readonly string[];
}

/** Python versions from `min` to `max`, both included. */
function pythons(min: string, max: string): readonly string[] {
  return PYTHON_VERSIONS.slice(PYTHON_VERSIONS.indexOf(min), PYTHON_VERSIONS.indexOf(max) + 1);
}

/** PyTorch releases, oldest first. */
export const PYTORCH_RELEASES: readonly PyTorchRelease[] = [
  { version: '2.1', torch: '2.1.2', torchvision: '0.16.2', python: pythons('3.8', '3.11'), cuda: ['11.8', '12.1'] },
  { version: '2.2', torch: '2.2.2', torchvision: '0.17.2', python: pythons('3.8', '3.11'), cuda: ['11.8', '12.1'] },
  { version: '2.3', torch: '2.3.1', torchvision: '0.18.1', python: pythons('3.8', '3.11'), cuda: ['11.8', '12.1'] },
  { version: '2.4', torch: '2.4.1', torchvision: '0.19.1', python: pythons('3.8', '3.12'), cuda: ['11.8', '12.1', '12.4'] },
  { version: '2.5', torch: '2.5.1', torchvision: '0.20.1', python: pythons('3.9', '3.12'), cuda: ['11.8', '12.1', '12.4'] },
  { version: '2.6', torch: '2.6.0', torchvision: '0.21.0', python: pythons('3.9', '3.13'), cuda: ['11.8', '12.4', '12.6'] },
  { version: '2.7', torch: '2.7.1', torchvision: '0.22.1', python: pythons('3.9', '3.13'), cuda: ['11.8', '12.6', '12.8'] },
  { version: '2.8', torch: '2.8.0', torchvision: '0.23.0', python: pythons('3.9', '3.13'), cuda: ['12.6', '12.8', '12.9'] },
  { version: '2.9', torch: '2.9.1', torchvision: '0.24.1', python: pythons('3.10', '3.14'), cuda: ['12.6', '12.8', '13.0'] },
  { version: '2.10', torch: '2.10.0', torchvision: '0.25.0', python: pythons('3.10', '3.14'), cuda: ['12.6', '12.8', '13.0'] },
  { version: '2.11', torch: '2.11.0', torchvision: '0.26.0', python: pythons('3.10', '3.14'), cuda: ['12.6', '12.8', '13.0'] },
  { version: '2.12', torch: '2.12.0', torchvision: '0.27.0', python: pythons('3.10', '3.14'), cuda: ['12.6', '13.0'] },
  { version: '2.13', torch: '2.13.0', torchvision: '0.28.0', python: pythons('3.10', '3.14'), cuda: ['12.6', '13.0'] },
  { version: '2.14', torch: '2.14.0', torchvision: '0.29.0', python: pythons('3.10', '3.14'), cuda: ['12.6', '13.0', '13.2'] },
];

// ---------------------------------------------------------------------------------------------------------------
// TensorFlow
//
// Python, cuDNN and CUDA per release: "Tested build configurations", Linux GPU table,
//   https://www.tensorflow.org/install/source#gpu
// (rows 2.13.0–2.17.0 seen in several copies of the page; the 2.18.0 row in one copy only).
// The `tensorflow[and-cuda]` extra installs the NVIDIA CUDA and cuDNN libraries from PyPI with the wheel
// (https://www.tensorflow.org/install/pip). It first shipped with 2.14 (as the rstudio/tensorflow 2.14.0 release notes
// describe: "automatically install the required Nvidia CUDA runtime as a pip package"); 2.13 and older need CUDA and
// cuDNN from the base image, which is why 2.13 builds on a `cudnn8` image below.
// Patch versions (2.13.1, 2.14.1, 2.15.1, 2.16.2, 2.17.1, 2.18.1) are the last patch of each line as installed by
// public projects; the tested-build table names the .0 releases.
// 2.19 and 2.20 exist but their tested-build rows were not in the stored copies: UNVERIFIED, so left out.

/** One TensorFlow release line and what it was built and tested with. */
export interface TensorFlowRelease {
  /** The release line, `2.15`. */
  readonly version: string;
  /** The `tensorflow` version installed for the line. */
  readonly tensorflow: string;
  /** Python versions it was tested with, oldest first. */
  readonly python: readonly string[];
  /** The one CUDA version the release was built and tested with. */
  readonly cuda: string;
  /** The cuDNN version it was built and tested with. */
  readonly cudnn: string;
  /** Whether `tensorflow[and-cuda]` brings CUDA and cuDNN from PyPI (2.14 and later). */
  readonly andCuda: boolean;
}

/** TensorFlow releases, oldest first. */
export const TENSORFLOW_RELEASES: readonly TensorFlowRelease[] = [
  // The tensorflow-2.12.0 row of the same table as remembered, not found in a stored copy: UNVERIFIED. Kept for the
  // prebuilt tf-*.2-12.py310 images below, which jobs from 2023 still name.
  { version: '2.12', tensorflow: '2.12.1', python: pythons('3.8', '3.11'), cuda: '11.8', cudnn: '8.6', andCuda: false },
  { version: '2.13', tensorflow: '2.13.1', python: pythons('3.8', '3.11'), cuda: '11.8', cudnn: '8.6', andCuda: false },
  { version: '2.14', tensorflow: '2.14.1', python: pythons('3.9', '3.11'), cuda: '11.8', cudnn: '8.7', andCuda: true },
  { version: '2.15', tensorflow: '2.15.1', python: pythons('3.9', '3.11'), cuda: '12.2', cudnn: '8.9', andCuda: true },
  { version: '2.16', tensorflow: '2.16.2', python: pythons('3.9', '3.12'), cuda: '12.3', cudnn: '8.9', andCuda: true },
  { version: '2.17', tensorflow: '2.17.1', python: pythons('3.9', '3.12'), cuda: '12.3', cudnn: '8.9', andCuda: true },
  { version: '2.18', tensorflow: '2.18.1', python: pythons('3.9', '3.12'), cuda: '12.5', cudnn: '9.3', andCuda: true },
];

// ---------------------------------------------------------------------------------------------------------------
// Libraries on top of PyTorch: Flair and fastai. Each records the torch range its release declares and its own Python
// bound; the PyTorch line underneath then brings its own Python and CUDA ranges.

/** A library release that runs on PyTorch. */
export interface TorchLibraryRelease {
  /** The exact release, `2.7.19`: what gets pinned. */
  readonly version: string;
  /** The torch versions it declares (`min` included, `below` excluded), compared by release line. */
  readonly torch: VersionRange;
  /** Its torch requirement as the package writes it, for messages: `torch>=1.10,<2.7`. */
  readonly torchRequirement: string;
  /** Its own Python bound; `{}` when the sources found state none beyond PyTorch's. */
  readonly python: VersionRange;
}

// Flair (https://github.com/flairNLP/flair).
// - 0.13.1: `python_requires=">=3.8"` in its setup.py at that version. Its torch requirement `torch>=1.5.0,!=1.8` is
//   that of flair's requirements.txt in the 0.12/0.13 era as stored (not tied to the 0.13.1 tag): UNVERIFIED for
//   0.13.1 exactly. Every PyTorch line in this table (2.1+) satisfies it.
// - 0.15.1: Python >=3.9 per its PyPI metadata as quoted by a package guide (not PyPI itself): UNVERIFIED at the source.
//   Its torch lower bound was not found: UNVERIFIED, recorded as open. Public projects run it on torch 2.3–2.10.
// - 0.14.0 is left out: its requirements were not found.
/** Flair releases, oldest first. */
export const FLAIR_RELEASES: readonly TorchLibraryRelease[] = [
  { version: '0.13.1', torch: { min: '1.5' }, torchRequirement: 'torch>=1.5.0,!=1.8', python: { min: '3.8' } },
  { version: '0.15.1', torch: {}, torchRequirement: 'torch (no bound found)', python: { min: '3.9' } },
];

// fastai (https://github.com/fastai/fastai, `pip_requirements` in settings.ini). The torch ranges are pip's own words
// when a resolver met the published metadata: "fastai 2.7.15 requires torch<2.4,>=1.10", "fastai 2.7.19 requires
// torch<2.7,>=1.10", "fastai 2.8.4 requires torch<2.9". fastai's Python bound per release was not found (2.8.7 is
// said to need Python >=3.10; it is left out with the rest of 2.8.5+ whose torch range was not found): UNVERIFIED, so
// only PyTorch's Python range applies.
/** fastai releases, oldest first. */
export const FASTAI_RELEASES: readonly TorchLibraryRelease[] = [
  { version: '2.7.15', torch: { min: '1.10', below: '2.4' }, torchRequirement: 'torch>=1.10,<2.4', python: {} },
  { version: '2.7.19', torch: { min: '1.10', below: '2.7' }, torchRequirement: 'torch>=1.10,<2.7', python: {} },
  { version: '2.8.4', torch: { below: '2.9' }, torchRequirement: 'torch<2.9', python: {} },
];

// ---------------------------------------------------------------------------------------------------------------
// Vertex AI prebuilt training images
//
// "Supported frameworks for custom training" (the list behind "Prebuilt containers for custom training"),
//   https://docs.cloud.google.com/gemini-enterprise-agent-platform/machine-learning/supported-frameworks
// (Vertex AI's page, stored under its new address; it is what
// https://cloud.google.com/vertex-ai/docs/training/pre-built-containers lists).
// Each image is published under us-, europe- and asia-docker.pkg.dev/vertex-ai/training, with the `:latest` tag only
// ("Using image names without the latest tag isn't supported"). The page gives CUDA as a major version only
// ("GPU (CUDA 12.x)"), the framework as "2.4.x (latest patch)", and Python 3.10 for every image below. PyTorch's
// CPU image is the `pytorch-xla` one, listed as "CPU only". Ubuntu versions are not documented.
// TensorFlow 2.12 (Python 3.10, CUDA 11.x, available until 2025-06-30) is from a stored copy of the "Supported
// frameworks" list of the same docs. Older images (TensorFlow before 2.12, PyTorch before 2.1, `py37` variants) and
// TPU images are left out.

/** A Vertex AI prebuilt training image. */
export interface VertexPrebuiltTrainingImage {
  /** `pytorch` or `tensorflow`: Flair and fastai install on top of the PyTorch images. */
  readonly framework: 'pytorch' | 'tensorflow';
  /** Release line of the framework inside, `2.4`; the image carries its latest patch. */
  readonly version: string;
  /** `gpu` or `cpu`. */
  readonly accelerator: 'gpu' | 'cpu';
  /** CUDA as documented: the major version only (`12.x`); null for CPU images. */
  readonly cuda: string | null;
  /** The image's Python. */
  readonly python: string;
  /** Image name under `<region>-docker.pkg.dev/vertex-ai/training/`, without the tag. */
  readonly name: string;
  /**
   * "End of availability" date on the page (ISO), after which Vertex AI may stop serving the image. A build dated
   * after it (`date` of the stack options, default today) does not use the image.
   */
  readonly endOfAvailability: string;
}

/** The Artifact Registry hosts that serve the prebuilt images. */
export const VERTEX_TRAINING_REGISTRIES = {
  us: 'us-docker.pkg.dev/vertex-ai/training',
  europe: 'europe-docker.pkg.dev/vertex-ai/training',
  asia: 'asia-docker.pkg.dev/vertex-ai/training',
} as const;

/** Vertex AI prebuilt training images, oldest release first. */
export const VERTEX_PREBUILT_TRAINING_IMAGES: readonly VertexPrebuiltTrainingImage[] = [
  { framework: 'pytorch', version: '2.1', accelerator: 'gpu', cuda: '12.x', python: '3.10', name: 'pytorch-gpu.2-1.py310', endOfAvailability: '2025-10-04' },
  { framework: 'pytorch', version: '2.1', accelerator: 'cpu', cuda: null, python: '3.10', name: 'pytorch-xla.2-1.py310', endOfAvailability: '2025-10-04' },
  { framework: 'pytorch', version: '2.2', accelerator: 'gpu', cuda: '12.x', python: '3.10', name: 'pytorch-gpu.2-2.py310', endOfAvailability: '2026-01-30' },
  { framework: 'pytorch', version: '2.2', accelerator: 'cpu', cuda: null, python: '3.10', name: 'pytorch-xla.2-2.py310', endOfAvailability: '2026-10-23' },
  { framework: 'pytorch', version: '2.3', accelerator: 'gpu', cuda: '12.x', python: '3.10', name: 'pytorch-gpu.2-3.py310', endOfAvailability: '2026-04-24' },
  { framework: 'pytorch', version: '2.3', accelerator: 'cpu', cuda: null, python: '3.10', name: 'pytorch-xla.2-3.py310', endOfAvailability: '2026-04-24' },
  { framework: 'pytorch', version: '2.4', accelerator: 'gpu', cuda: '12.x', python: '3.10', name: 'pytorch-gpu.2-4.py310', endOfAvailability: '2026-07-24' },
  { framework: 'pytorch', version: '2.4', accelerator: 'cpu', cuda: null, python: '3.10', name: 'pytorch-xla.2-4.py310', endOfAvailability: '2026-07-24' },
  { framework: 'tensorflow', version: '2.12', accelerator: 'gpu', cuda: '11.x', python: '3.10', name: 'tf-gpu.2-12.py310', endOfAvailability: '2025-06-30' },
  { framework: 'tensorflow', version: '2.12', accelerator: 'cpu', cuda: null, python: '3.10', name: 'tf-cpu.2-12.py310', endOfAvailability: '2025-06-30' },
  { framework: 'tensorflow', version: '2.13', accelerator: 'gpu', cuda: '11.x', python: '3.10', name: 'tf-gpu.2-13.py310', endOfAvailability: '2025-07-05' },
  { framework: 'tensorflow', version: '2.13', accelerator: 'cpu', cuda: null, python: '3.10', name: 'tf-cpu.2-13.py310', endOfAvailability: '2025-07-05' },
  { framework: 'tensorflow', version: '2.14', accelerator: 'gpu', cuda: '11.x', python: '3.10', name: 'tf-gpu.2-14.py310', endOfAvailability: '2025-09-26' },
  { framework: 'tensorflow', version: '2.14', accelerator: 'cpu', cuda: null, python: '3.10', name: 'tf-cpu.2-14.py310', endOfAvailability: '2025-09-26' },
  { framework: 'tensorflow', version: '2.15', accelerator: 'gpu', cuda: '12.x', python: '3.10', name: 'tf-gpu.2-15.py310', endOfAvailability: '2025-11-14' },
  { framework: 'tensorflow', version: '2.15', accelerator: 'cpu', cuda: null, python: '3.10', name: 'tf-cpu.2-15.py310', endOfAvailability: '2025-11-14' },
  { framework: 'tensorflow', version: '2.16', accelerator: 'gpu', cuda: '12.x', python: '3.10', name: 'tf-gpu.2-16.py310', endOfAvailability: '2026-06-28' },
  { framework: 'tensorflow', version: '2.16', accelerator: 'cpu', cuda: null, python: '3.10', name: 'tf-cpu.2-16.py310', endOfAvailability: '2026-06-28' },
  { framework: 'tensorflow', version: '2.17', accelerator: 'gpu', cuda: '12.x', python: '3.10', name: 'tf-gpu.2-17.py310', endOfAvailability: '2026-07-11' },
  { framework: 'tensorflow', version: '2.17', accelerator: 'cpu', cuda: null, python: '3.10', name: 'tf-cpu.2-17.py310', endOfAvailability: '2026-07-11' },
];

// ---------------------------------------------------------------------------------------------------------------
// Base images to build on when no prebuilt image fits
//
// NVIDIA's CUDA images, https://hub.docker.com/r/nvidia/cuda (tags as used by public Dockerfiles; the tag names the
// Ubuntu release). One image per CUDA version in the tables above. The wheels bring their own CUDA libraries (PyTorch's
// through its nvidia-* dependencies, TensorFlow's through `[and-cuda]`); the image supplies the environment the NVIDIA
// container toolkit expects and, for TensorFlow 2.13, CUDA and cuDNN themselves. A `cudnn-runtime` image is used where
// one was found; for CUDA 13.2 only `base` and `devel` tags were found, so 13.2 uses `base`.
// CPU images build on plain Ubuntu, https://hub.docker.com/_/ubuntu.
// uv supplies Python on these images (see renderPythonTrainingImage): https://docs.astral.sh/uv/guides/integration/docker/
// (`COPY --from=ghcr.io/astral-sh/uv:<version> /uv /uvx /bin/`). Version 0.9.26 is a published tag used by public
// Dockerfiles; newer ones exist.

/** An image a training image can be built on, with the Ubuntu release inside. */
export interface CudaBaseImage {
  /** CUDA version, `12.1`. */
  readonly cuda: string;
  /** Image reference, `nvidia/cuda:12.1.1-cudnn8-runtime-ubuntu22.04`. */
  readonly image: string;
  /** Ubuntu release of the image. */
  readonly ubuntu: string;
}

/** NVIDIA CUDA images, by CUDA version, oldest first. */
export const CUDA_BASE_IMAGES: readonly CudaBaseImage[] = [
  { cuda: '11.8', image: 'nvidia/cuda:11.8.0-cudnn8-runtime-ubuntu22.04', ubuntu: '22.04' },
  { cuda: '12.1', image: 'nvidia/cuda:12.1.1-cudnn8-runtime-ubuntu22.04', ubuntu: '22.04' },
  { cuda: '12.2', image: 'nvidia/cuda:12.2.2-cudnn8-runtime-ubuntu22.04', ubuntu: '22.04' },
  { cuda: '12.3', image: 'nvidia/cuda:12.3.2-cudnn9-runtime-ubuntu22.04', ubuntu: '22.04' },
  { cuda: '12.4', image: 'nvidia/cuda:12.4.1-cudnn-runtime-ubuntu22.04', ubuntu: '22.04' },
  { cuda: '12.5', image: 'nvidia/cuda:12.5.1-cudnn-runtime-ubuntu22.04', ubuntu: '22.04' },
  { cuda: '12.6', image: 'nvidia/cuda:12.6.3-cudnn-runtime-ubuntu24.04', ubuntu: '24.04' },
  { cuda: '12.8', image: 'nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04', ubuntu: '24.04' },
  { cuda: '12.9', image: 'nvidia/cuda:12.9.1-cudnn-runtime-ubuntu24.04', ubuntu: '24.04' },
  { cuda: '13.0', image: 'nvidia/cuda:13.0.1-cudnn-runtime-ubuntu24.04', ubuntu: '24.04' },
  { cuda: '13.2', image: 'nvidia/cuda:13.2.1-base-ubuntu24.04', ubuntu: '24.04' },
];

/** CPU-only images build on plain Ubuntu. */
export const CPU_BASE_IMAGE: Omit<CudaBaseImage, 'cuda'> = { image: 'ubuntu:24.04', ubuntu: '24.04' };

/** The uv image whose binary installs Python on the CUDA and Ubuntu bases. */
export const UV_IMAGE = 'ghcr.io/astral-sh/uv:0.9.26';

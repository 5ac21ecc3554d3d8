import { describe, expect, it } from 'vitest';
import type { ContainersError } from '../../src/lib/containers-error.js';
import { errorOf } from '../helpers.js';
import {
  CUDA_BASE_IMAGES,
  FASTAI_RELEASES,
  FLAIR_RELEASES,
  PYTHON_VERSIONS,
  PYTORCH_RELEASES,
  TENSORFLOW_RELEASES,
  VERTEX_PREBUILT_TRAINING_IMAGES,
} from '../../src/lib/python/python-training-stacks.js';
import { resolvePythonTrainingStack, type PythonTrainingStackOptions } from '../../src/lib/python/resolve-python-training-stack.js';

/** The error a call throws, for asserting its code, message and issues. */
function thrown(options: PythonTrainingStackOptions): ContainersError {
  return errorOf(() => resolvePythonTrainingStack(options));
}

function compare(a: string, b: string): number {
  const [am = 0, an = 0] = a.split('.').map(Number);
  const [bm = 0, bn = 0] = b.split('.').map(Number);
  return am - bm || an - bn;
}

describe('the compatibility tables', () => {
  it('list releases oldest first, each with contiguous Python versions the table knows', () => {
    for (const releases of [PYTORCH_RELEASES, TENSORFLOW_RELEASES]) {
      const versions = releases.map((release) => release.version);
      expect([...versions].sort(compare)).toEqual(versions);
      for (const release of releases) {
        const at = release.python.map((python) => PYTHON_VERSIONS.indexOf(python));
        expect(at.every((index, i) => index >= 0 && (i === 0 || index === (at[i - 1] ?? -2) + 1))).toBe(true);
      }
    }
  });

  it('have a CUDA base image for every CUDA version a release is built for', () => {
    const bases = CUDA_BASE_IMAGES.map((image) => image.cuda);
    for (const release of PYTORCH_RELEASES) for (const cuda of release.cuda) expect(bases).toContain(cuda);
    for (const release of TENSORFLOW_RELEASES) expect(bases).toContain(release.cuda);
    for (const image of CUDA_BASE_IMAGES) expect(image.image).toMatch(new RegExp(`^nvidia/cuda:${image.cuda.replace('.', '\\.')}\\.\\d+-.+-ubuntu${image.ubuntu.replace('.', '\\.')}$`));
  });

  it('pin every PyTorch line to a patch of that line, and every prebuilt image to a release in the tables', () => {
    for (const release of PYTORCH_RELEASES) expect(release.torch.startsWith(`${release.version}.`)).toBe(true);
    for (const release of TENSORFLOW_RELEASES) expect(release.tensorflow.startsWith(`${release.version}.`)).toBe(true);
    for (const image of VERTEX_PREBUILT_TRAINING_IMAGES) {
      const releases = image.framework === 'pytorch' ? PYTORCH_RELEASES : TENSORFLOW_RELEASES;
      const release = releases.find((candidate) => candidate.version === image.version);
      expect(release?.python).toContain(image.python);
      expect(image.name).toContain(image.version.replace('.', '-'));
    }
    expect(FLAIR_RELEASES.length).toBeGreaterThan(0);
    expect(FASTAI_RELEASES.length).toBeGreaterThan(0);
  });
});

/** A day when every prebuilt image the tests expect was still available, so they pass whatever day they run. */
const AVAILABLE = '2025-06-01';

describe('resolvePythonTrainingStack', () => {
  it('defaults to the newest PyTorch, Python and CUDA, built on the matching CUDA image', () => {
    const newest = PYTORCH_RELEASES.at(-1);
    const stack = resolvePythonTrainingStack({ framework: 'pytorch' });
    const cuda = newest?.cuda.at(-1) ?? '';
    expect(stack).toMatchObject({
      frameworkVersion: newest?.version,
      frameworkPin: newest?.torch,
      python: newest?.python.at(-1),
      cuda,
      base: 'cuda',
      baseImage: CUDA_BASE_IMAGES.find((image) => image.cuda === cuda)?.image,
      installsPython: true,
    });
    expect(stack.pipInstalls.map((install) => install.command)).toEqual([
      `python -m pip install --no-cache-dir torch==${newest?.torch ?? ''} torchvision==${newest?.torchvision ?? ''} --index-url https://download.pytorch.org/whl/cu${cuda.replace('.', '')}`,
    ]);
    expect(stack.defaulted).toContain(`frameworkVersion: ${newest?.version ?? ''} (newest PyTorch release that fits the other options)`);
  });

  it('defaults to the newest TensorFlow, with CUDA from tensorflow[and-cuda]', () => {
    const newest = TENSORFLOW_RELEASES.at(-1);
    const stack = resolvePythonTrainingStack({ framework: 'tensorflow' });
    expect(stack).toMatchObject({ frameworkVersion: newest?.version, python: newest?.python.at(-1), cuda: newest?.cuda, base: 'cuda' });
    expect(stack.pipInstalls[0]?.requirements).toEqual([`tensorflow[and-cuda]==${newest?.tensorflow ?? ''}`]);
    expect(stack.pipInstalls[0]?.command).toBe(`python -m pip install --no-cache-dir 'tensorflow[and-cuda]==${newest?.tensorflow ?? ''}'`);
  });

  it('picks the newest Python and CUDA of the release asked for', () => {
    expect(resolvePythonTrainingStack({ framework: 'pytorch', frameworkVersion: '2.5', base: 'cuda' })).toMatchObject({
      frameworkPin: '2.5.1',
      python: '3.12',
      cuda: '12.4',
      baseImage: 'nvidia/cuda:12.4.1-cudnn-runtime-ubuntu22.04',
      ubuntu: '22.04',
    });
    expect(resolvePythonTrainingStack({ framework: 'pytorch', frameworkVersion: '2.1.2', python: '3.10', cuda: '11.8' })).toMatchObject({
      frameworkVersion: '2.1',
      base: 'cuda',
      baseImage: 'nvidia/cuda:11.8.0-cudnn8-runtime-ubuntu22.04',
    });
  });

  it('uses the Vertex AI prebuilt image when base is left out and one matches', () => {
    const stack = resolvePythonTrainingStack({ framework: 'pytorch', frameworkVersion: '2.4', date: AVAILABLE });
    expect(stack).toMatchObject({
      base: 'vertex-prebuilt',
      baseImage: 'us-docker.pkg.dev/vertex-ai/training/pytorch-gpu.2-4.py310:latest',
      python: '3.10',
      cuda: '12.x',
      frameworkPin: null,
      installsPython: false,
      pipInstalls: [],
      holdRequirements: ['torch>=2.4,<2.5'],
    });
    expect(stack.defaulted).toContain('base: vertex-prebuilt (a Vertex AI prebuilt image matches the other options)');
    expect(resolvePythonTrainingStack({ framework: 'tensorflow', frameworkVersion: '2.16', prebuiltRegistry: 'europe', date: AVAILABLE }).baseImage).toBe(
      'europe-docker.pkg.dev/vertex-ai/training/tf-gpu.2-16.py310:latest',
    );
  });

  it('leaves the prebuilt image for a CUDA build when the Python asked for is not the image\'s', () => {
    expect(resolvePythonTrainingStack({ framework: 'pytorch', frameworkVersion: '2.4', python: '3.12', date: AVAILABLE })).toMatchObject({ base: 'cuda', cuda: '12.4', python: '3.12' });
  });

  it('builds CPU images from the CPU wheel index, on Ubuntu or the prebuilt CPU image', () => {
    const stack = resolvePythonTrainingStack({ framework: 'pytorch', frameworkVersion: '2.6', cuda: null });
    expect(stack).toMatchObject({ cuda: null, base: 'ubuntu', baseImage: 'ubuntu:24.04', python: '3.13' });
    expect(stack.pipInstalls[0]?.indexUrl).toBe('https://download.pytorch.org/whl/cpu');
    expect(resolvePythonTrainingStack({ framework: 'pytorch', frameworkVersion: '2.6', cuda: 'cpu' })).toEqual(stack);
    expect(resolvePythonTrainingStack({ framework: 'pytorch', frameworkVersion: '2.3', cuda: null, date: AVAILABLE }).baseImage).toBe('us-docker.pkg.dev/vertex-ai/training/pytorch-xla.2-3.py310:latest');
    const tensorflow = resolvePythonTrainingStack({ framework: 'tensorflow', frameworkVersion: '2.18', cuda: 'cpu' });
    expect(tensorflow.pipInstalls[0]?.requirements).toEqual(['tensorflow==2.18.1']);
  });

  it('installs TensorFlow 2.13 without [and-cuda], on a base image that has CUDA and cuDNN', () => {
    const stack = resolvePythonTrainingStack({ framework: 'tensorflow', frameworkVersion: '2.13', base: 'cuda' });
    expect(stack).toMatchObject({ cuda: '11.8', baseImage: 'nvidia/cuda:11.8.0-cudnn8-runtime-ubuntu22.04', python: '3.11' });
    expect(stack.pipInstalls[0]?.requirements).toEqual(['tensorflow==2.13.1']);
    expect(stack.notes.join(' ')).toContain('predates tensorflow[and-cuda]');
  });

  it('puts Flair and fastai on the newest PyTorch their release allows, torch pinned first from its own index', () => {
    expect(resolvePythonTrainingStack({ framework: 'fastai', frameworkVersion: '2.7.15', date: AVAILABLE })).toMatchObject({ torch: '2.3', base: 'vertex-prebuilt', pipInstalls: [{ command: "python -m pip install --no-cache-dir fastai==2.7.15 'torch>=2.3,<2.4'" }] });
    const fastai = resolvePythonTrainingStack({ framework: 'fastai', frameworkVersion: '2.7.15', base: 'cuda' });
    expect(fastai).toMatchObject({ torch: '2.3', frameworkPin: '2.7.15', python: '3.11', cuda: '12.1', base: 'cuda' });
    expect(fastai.pipInstalls.map((install) => install.command)).toEqual([
      'python -m pip install --no-cache-dir torch==2.3.1 torchvision==0.18.1 --index-url https://download.pytorch.org/whl/cu121',
      'python -m pip install --no-cache-dir fastai==2.7.15 torch==2.3.1 torchvision==0.18.1',
    ]);
    expect(resolvePythonTrainingStack({ framework: 'fastai', frameworkVersion: '2.7' }).frameworkPin).toBe('2.7.19');

    const flair = resolvePythonTrainingStack({ framework: 'flair', torch: '2.4', date: AVAILABLE });
    expect(flair).toMatchObject({ frameworkPin: FLAIR_RELEASES.at(-1)?.version, base: 'vertex-prebuilt', python: '3.10' });
    expect(flair.pipInstalls.map((install) => install.command)).toEqual([`python -m pip install --no-cache-dir flair==${FLAIR_RELEASES.at(-1)?.version ?? ''} 'torch>=2.4,<2.5'`]);
  });

  it('rejects a CUDA version the PyTorch release was never built for, naming the versions that work', () => {
    const error = thrown({ framework: 'pytorch', frameworkVersion: '2.1', cuda: '12.4' });
    expect(error.code).toBe('INCOMPATIBLE_VERSIONS');
    expect(error.message).toBe('PyTorch 2.1 supports CUDA 11.8 and 12.1, not 12.4; use cuda: "12.1", or PyTorch 2.4–2.6 for CUDA 12.4');
  });

  it('rejects a Python version the TensorFlow release never supported', () => {
    expect(thrown({ framework: 'tensorflow', frameworkVersion: '2.15', python: '3.12' }).message).toBe(
      'TensorFlow 2.15 supports Python 3.9–3.11, not 3.12; use python: "3.11", or TensorFlow 2.16–2.18 for Python 3.12',
    );
    expect(thrown({ framework: 'tensorflow', python: '3.13' }).message).toBe(
      'No TensorFlow release in the table supports Python 3.13; the newest, TensorFlow 2.18, supports Python 3.9–3.12; use python: "3.12"',
    );
  });

  it('rejects a torch the fastai release excludes, and a Python its PyTorch lines lack', () => {
    expect(thrown({ framework: 'fastai', frameworkVersion: '2.7.15', torch: '2.6' }).message).toBe(
      'fastai 2.7.15 supports PyTorch 2.1–2.3 (torch>=1.10,<2.4), not 2.6; use torch: "2.3", or fastai 2.7.19 or 2.8.4 for PyTorch 2.6',
    );
    expect(thrown({ framework: 'fastai', frameworkVersion: '2.7.15', python: '3.12' }).message).toBe(
      'fastai 2.7.15 runs on PyTorch 2.1–2.3, which support Python 3.8–3.11, not 3.12; use python: "3.11", or fastai 2.7.19 or 2.8.4 for Python 3.12',
    );
    expect(thrown({ framework: 'fastai', torch: '2.3', cuda: '12.4' }).message).toBe(
      'fastai 2.8.4 on PyTorch 2.3 supports CUDA 11.8 and 12.1, not 12.4; use cuda: "12.1", or PyTorch 2.4–2.6 for CUDA 12.4',
    );
    expect(thrown({ framework: 'flair', frameworkVersion: '0.15.1', python: '3.8' }).message).toBe(
      'Flair 0.15.1 supports Python 3.9 and later, not 3.8; use python: "3.9", or Flair 0.13.1 for Python 3.8',
    );
  });

  it('names the releases each value needs when two values cannot meet', () => {
    expect(thrown({ framework: 'pytorch', python: '3.13', cuda: '12.1' }).message).toBe(
      'No PyTorch release in the table fits python "3.13" and cuda "12.1": Python 3.13 needs PyTorch 2.6–2.14; CUDA 12.1 needs PyTorch 2.1–2.5; change one of them',
    );
  });

  it('says when the prebuilt image asked for cannot match', () => {
    expect(thrown({ framework: 'pytorch', frameworkVersion: '2.6', base: 'vertex-prebuilt', date: AVAILABLE }).message).toBe(
      'Vertex AI has no prebuilt GPU training image for PyTorch 2.6; its GPU images carry PyTorch 2.1–2.4; use base: "cuda", or frameworkVersion: "2.4"',
    );
    expect(thrown({ framework: 'pytorch', frameworkVersion: '2.4', python: '3.12', base: 'vertex-prebuilt', date: AVAILABLE }).message).toBe(
      'The Vertex AI prebuilt PyTorch 2.4 GPU image runs Python 3.10, not 3.12; use python: "3.10", or base: "cuda"',
    );
    expect(thrown({ framework: 'tensorflow', frameworkVersion: '2.15', cuda: '12.2', base: 'vertex-prebuilt', date: AVAILABLE }).message).toBe(
      'Vertex AI documents its prebuilt TensorFlow 2.15 GPU image only as CUDA 12.x, so it cannot promise cuda: "12.2"; leave cuda out, or use base: "cuda"',
    );
  });

  it('leaves a prebuilt image past its end of availability for the CUDA base when base is left out, saying why', () => {
    expect(resolvePythonTrainingStack({ framework: 'pytorch', frameworkVersion: '2.4', date: '2026-07-24' }).base).toBe('vertex-prebuilt');
    const stack = resolvePythonTrainingStack({ framework: 'pytorch', frameworkVersion: '2.4', date: '2026-11-22' });
    expect(stack).toMatchObject({ base: 'cuda', cuda: '12.4', python: '3.12', baseImage: 'nvidia/cuda:12.4.1-cudnn-runtime-ubuntu22.04', frameworkPin: '2.4.1', installsPython: true });
    expect(stack.defaulted).toContain('base: cuda (the Vertex AI prebuilt image pytorch-gpu.2-4.py310 was available until 2026-07-24)');
    expect(stack.notes).toEqual([]);
    // A Date counts by its UTC day; the day after the end date is past it.
    expect(resolvePythonTrainingStack({ framework: 'pytorch', frameworkVersion: '2.4', date: new Date('2026-07-25T00:00:00Z') }).defaulted).toContain(
      'base: cuda (the Vertex AI prebuilt image pytorch-gpu.2-4.py310 was available until 2026-07-24)',
    );
    expect(resolvePythonTrainingStack({ framework: 'pytorch', frameworkVersion: '2.3', cuda: null, date: '2026-11-22' })).toMatchObject({ base: 'ubuntu', baseImage: 'ubuntu:24.04' });
    const flair = resolvePythonTrainingStack({ framework: 'flair', torch: '2.4', date: '2026-11-22' });
    expect(flair).toMatchObject({ base: 'cuda', torch: '2.4', cuda: '12.4' });
    expect(flair.pipInstalls[0]?.command).toBe('python -m pip install --no-cache-dir torch==2.4.1 torchvision==0.19.1 --index-url https://download.pytorch.org/whl/cu124');
    // No prebuilt image for the release at all: the reason stays the old one.
    expect(resolvePythonTrainingStack({ framework: 'pytorch', frameworkVersion: '2.6', date: '2026-11-22' }).defaulted).toContain('base: cuda (no Vertex AI prebuilt image matches the other options)');
  });

  it('refuses base: "vertex-prebuilt" past the image\'s end of availability, naming the image, its end date and the fix', () => {
    const error = thrown({ framework: 'pytorch', frameworkVersion: '2.4', base: 'vertex-prebuilt', date: '2026-11-22' });
    expect(error.code).toBe('INCOMPATIBLE_VERSIONS');
    expect(error.message).toBe(
      'Vertex AI\'s prebuilt image pytorch-gpu.2-4.py310 was available until 2026-07-24 (the build date is 2026-11-22); use base: "cuda" for the same stack on nvidia/cuda, or pass date: to build for an earlier day',
    );
    // Images of the framework still available are named, with the option that picks them.
    expect(thrown({ framework: 'pytorch', frameworkVersion: '2.4', cuda: null, base: 'vertex-prebuilt', date: '2026-08-01' }).message).toBe(
      'Vertex AI\'s prebuilt image pytorch-xla.2-4.py310 was available until 2026-07-24 (the build date is 2026-08-01); use base: "cuda" for the same stack on ubuntu, frameworkVersion: "2.2" for pytorch-xla.2-2.py310 (available until 2026-10-23), or pass date: to build for an earlier day',
    );
    expect(thrown({ framework: 'tensorflow', frameworkVersion: '2.15', base: 'vertex-prebuilt', date: '2026-01-01' }).message).toBe(
      'Vertex AI\'s prebuilt image tf-gpu.2-15.py310 was available until 2025-11-14 (the build date is 2026-01-01); use base: "cuda" for the same stack on nvidia/cuda, frameworkVersion: "2.16" for tf-gpu.2-16.py310 (available until 2026-06-28) or "2.17" for tf-gpu.2-17.py310 (available until 2026-07-11), or pass date: to build for an earlier day',
    );
    // Flair and fastai: the PyTorch lines their release allows, by torch.
    expect(thrown({ framework: 'fastai', frameworkVersion: '2.7.19', torch: '2.3', base: 'vertex-prebuilt', date: '2026-05-01' }).message).toBe(
      'Vertex AI\'s prebuilt image pytorch-gpu.2-3.py310 was available until 2026-04-24 (the build date is 2026-05-01); use base: "cuda" for the same stack on nvidia/cuda, torch: "2.4" for pytorch-gpu.2-4.py310 (available until 2026-07-24), or pass date: to build for an earlier day',
    );
    expect(thrown({ framework: 'fastai', frameworkVersion: '2.7.15', base: 'vertex-prebuilt', date: '2026-05-01' }).message).toBe(
      'Vertex AI\'s prebuilt image pytorch-gpu.2-3.py310 was available until 2026-04-24 (the build date is 2026-05-01); use base: "cuda" for the same stack on nvidia/cuda, or pass date: to build for an earlier day',
    );
    // With the release left out, the newest prebuilt image still available is used.
    expect(resolvePythonTrainingStack({ framework: 'pytorch', cuda: null, base: 'vertex-prebuilt', date: '2026-08-01' })).toMatchObject({
      frameworkVersion: '2.2',
      baseImage: 'us-docker.pkg.dev/vertex-ai/training/pytorch-xla.2-2.py310:latest',
    });
    expect(thrown({ framework: 'pytorch', base: 'vertex-prebuilt', date: '2026-11-22' }).message).toContain('pytorch-gpu.2-4.py310 was available until 2026-07-24');
  });

  it('rejects a date that is not a day with INVALID_OPTIONS naming date', () => {
    const fix = 'use "YYYY-MM-DD" such as "2026-11-22", or a valid Date';
    expect(thrown({ framework: 'pytorch', date: '2026-13-01' }).issues).toEqual([{ path: 'date', message: `"2026-13-01" is not a day; ${fix}` }]);
    expect(thrown({ framework: 'pytorch', date: '2026-02-30' }).issues).toEqual([{ path: 'date', message: `"2026-02-30" is not a day; ${fix}` }]);
    expect(thrown({ framework: 'pytorch', date: 'next week' }).code).toBe('INVALID_OPTIONS');
    expect(thrown({ framework: 'pytorch', date: '2026-11-22T10:00:00Z' }).issues).toEqual([{ path: 'date', message: `"2026-11-22T10:00:00Z" is not a day; ${fix}; write the day, "2026-11-22"` }]);
    expect(thrown({ framework: 'pytorch', date: new Date('not a date') }).issues).toEqual([{ path: 'date', message: `an invalid Date is not a day; ${fix}` }]);
    expect(thrown({ framework: 'pytorch', date: 20261122 as unknown as string }).issues).toEqual([{ path: 'date', message: `20261122 is not a day; ${fix}` }]);
  });

  it('rejects unknown frameworks, versions and options with INVALID_OPTIONS naming each and the known values', () => {
    const error = thrown({ framework: 'torch', frameworkVersion: '2.4', pythn: '3.11' } as unknown as PythonTrainingStackOptions);
    expect(error.code).toBe('INVALID_OPTIONS');
    expect(error.issues).toEqual([
      { path: 'pythn', message: 'is not an option; did you mean "python"?' },
      { path: 'framework', message: '"torch" is not a framework this package builds for; use "pytorch", "tensorflow", "flair" or "fastai"; did you mean "pytorch"?' },
    ]);

    const versions = thrown({ framework: 'tensorflow', frameworkVersion: '2.19', python: 3.1 as unknown as string, cuda: '12.1.1' });
    expect(versions.issues.map((issue) => issue.path)).toEqual(['frameworkVersion', 'python', 'cuda']);
    expect(versions.issues[0]?.message).toMatch(/^"2\.19" is not a TensorFlow release this package knows; known: 2\.12, 2\.13, 2\.14, 2\.15, 2\.16, 2\.17, 2\.18; did you mean "2\.18"\?$/);
    expect(versions.issues[1]?.message).toContain('write it as a string, "3.10" (the number 3.10 is 3.1)');
    expect(versions.issues[2]?.message).toContain('write the minor version, "12.1"');
    expect(versions.message.startsWith('resolvePythonTrainingStack: 3 invalid options\n')).toBe(true);

    expect(thrown({ framework: 'pytorch', frameworkVersion: '2.4.0' }).issues[0]?.message).toBe(
      '"2.4.0" is not a PyTorch release this package knows; known: 2.1, 2.2, 2.3, 2.4, 2.5, 2.6, 2.7, 2.8, 2.9, 2.10, 2.11, 2.12, 2.13, 2.14; the table installs PyTorch 2.4 as 2.4.1, so use "2.4"',
    );
    expect(thrown({ framework: 'pytorch', torch: '2.4' }).issues).toEqual([{ path: 'torch', message: 'only applies to Flair and fastai; for PyTorch leave it out and set frameworkVersion' }]);
    expect(thrown({ framework: 'pytorch', cuda: '12.7' }).issues[0]?.message).toBe('no framework release in the table is built for CUDA 12.7; known: 11.8, 12.1, 12.2, 12.3, 12.4, 12.5, 12.6, 12.8, 12.9, 13.0 and 13.2; did you mean "12.6" or "12.8"?');
  });
});

// Executor images of Python package jobs against the prebuilt-image catalogue: known, available on the job's day,
// and a GPU image for a pool with an accelerator; each problem with the nearest valid image.
import { PYTHON_PACKAGE_SECRET_PATTERNS } from '@vertexkit/jobs';
import { describe, expect, it } from 'vitest';
import { SECRET_PATTERNS } from '../../src/lib/dockerfile/dockerfile-text.js';
import { checkExecutorImage } from '../../src/lib/python/check-executor-image.js';
import { errorOf } from '../helpers.js';

const US = 'us-docker.pkg.dev/vertex-ai/training';

describe('checkExecutorImage', () => {
  it('accepts a known image on a day it is available, with or without an accelerator for a GPU image', () => {
    const checked = checkExecutorImage({ imageUri: `${US}/tf-gpu.2-12.py310:latest`, acceleratorType: 'NVIDIA_TESLA_T4', date: '2025-06-01' });
    expect(checked).toEqual({ image: expect.objectContaining({ name: 'tf-gpu.2-12.py310', endOfAvailability: '2025-06-30' }) as unknown });
    expect(checkExecutorImage({ imageUri: `${US}/tf-gpu.2-12.py310:latest`, date: '2025-06-01' }).problem).toBeUndefined();
    expect(checkExecutorImage({ imageUri: 'europe-docker.pkg.dev/vertex-ai/training/pytorch-xla.2-2.py310:latest', date: new Date('2026-10-01T12:00:00Z') }).problem).toBeUndefined();
  });

  it('refuses a retired image with the nearest one still available, or says none is left', () => {
    expect(checkExecutorImage({ imageUri: `${US}/tf-gpu.2-12.py310:latest`, acceleratorType: 'NVIDIA_TESLA_T4', date: '2025-07-01' })).toEqual({
      image: expect.objectContaining({ name: 'tf-gpu.2-12.py310' }) as unknown,
      problem: `tf-gpu.2-12.py310 was available until 2025-06-30 (the job is for 2025-07-01), and Vertex AI no longer runs it; use ${US}/tf-gpu.2-13.py310:latest`,
      suggestion: `${US}/tf-gpu.2-13.py310:latest`,
    });
    const late = checkExecutorImage({ imageUri: `${US}/tf-gpu.2-12.py310:latest`, date: '2026-12-03' });
    expect(late.suggestion).toBeUndefined();
    expect(late.problem).toBe(
      'tf-gpu.2-12.py310 was available until 2025-06-30 (the job is for 2026-12-03), and Vertex AI no longer runs it; no TensorFlow GPU prebuilt training image this package knows is available on 2026-12-03 (the last, tf-gpu.2-17.py310, was until 2026-07-11): build your own image (renderPythonTrainingImage with base: "cuda", or output-image-uri) and run it as a container, or check for a day when the image was available (date)',
    );
  });

  it('refuses a CPU-only image for a pool with an accelerator, naming the GPU image of the same release', () => {
    expect(checkExecutorImage({ imageUri: `${US}/tf-cpu.2-13.py310:latest`, acceleratorType: 'NVIDIA_TESLA_T4', date: '2025-06-01' }).problem).toBe(
      `tf-cpu.2-13.py310 is a CPU-only image, but the pool has NVIDIA_TESLA_T4; use ${US}/tf-gpu.2-13.py310:latest`,
    );
    expect(checkExecutorImage({ imageUri: `${US}/pytorch-xla.2-4.py310:latest`, acceleratorType: 'NVIDIA_L4', date: '2026-01-01' }).suggestion).toBe(`${US}/pytorch-gpu.2-4.py310:latest`);
  });

  it('refuses an unknown image, another registry, or a tag other than :latest, each with the nearest valid image', () => {
    expect(checkExecutorImage({ imageUri: `${US}/tf-gpu.2-19.py310:latest`, date: '2026-01-01' }).suggestion).toBe(`${US}/tf-gpu.2-17.py310:latest`);
    expect(checkExecutorImage({ imageUri: `${US}/tf-gpu.2-19.py310:latest`, date: '2026-01-01' }).problem).toMatch(/^tf-gpu\.2-19\.py310 is not a prebuilt training image this package knows \(it knows tf-gpu\.2-12\.py310, .*\); use /);
    expect(checkExecutorImage({ imageUri: 'gcr.io/my-project/trainer:1', date: '2026-01-01' }).problem).toMatch(/^gcr\.io\/my-project\/trainer:1 is not a Vertex AI prebuilt training image, which an executor image must be \(us-docker\.pkg\.dev\/vertex-ai\/training, .*\); use /);
    expect(checkExecutorImage({ imageUri: `${US}/tf-cpu.2-17.py310:2.17`, date: '2026-01-01' })).toMatchObject({
      problem: `has the tag 2.17; Vertex AI serves its prebuilt images as :latest only: use ${US}/tf-cpu.2-17.py310:latest`,
      suggestion: `${US}/tf-cpu.2-17.py310:latest`,
    });
  });

  it('throws INVALID_OPTIONS for a date that is not a day', () => {
    const error = errorOf(() => checkExecutorImage({ imageUri: `${US}/tf-cpu.2-17.py310:latest`, date: '2026-02-30' }));
    expect(error.code).toBe('INVALID_OPTIONS');
    expect(error.issues.map((issue) => issue.path)).toEqual(['date']);
  });
});

describe('the secret patterns', () => {
  it('are the same list @vertexkit/jobs leaves out of Python packages (it keeps a copy: containers depends on jobs)', () => {
    expect(PYTHON_PACKAGE_SECRET_PATTERNS).toEqual(SECRET_PATTERNS);
  });
});

describe('renderPythonPackageImage', () => {
  it('starts FROM the executor image, installs requirements, extra packages and the sdist, and runs python3 -m', async () => {
    const { renderPythonPackageImage } = await import('../../src/lib/python/render-python-package-image.js');
    const image = renderPythonPackageImage({
      baseImage: `${US}/tf-cpu.2-17.py310:latest`,
      packageFile: 'trainer-0.1.tar.gz',
      module: 'trainer.task',
      requirements: ['pandas>=2'],
      extraPackages: ['helpers-1.0-py3-none-any.whl'],
      extraDirs: ['configs'],
    });
    expect(image.dockerfile).toBe(
      [
        '# Generated by @vertexkit/containers renderPythonPackageImage: a Python package job as an image, as gcloud autopackages one.',
        `FROM ${US}/tf-cpu.2-17.py310:latest`,
        'ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1',
        'WORKDIR /usr/app',
        "RUN python3 -m pip install 'pandas>=2'",
        'COPY helpers-1.0-py3-none-any.whl /usr/app/extra-packages/',
        'RUN python3 -m pip install --no-build-isolation /usr/app/extra-packages/helpers-1.0-py3-none-any.whl',
        'COPY configs/ /usr/app/configs/',
        'COPY trainer-0.1.tar.gz /usr/app/packages/',
        'RUN python3 -m pip install --no-build-isolation /usr/app/packages/trainer-0.1.tar.gz',
        'ENTRYPOINT ["python3","-m","trainer.task"]',
        '',
      ].join('\n'),
    );
    expect(image.dockerignore.split('\n').slice(1)).toEqual(['*', '!trainer-0.1.tar.gz', '!helpers-1.0-py3-none-any.whl', '!configs', '']);
    expect(image.baseImages).toEqual([`${US}/tf-cpu.2-17.py310:latest`]);
    const error = errorOf(() => renderPythonPackageImage({ baseImage: '', packageFile: '../x.tar.gz', module: 'trainer-task', extraDirs: ['../up'] }));
    expect(error.issues.map((issue) => issue.path)).toEqual(['baseImage', 'packageFile', 'module', 'extraDirs[0]']);
  });
});

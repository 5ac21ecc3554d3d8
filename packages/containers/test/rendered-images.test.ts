// Every image this package renders passes its own static checks: the real Dockerfile parser and validator, the
// lint rules, non-root, no secret copied in (with the .dockerignore rendered beside it).
import { describe, expect, it } from 'vitest';
import {
  checkDockerfile,
  renderNodeServeImage,
  renderNodeTrainImage,
  renderPythonTrainingImage,
  type PythonTrainingImageOptions,
  type RenderedImage,
} from '../src/index.js';

const code = { packageDir: 'trainer', module: 'trainer.task' };
const images: Array<[string, () => RenderedImage]> = [
  ['node serve, standalone', () => renderNodeServeImage()],
  ['node serve, monorepo, baked model', () => renderNodeServeImage({ appDir: 'apps/serve', workspaces: [{ dir: 'packages/serve' }], model: { bake: 'model' } })],
  ['node train, monorepo', () => renderNodeTrainImage({ appDir: 'apps/train', workspaces: [{ dir: 'packages/trainer' }] })],
  ...(
    [
      ['pytorch, defaults', { framework: 'pytorch' }],
      ['pytorch 2.1, CUDA 12.1, Python 3.10, CUDA base', { framework: 'pytorch', frameworkVersion: '2.1', cuda: '12.1', python: '3.10', base: 'cuda' }],
      ['pytorch on a Vertex prebuilt image', { framework: 'pytorch', frameworkVersion: '2.4', base: 'vertex-prebuilt', date: '2025-06-01' }],
      ['pytorch, CPU', { framework: 'pytorch', cuda: null }],
      ['tensorflow, defaults', { framework: 'tensorflow' }],
      ['tensorflow 2.15, Vertex prebuilt', { framework: 'tensorflow', frameworkVersion: '2.15', base: 'vertex-prebuilt', date: '2025-06-01' }],
      ['flair', { framework: 'flair', requirementsFile: 'requirements.txt' }],
      ['fastai', { framework: 'fastai', packages: ['pandas==2.2.3'] }],
    ] as Array<[string, Omit<PythonTrainingImageOptions, 'packageDir' | 'module'>]>
  ).map(([name, options]): [string, () => RenderedImage] => [`python: ${name}`, () => renderPythonTrainingImage({ ...code, ...options })]),
];

describe('rendered images pass checkDockerfile', () => {
  it.each(images)('%s', (_name, render) => {
    const image = render();
    expect(checkDockerfile(image.dockerfile, { dockerignore: image.dockerignore })).toEqual([]);
    expect(image.user).not.toMatch(/^(root|0)(:|$)/);
    expect(image.baseImages.length).toBeGreaterThan(0);
    for (const base of image.baseImages) expect(image.dockerfile).toContain(`FROM ${base}`);
  });
});

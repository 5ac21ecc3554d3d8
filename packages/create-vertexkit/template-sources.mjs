// Where each template comes from: a sample app folder, the files of it a project gets, and why every other file of
// the app stays out. scripts/build-templates.mjs derives templates/<name>/ from these (files copied as they are, the
// package.json, tsconfig and image options transformed for a project of its own); test/drift.test.ts fails when an
// app gains a file neither list names, or when a built template differs from what its app gives now.
//
// Patterns: `dir/` is everything under dir, `dir/*.ext` the files of dir with that extension, anything else one file.

/** Files every app has that a project gets in another form. */
const PROJECT_FILES = {
  'package.json': 'derived: the app\'s dependencies with the published @vertexkit versions, scripts that run without nx',
  'tsconfig.json': 'derived: the repository\'s base options and the app\'s own, in one file',
  'vitest.config.ts': 'the app\'s tests run under the repository\'s vitest setup; the project\'s test runs on node --test',
  'README.md': 'the project gets a README of its own: install, run, test, deploy',
  'test/': 'the repository\'s tests of the app (Cloud Storage emulator, Vertex AI fake, buildah); the project gets its own test (overlays/<template>/test/)',
};

/** Files of an app whose image is generated in the repository (deploy/image.ts); a project gets its own, rendered for its name. */
const GENERATED_DEPLOY_FILES = {
  Dockerfile: 'rendered for the project (its own folder as the build context) from the options in deploy/image.ts',
  'Dockerfile.dockerignore': 'rendered for the project as .dockerignore',
  'cloudbuild.yaml': 'rendered for the project: its image name, no monorepo build steps',
  'deploy/files.ts': 'the repository\'s list of generated files',
  'deploy/image.ts': 'read at build time: its image options, without the monorepo\'s appDir and workspaces, are the project\'s',
};

const TYPESCRIPT_TEST = 'tsc -p tsconfig.json && node --test "test/**/*.test.ts"';
// `exec`, as the apps' own scripts: SIGTERM or Ctrl-C to npm start reaches node (the server drains, a local job is
// cancelled) instead of stopping only the shell npm runs the script in, which would leave node running.

/**
 * @typedef {object} TemplateSource
 * @property {string} name               what `--template` takes
 * @property {string} summary            one line for the prompt and `--help`
 * @property {string} app                the app folder it comes from, relative to the repository root
 * @property {string[]} copy             app files the project gets as they are
 * @property {Record<string, string>} omit  the app's other files, each with why it stays out
 * @property {string[]} overlays        folders of overlays/ whose files the project gets too: its own test
 * @property {string[]} devDependencies  the app's devDependencies the project keeps (dependencies are all kept)
 * @property {Record<string, string>} scripts  the project's npm scripts
 * @property {{ kind: 'node-serve' | 'node-train' | 'python-training', module?: string, options?: string, cloudBuild?: string }} image
 * @property {'spam-filter' | 'marian' | undefined} [model]  a model directory built into the template as model/
 * @property {boolean} [onnxruntime]     the project installs onnxruntime-node (through @vertexkit/serve): its .npmrc skips the CUDA download
 */

/** What the serve and translate templates take alike from apps/serve-cloud-run. */
const SERVER_TEMPLATE = {
  app: 'apps/serve-cloud-run',
  copy: ['src/main.ts'],
  onnxruntime: true,
  omit: {
    ...PROJECT_FILES,
    ...GENERATED_DEPLOY_FILES,
    'deploy/deploy.ts': 'prints the repository\'s deploy commands (nx, apps/ paths); the project\'s README has its own, and a service.yaml',
    'batch/': 'batch prediction through @vertexkit/jobs\' local runner, with the repository\'s npm script; see apps/serve-cloud-run',
    'reliability/': 'the repository\'s reliability suite (SIGTERM under load, soak, fuzzing), for a classifier trained on the SpamAssassin corpus',
  },
  devDependencies: [],
  scripts: {
    start: 'exec node --env-file-if-exists=local.env src/main.ts',
    test: TYPESCRIPT_TEST,
    typecheck: 'tsc -p tsconfig.json',
  },
  image: { kind: 'node-serve', module: 'deploy/image.ts', options: 'SERVE_IMAGE_OPTIONS', cloudBuild: 'SERVE_CLOUD_BUILD_OPTIONS' },
};

/** @type {TemplateSource[]} */
export const TEMPLATE_SOURCES = [
  {
    name: 'train',
    overlays: ['train'],
    summary: 'train a text classifier from CSVs (a folder or gs://) into an ONNX model directory, here or as a Vertex AI custom job',
    app: 'apps/train',
    copy: ['src/', 'data/*.csv'],
    omit: {
      ...PROJECT_FILES,
      ...GENERATED_DEPLOY_FILES,
      'bin/': 'has nx build the repository\'s packages first; in a project they come built from the registry, so the scripts run node src/main.ts',
      'deploy/deploy.ts': 'prints the repository\'s build and submit commands (nx, apps/train paths); the project\'s README has its own',
    },
    devDependencies: ['@types/cli-progress'],
    scripts: {
      start: 'exec node src/main.ts --data data/ --output model/ --min-count 1',
      train: 'exec node src/main.ts',
      test: TYPESCRIPT_TEST,
      typecheck: 'tsc -p tsconfig.json',
    },
    image: { kind: 'node-train', module: 'deploy/image.ts', options: 'TRAIN_IMAGE_OPTIONS', cloudBuild: 'TRAIN_CLOUD_BUILD_OPTIONS' },
  },
  {
    name: 'serve',
    overlays: ['_server', 'serve'],
    summary: 'serve a text classifier on Cloud Run, a Vertex AI endpoint or localhost (a spam filter trained on the train template\'s CSVs included)',
    ...SERVER_TEMPLATE,
    model: 'spam-filter',
  },
  {
    name: 'translate',
    overlays: ['_server', 'translate'],
    summary: 'serve an encoder-decoder translator (MarianMT as Optimum exports it; a tiny random-weight one included to start from)',
    ...SERVER_TEMPLATE,
    model: 'marian',
  },
  {
    name: 'train-python',
    overlays: ['train-python'],
    summary: 'a Python trainer package for Vertex AI, packaged, run locally and submitted from TypeScript, its model served by @vertexkit/serve',
    app: 'apps/train-python',
    copy: ['src/main.ts', 'trainer-package/'],
    omit: { ...PROJECT_FILES },
    devDependencies: [],
    scripts: {
      start: 'exec node src/main.ts',
      test: TYPESCRIPT_TEST,
      typecheck: 'tsc -p tsconfig.json',
    },
    image: { kind: 'python-training' },
    onnxruntime: true,
  },
];

/** Whether `file` (a path relative to the app, with `/`) matches `pattern` (see the top of this file). */
export function matchesPattern(file, pattern) {
  if (pattern.endsWith('/')) return file.startsWith(pattern);
  const star = /^(.*\/)?\*(\.[^/]+)$/.exec(pattern);
  if (star) {
    const [, dir = '', ext] = star;
    return file.startsWith(dir) && !file.slice(dir.length).includes('/') && file.endsWith(ext);
  }
  return file === pattern;
}

/** How a template treats each file of its app: `copy`, `omit` (with the reason) or `undeclared`. */
export function classifyAppFiles(source, files) {
  return files.map((file) => {
    const copied = source.copy.some((pattern) => matchesPattern(file, pattern));
    const omitted = Object.entries(source.omit).find(([pattern]) => matchesPattern(file, pattern));
    if (copied && omitted) return { file, status: 'both', reason: omitted[1] };
    if (copied) return { file, status: 'copy' };
    if (omitted) return { file, status: 'omit', reason: omitted[1] };
    return { file, status: 'undeclared' };
  });
}

// One template derived from its app, into a folder: what scripts/build-templates.mjs writes into templates/<name>/
// and what test/drift.test.ts derives again to compare with it. Reads the repository (the app, the packages'
// versions, the base tsconfig); runs on Node 24 (the apps' deploy/image.ts is TypeScript).
/* global process */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { classifyAppFiles } from '../template-sources.mjs';

const PACKAGE_DIR = path.resolve(import.meta.dirname, '..');
export const ROOT = path.resolve(PACKAGE_DIR, '..', '..');

const readJson = (file) => JSON.parse(fs.readFileSync(file, 'utf8'));

/** The app's files (tracked, or new and not ignored), relative to the app folder, with `/`. */
export function listAppFiles(app) {
  const out = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z', '--', app], { cwd: ROOT, encoding: 'utf8' });
  return out
    .split('\0')
    .filter(Boolean)
    .filter((file) => fs.existsSync(path.join(ROOT, file)))
    .map((file) => path.posix.relative(app, file))
    .sort();
}

/** name -> version of every publishable package under packages/. */
export function publishedVersions() {
  const versions = {};
  for (const entry of fs.readdirSync(path.join(ROOT, 'packages'))) {
    const file = path.join(ROOT, 'packages', entry, 'package.json');
    if (!fs.existsSync(file)) continue;
    const manifest = readJson(file);
    if (!manifest.private) versions[manifest.name] = manifest.version;
  }
  return versions;
}

/**
 * The app's dependency ranges as a project outside the repository needs them: `@vertexkit/*` as a caret of the
 * version in packages/ (what the registry has), anything else as the app has it. A workspace link, `*` or a
 * private workspace package cannot be installed from a registry, and stops the build.
 */
export function projectDependencies(deps, versions, where) {
  const out = {};
  for (const [name, range] of Object.entries(deps ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
    if (name.startsWith('@vertexkit/')) {
      if (!versions[name]) throw new Error(`${where}: ${name} is not a published package under packages/; a project cannot install it`);
      out[name] = `^${versions[name]}`;
    } else if (range === '*' || /^(workspace|file|link):/.test(range)) {
      throw new Error(`${where}: ${name}@${range} does not install from a registry; give it a version range`);
    } else {
      out[name] = range;
    }
  }
  return out;
}

async function readTsconfig(file) {
  const ts = (await import('typescript')).default;
  const { config, error } = ts.parseConfigFileTextToJson(file, fs.readFileSync(file, 'utf8'));
  if (error) throw new Error(`${file}: ${ts.flattenDiagnosticMessageText(error.messageText, '\n')}`);
  return config;
}

/** The repository's base compiler options and the app's own in one tsconfig, for the folders the project has. */
async function projectTsconfig(appDir, files) {
  const app = await readTsconfig(path.join(appDir, 'tsconfig.json'));
  const base = await readTsconfig(path.join(ROOT, 'tsconfig.base.json'));
  // Nothing is emitted (Node runs the .ts files): declarations and source maps have no use there.
  const { declaration: _declaration, sourceMap: _sourceMap, ...compilerOptions } = { ...base.compilerOptions, ...app.compilerOptions };
  const folders = [...new Set(files.filter((f) => f.endsWith('.ts') && f.includes('/')).map((f) => f.split('/')[0]))].sort();
  return { compilerOptions, include: folders };
}

/** The image and Cloud Build options of the app's deploy/image.ts, without what only a build from the repository root needs. */
async function projectImage(source, appDir) {
  if (source.image.kind === 'python-training') {
    // The trainer's own image: the framework and Python of the executor image the app's jobs run on (its default
    // --executor-image), with trainer-package/trainer copied in and `python -m trainer.task` as the entrypoint.
    const main = fs.readFileSync(path.join(appDir, 'src', 'main.ts'), 'utf8');
    const executor = /'executor-image': \{[^}]*default: '([^']+)'/.exec(main)?.[1] ?? '';
    const stack = /\/(tf|pytorch)-(?:cpu|gpu)\.(\d+)-(\d+)\.py(\d)(\d+):/.exec(executor);
    if (!stack) throw new Error(`${source.app}: could not read a prebuilt executor image (tf-cpu.2-17.py310) from src/main.ts's --executor-image default`);
    const [, framework, major, minor, pyMajor, pyMinor] = stack;
    return {
      kind: 'python-training',
      options: { framework: framework === 'tf' ? 'tensorflow' : 'pytorch', frameworkVersion: `${major}.${minor}`, python: `${pyMajor}.${pyMinor}`, packageDir: 'trainer-package/trainer', module: 'trainer.task' },
      executorImage: executor,
      cloudBuild: { substitutions: { _REGION: 'us-central1', _REPOSITORY: 'vertexkit' } },
    };
  }
  const mod = await import(pathToFileURL(path.join(appDir, source.image.module)).href);
  const { appDir: _appDir, workspaces: _workspaces, labels = {}, ...options } = mod[source.image.options];
  // The source label points at the sample app in the vertexkit repository, which the project is not.
  const { 'org.opencontainers.image.source': _source, ...ownLabels } = labels;
  if (Object.keys(ownLabels).length > 0) options.labels = ownLabels;
  const { substitutions, timeoutSeconds, machineType } = mod[source.image.cloudBuild];
  return {
    kind: source.image.kind,
    options,
    cloudBuild: { ...(substitutions ? { substitutions } : {}), ...(timeoutSeconds ? { timeoutSeconds } : {}), ...(machineType ? { machineType } : {}) },
  };
}

/** A model directory the template serves from the start, written into `dir`. */
async function buildModel(kind, dir) {
  fs.mkdirSync(dir, { recursive: true });
  if (kind === 'marian') {
    // tools/marian-model: a MarianMT-shaped encoder-decoder built in code (random weights, real op structure and
    // files). Small sizes and the merged decoder only keep it at a few hundred kB in the package.
    const { buildMarianModelDir } = await import('@vertexkit/tool-marian-model');
    await buildMarianModelDir({ dir, merged: true, vocabSize: 400, dModel: 32, heads: 2, ffnDim: 64, layers: 1, maxPositions: 128 });
    return;
  }
  // The spam filter the train template makes: apps/train on its own sample CSVs, quantized (about 90 kB).
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'create-vertexkit-model-'));
  try {
    const train = path.join(ROOT, 'apps', 'train');
    execFileSync(process.execPath, ['src/main.ts', '--here', '--data', 'data/', '--output', scratch, '--min-count', '1', '--quantize'], {
      cwd: train,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, CLOUD_ML_JOB_ID: '' },
    });
    for (const file of ['config.json', 'model.onnx', 'tokenizer.json', 'tokenizer_config.json']) fs.copyFileSync(path.join(scratch, file), path.join(dir, file));
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * Writes the template `source` into `outDir` (which must not exist): `files/` and `template.json`.
 * Returns the manifest written, whose `files` lists every file under files/.
 */
export async function deriveTemplate(source, outDir) {
  const appDir = path.join(ROOT, source.app);
  const classified = classifyAppFiles(source, listAppFiles(source.app));
  const undeclared = classified.filter((c) => c.status === 'undeclared' || c.status === 'both');
  if (undeclared.length > 0) {
    throw new Error(
      `template ${source.name}: ${undeclared.map((c) => `${source.app}/${c.file}`).join(', ')} ${undeclared.length === 1 ? 'is' : 'are'} in neither its copy nor its omit list (template-sources.mjs); say whether a project gets ${undeclared.length === 1 ? 'it' : 'them'}`,
    );
  }
  const filesDir = path.join(outDir, 'files');
  fs.mkdirSync(filesDir, { recursive: true });
  const copy = (from, rel) => {
    fs.mkdirSync(path.dirname(path.join(filesDir, rel)), { recursive: true });
    fs.copyFileSync(from, path.join(filesDir, rel));
  };
  for (const { file } of classified.filter((c) => c.status === 'copy')) copy(path.join(appDir, file), file);
  for (const overlay of source.overlays) {
    const overlayDir = path.join(PACKAGE_DIR, 'overlays', overlay);
    if (!fs.existsSync(overlayDir)) throw new Error(`template ${source.name}: overlays/${overlay} does not exist`);
    for (const rel of walk(overlayDir)) {
      if (fs.existsSync(path.join(filesDir, rel))) throw new Error(`template ${source.name}: overlays/${overlay}/${rel} would replace a file of ${source.app} or of another overlay`);
      copy(path.join(overlayDir, rel), rel);
    }
  }
  if (source.model) await buildModel(source.model, path.join(filesDir, 'model'));

  const files = walk(filesDir);
  const appPackage = readJson(path.join(appDir, 'package.json'));
  const rootPackage = readJson(path.join(ROOT, 'package.json'));
  const versions = publishedVersions();
  const kept = Object.fromEntries(source.devDependencies.map((name) => [name, appPackage.devDependencies?.[name]]));
  const missing = source.devDependencies.filter((name) => !kept[name]);
  if (missing.length > 0) throw new Error(`template ${source.name}: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not a devDependency of ${source.app}`);
  const manifest = {
    name: source.name,
    summary: source.summary,
    app: source.app,
    package: {
      description: appPackage.description.replace(/^Sample app: /, ''),
      type: appPackage.type,
      engines: appPackage.engines,
      scripts: source.scripts,
      dependencies: projectDependencies(appPackage.dependencies, versions, `${source.app}/package.json dependencies`),
      // The project type-checks itself in its test, with the TypeScript and Node types the repository pins.
      devDependencies: projectDependencies(
        { ...kept, typescript: rootPackage.devDependencies.typescript, '@types/node': rootPackage.devDependencies['@types/node'] },
        versions,
        `${source.app}/package.json devDependencies`,
      ),
    },
    tsconfig: await projectTsconfig(appDir, files),
    image: await projectImage(source, appDir),
    onnxruntime: source.onnxruntime === true,
    model: source.model ?? null,
    files,
  };
  fs.writeFileSync(path.join(outDir, 'template.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/** Every file under `dir`, relative, with `/`, sorted; [] when it does not exist. */
export function walk(dir, prefix = '') {
  if (!fs.existsSync(dir)) return [];
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...walk(path.join(dir, entry.name), rel));
    else out.push(rel);
  }
  return out.sort();
}

/** What differs between two template folders, one line each: missing, extra or different files. */
export function compareTemplateDirs(expected, actual) {
  const want = walk(expected);
  const have = new Set(walk(actual));
  const problems = [];
  for (const rel of want) {
    if (!have.has(rel)) problems.push(`${rel}: missing`);
    else if (!fs.readFileSync(path.join(expected, rel)).equals(fs.readFileSync(path.join(actual, rel)))) problems.push(`${rel}: differs`);
    have.delete(rel);
  }
  for (const rel of have) problems.push(`${rel}: not derived from any app (left from an older build?)`);
  return problems;
}

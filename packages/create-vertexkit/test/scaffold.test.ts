import fs from 'node:fs';
import path from 'node:path';
import { checkCloudBuild, checkCloudRunService, checkDockerfile } from '@vertexkit/containers';
import { describe, expect, test } from 'vitest';
import { CreateVertexkitError, scaffoldProject, TEMPLATE_NAMES, validateProjectName } from '../src/index.js';
import { ROOT, tempDir, TEMPLATES_DIR } from './helpers.js';

const versionOf = (name: string): string => (JSON.parse(fs.readFileSync(path.join(ROOT, 'packages', name.replace('@vertexkit/', ''), 'package.json'), 'utf8')) as { version: string }).version;
const appManifest = (app: string) => JSON.parse(fs.readFileSync(path.join(ROOT, app, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };

async function caught(promise: Promise<unknown>): Promise<CreateVertexkitError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!CreateVertexkitError.isInstance(error)) throw new Error(`expected a CreateVertexkitError, got ${String(error)}`);
  return error;
}

describe.each(TEMPLATE_NAMES)('the %s template', (template) => {
  test('writes a standalone project: the app\'s files as they are, its own package.json, tsconfig, test, README and deploy files', async () => {
    const dir = path.join(tempDir(), 'my-spam-filter');
    const reported: string[] = [];
    const result = await scaffoldProject({ dir, template, onFile: (file) => reported.push(file), templatesDir: TEMPLATES_DIR });
    expect(result.packageName).toBe('my-spam-filter');
    expect(result.serviceName).toBe('my-spam-filter');
    // Every file is named, and nothing else is there (no temporary files left behind).
    expect(reported.sort()).toEqual(result.files);
    const onDisk = fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
    expect(onDisk.sort()).toEqual(result.files);
    expect(fs.readdirSync(path.dirname(dir))).toEqual(['my-spam-filter']);
    for (const file of ['package.json', 'tsconfig.json', 'README.md', '.gitignore', 'Dockerfile', '.dockerignore', 'cloudbuild.yaml', 'src/main.ts']) expect(result.files).toContain(file);
    expect(result.files.some((f) => /^test\/.*\.test\.ts$/.test(f))).toBe(true);

    // The sample app's own files, byte for byte.
    const { app } = JSON.parse(fs.readFileSync(path.join(TEMPLATES_DIR, template, 'template.json'), 'utf8')) as { app: string };
    expect(fs.readFileSync(path.join(dir, 'src', 'main.ts'), 'utf8')).toBe(fs.readFileSync(path.join(ROOT, app, 'src', 'main.ts'), 'utf8'));

    // package.json: the published @vertexkit versions (a caret of the repository's), every dependency of the app.
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name: string; private: boolean; dependencies: Record<string, string>; devDependencies: Record<string, string>; scripts: Record<string, string> };
    expect(manifest.name).toBe('my-spam-filter');
    expect(manifest.private).toBe(true);
    expect(Object.keys(manifest.dependencies).sort()).toEqual(Object.keys(appManifest(app).dependencies).sort());
    for (const [name, range] of Object.entries({ ...manifest.dependencies, ...manifest.devDependencies })) {
      expect(range, name).not.toMatch(/^(\*|workspace:|file:|link:)/);
      if (name.startsWith('@vertexkit/')) expect(range, name).toBe(`^${versionOf(name)}`);
    }
    expect(Object.keys(manifest.devDependencies)).toEqual(expect.arrayContaining(['typescript', '@types/node']));
    expect(manifest.scripts.start).toMatch(/^exec node /);
    expect(manifest.scripts.test).toContain('node --test');
    expect(JSON.stringify(manifest)).not.toMatch(/\bnx\b/);

    // The deploy files, rendered for this name, pass @vertexkit/containers' own checks.
    const dockerfile = fs.readFileSync(path.join(dir, 'Dockerfile'), 'utf8');
    expect(checkDockerfile(dockerfile, { dockerignore: fs.readFileSync(path.join(dir, '.dockerignore'), 'utf8') })).toEqual([]);
    expect(dockerfile).not.toMatch(/packages\/|apps\//);
    const cloudbuild = fs.readFileSync(path.join(dir, 'cloudbuild.yaml'), 'utf8');
    expect(checkCloudBuild(cloudbuild)).toEqual([]);
    expect(cloudbuild).toContain('$_REGION-docker.pkg.dev/$PROJECT_ID/$_REPOSITORY/my-spam-filter:$_TAG');
    if (result.files.includes('service.yaml')) {
      const service = fs.readFileSync(path.join(dir, 'service.yaml'), 'utf8');
      expect(checkCloudRunService(service)).toEqual([]);
      expect(service).toMatch(/name: my-spam-filter\n/);
      expect(service).toContain('us-central1-docker.pkg.dev/my-project/vertexkit/my-spam-filter:1');
    }
    const readme = fs.readFileSync(path.join(dir, 'README.md'), 'utf8');
    expect(readme).toMatch(/^# my-spam-filter\n/);
    expect(readme).toContain('```sh\nnpm install\nnpm start\n```');
    expect(readme).toContain('gcloud builds submit');
  });
});

test('the deploy files and README take --project, --region and --bucket; a scoped name gives the service its unscoped part', async () => {
  const dir = path.join(tempDir(), 'x');
  const result = await scaffoldProject({ dir, template: 'serve', name: '@team/spam_filter', project: 'acme-ml', region: 'europe-west4', bucket: 'acme-models', templatesDir: TEMPLATES_DIR });
  expect(result.serviceName).toBe('spam-filter');
  const service = fs.readFileSync(path.join(dir, 'service.yaml'), 'utf8');
  expect(service).toContain('europe-west4-docker.pkg.dev/acme-ml/vertexkit/spam-filter:1');
  expect(service).toContain('gs://acme-models/spam-filter/model/');
  expect(fs.readFileSync(path.join(dir, 'README.md'), 'utf8')).toContain('--project=acme-ml');
});

test('refuses a folder with files in it, writing nothing; --force writes into it and keeps the other files', async () => {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'mine');
  fs.writeFileSync(path.join(dir, 'package.json'), '{"name": "old"}');
  const error = await caught(scaffoldProject({ dir, template: 'train', name: 'my-app', templatesDir: TEMPLATES_DIR }));
  expect(error.code).toBe('DIRECTORY_NOT_EMPTY');
  expect(error.message).toContain('is not empty (notes.txt, package.json); choose a new or empty folder, or pass --force');
  expect(fs.readdirSync(dir).sort()).toEqual(['notes.txt', 'package.json']);

  const result = await scaffoldProject({ dir, template: 'train', name: 'my-app', force: true, templatesDir: TEMPLATES_DIR });
  expect(fs.readFileSync(path.join(dir, 'notes.txt'), 'utf8')).toBe('mine');
  expect((JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name: string }).name).toBe('my-app');
  expect(fs.readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  expect(result.files).toContain('data/train.csv');
});

test('an empty existing folder is written into without --force', async () => {
  const dir = path.join(tempDir(), 'empty');
  fs.mkdirSync(dir);
  await scaffoldProject({ dir, template: 'translate', templatesDir: TEMPLATES_DIR });
  expect(fs.existsSync(path.join(dir, 'model', 'encoder_model.onnx'))).toBe(true);
});

test('errors name the option, the value and the fix, and nothing is written', async () => {
  const parent = tempDir();
  const at = (name: string) => path.join(parent, name);
  const unknown = await caught(scaffoldProject({ dir: at('a'), template: 'serving', templatesDir: TEMPLATES_DIR }));
  expect(unknown.code).toBe('UNKNOWN_TEMPLATE');
  expect(unknown.message).toBe('--template "serving" is not a template; use one of: train, serve, translate, train-python');

  const badFolderName = await caught(scaffoldProject({ dir: at('My App'), template: 'train', templatesDir: TEMPLATES_DIR }));
  expect(badFolderName.code).toBe('INVALID_NAME');
  expect(badFolderName.message).toMatch(/^the folder name \(dir ".*My App"\) "My App" is not a valid npm package name: name can only contain URL-friendly characters; name can no longer contain capital letters\. Pass --name/);

  const digit = await caught(scaffoldProject({ dir: at('b'), template: 'train', name: '1st-model', templatesDir: TEMPLATES_DIR }));
  expect(digit.message).toContain('name "1st-model" cannot name the Cloud Run service and image: "1st-model" must start with a letter');

  const project = await caught(scaffoldProject({ dir: at('c'), template: 'serve', project: 'My Project', templatesDir: TEMPLATES_DIR }));
  expect(project.option).toBe('project');
  expect(project.message).toContain('project "My Project" is not a Google Cloud project ID');

  fs.writeFileSync(at('file'), '');
  const notDir = await caught(scaffoldProject({ dir: at('file'), template: 'serve', name: 'x-app', templatesDir: TEMPLATES_DIR }));
  expect(notDir.code).toBe('NOT_A_DIRECTORY');
  expect(fs.readdirSync(parent)).toEqual(['file']);
});

test('validateProjectName says why npm refuses a name', () => {
  expect(validateProjectName('@team/spam.filter')).toEqual({ packageName: '@team/spam.filter', serviceName: 'spam-filter' });
  expect(() => validateProjectName('node_modules')).toThrow(/node_modules is not a valid package name|blocklisted/);
  expect(() => validateProjectName('.hidden')).toThrow(/name cannot start with a period/);
});

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { CreateVertexkitError } from './create-vertexkit-error.js';
import { renderProjectFiles, type DeployTarget } from './render-project-files.js';
import { defaultTemplatesDir, readTemplate, type TemplateName } from './templates.js';
import { validateProjectName } from './validate-project-name.js';

/** Parameters of {@link scaffoldProject}. */
export interface ScaffoldProjectParams {
  /** The folder to write the project into; created when it does not exist. */
  dir: string;
  /** Which template: `train`, `serve`, `translate` or `train-python`. */
  template: TemplateName | (string & {});
  /** The npm package name. Default: the folder's name. */
  name?: string;
  /** Write into a folder that has files in it, replacing those with the same names (others are left alone). Default false. */
  force?: boolean;
  /** Google Cloud project ID the deploy files and README name. Default `my-project`, a placeholder. */
  project?: string;
  /** Region of the image repository, the service and the jobs. Default `us-central1`. */
  region?: string;
  /** Cloud Storage bucket (no gs://) for data and models. Default `<project>-vertexkit`. */
  bucket?: string;
  /** Called with each file's path (relative to `dir`) once it is in place. */
  onFile?: (file: string) => void;
  /** Where the built templates are (tests). Default: this package's templates/. */
  templatesDir?: string;
}

/** What {@link scaffoldProject} wrote. */
export interface ScaffoldResult {
  /** The project folder, absolute. */
  dir: string;
  packageName: string;
  /** The Cloud Run service and image name. */
  serviceName: string;
  template: TemplateName;
  /** The sample app it comes from, e.g. `apps/train`. */
  app: string;
  /** Every file written, relative to `dir`, sorted. */
  files: string[];
}

const PROJECT_ID = /^[a-z][-a-z0-9]{4,28}[a-z0-9]$/;
const REGION = /^[a-z]+-[a-z]+\d+$/;
const BUCKET = /^[a-z0-9][-a-z0-9_.]{1,61}[a-z0-9]$/;

/** The folder's entries, or undefined when it does not exist. */
function entriesOf(dir: string): string[] | undefined {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  if (!stat.isDirectory()) throw new CreateVertexkitError('NOT_A_DIRECTORY', `dir ${JSON.stringify(dir)} is a file, not a folder; give a folder for the project`, { option: 'dir' });
  return fs.readdirSync(dir);
}

function checkTarget(params: ScaffoldProjectParams): DeployTarget {
  const project = params.project ?? 'my-project';
  const region = params.region ?? 'us-central1';
  const bucket = params.bucket ?? `${project}-vertexkit`;
  if (!PROJECT_ID.test(project)) {
    throw new CreateVertexkitError('INVALID_OPTIONS', `project ${JSON.stringify(project)} is not a Google Cloud project ID: 6 to 30 lowercase letters, digits and "-", starting with a letter (gcloud projects list shows yours)`, { option: 'project' });
  }
  if (!REGION.test(region)) throw new CreateVertexkitError('INVALID_OPTIONS', `region ${JSON.stringify(region)} is not a Google Cloud region, such as us-central1 or europe-west4`, { option: 'region' });
  if (!BUCKET.test(bucket) || bucket.startsWith('goog')) {
    throw new CreateVertexkitError('INVALID_OPTIONS', `bucket ${JSON.stringify(bucket)} is not a Cloud Storage bucket name: 3 to 63 lowercase letters, digits, "-", "_" and ".", no gs:// (e.g. my-project-vertexkit)`, { option: 'bucket' });
  }
  return { project, region, bucket };
}

/** `text` into `file` through a temporary name in the same folder: a reader sees the old file or the new, never half. */
function writeFileAtomic(file: string, content: string | Buffer): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    fs.writeFileSync(temp, content);
    fs.renameSync(temp, file);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw error;
  }
}

/**
 * Writes a standalone project from a template: the sample app's files, a package.json that depends on the published
 * `@vertexkit/*` versions, a tsconfig, a test, a README with the commands to install, run and deploy it, and the
 * Dockerfile, .dockerignore, cloudbuild.yaml (and, for a server, service.yaml) rendered for its name by
 * `@vertexkit/containers`. Everything is checked before anything is written. A new folder is assembled beside the
 * target and renamed into place, so an interrupted run leaves no half project; into an existing folder each file is
 * written through a temporary name.
 *
 * @example
 * ```ts
 * const result = await scaffoldProject({ dir: 'my-spam-filter', template: 'train', onFile: (file) => console.log(`wrote ${file}`) });
 * // then: cd my-spam-filter && npm install && npm start
 * ```
 * @throws CreateVertexkitError `UNKNOWN_TEMPLATE`, `INVALID_NAME`, `DIRECTORY_NOT_EMPTY` (without `force`),
 *   `NOT_A_DIRECTORY`, `INVALID_OPTIONS`
 */
export async function scaffoldProject(params: ScaffoldProjectParams): Promise<ScaffoldResult> {
  const templatesDir = params.templatesDir ?? defaultTemplatesDir();
  const template = readTemplate(params.template, templatesDir);
  const dir = path.resolve(params.dir);
  const names = validateProjectName(params.name ?? path.basename(dir), params.name === undefined ? `the folder name (dir ${JSON.stringify(params.dir)})` : 'name');
  const target = checkTarget(params);
  const existing = entriesOf(dir);
  if (existing && existing.length > 0 && params.force !== true) {
    const shown = existing.slice(0, 5).join(', ') + (existing.length > 5 ? `, and ${existing.length - 5} more` : '');
    throw new CreateVertexkitError(
      'DIRECTORY_NOT_EMPTY',
      `dir ${JSON.stringify(params.dir)} is not empty (${shown}); choose a new or empty folder, or pass --force to write into it (files with the same names are replaced, others are kept)`,
      { option: 'dir' },
    );
  }

  const contents = new Map<string, string | Buffer>();
  const filesDir = path.join(templatesDir, template.name, 'files');
  for (const file of template.files) contents.set(file, await fs.promises.readFile(path.join(filesDir, file)));
  for (const [file, text] of renderProjectFiles(template, names, target)) {
    if (contents.has(file)) throw new CreateVertexkitError('TEMPLATES_MISSING', `the ${template.name} template has its own ${file}, which the project's would replace`);
    contents.set(file, text);
  }
  const files = [...contents.keys()].sort();

  if (existing === undefined) {
    // A new folder: assembled beside the target, then renamed into place in one step.
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    const staging = fs.mkdtempSync(path.join(path.dirname(dir), `.${path.basename(dir)}.create-vertexkit-`));
    try {
      for (const file of files) writeFileAtomic(path.join(staging, file), contents.get(file)!);
      fs.renameSync(staging, dir);
    } catch (error) {
      fs.rmSync(staging, { recursive: true, force: true });
      throw error;
    }
    for (const file of files) params.onFile?.(file);
  } else {
    for (const file of files) {
      writeFileAtomic(path.join(dir, file), contents.get(file)!);
      params.onFile?.(file);
    }
  }
  return { dir, packageName: names.packageName, serviceName: names.serviceName, template: template.name, app: template.app, files };
}

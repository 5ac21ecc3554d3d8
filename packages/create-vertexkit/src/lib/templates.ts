import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PythonTrainingImageOptions } from '@vertexkit/containers';
import { CreateVertexkitError } from './create-vertexkit-error.js';

/** The templates, in the order the prompt offers them. */
export const TEMPLATE_NAMES = ['train', 'serve', 'translate', 'train-python'] as const;

/** A template's name, what `--template` takes. */
export type TemplateName = (typeof TEMPLATE_NAMES)[number];

/** A template as the build derived it from its sample app (templates/<name>/template.json). */
export interface TemplateManifest {
  name: TemplateName;
  /** One line: what a project made from it does. */
  summary: string;
  /** The sample app of the vertexkit repository it comes from, e.g. `apps/train`. */
  app: string;
  /** The project's package.json fields, but its name and version. */
  package: {
    description: string;
    type: string;
    engines: Record<string, string>;
    scripts: Record<string, string>;
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
  };
  tsconfig: { compilerOptions: Record<string, unknown>; include: string[] };
  /** The options the project's Dockerfile and cloudbuild.yaml are rendered from. */
  image:
    | { kind: 'node-serve' | 'node-train'; options: Record<string, unknown>; cloudBuild: Record<string, unknown> }
    | { kind: 'python-training'; options: PythonTrainingImageOptions; executorImage: string; cloudBuild: Record<string, unknown> };
  /** The project installs onnxruntime-node: its .npmrc skips that package's CUDA download. */
  onnxruntime: boolean;
  /** The model directory in model/: a spam filter, a Marian translator, or none. */
  model: 'spam-filter' | 'marian' | null;
  /** Every file under files/, copied into the project as it is. */
  files: string[];
}

/** Where the built templates are: templates/ at the package root (beside dist/ once built, beside src/ in a checkout). */
export function defaultTemplatesDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.resolve(here, '..', 'templates'), path.resolve(here, '..', '..', 'templates')];
  return candidates.find((dir) => fs.existsSync(path.join(dir, 'train', 'template.json'))) ?? candidates[0]!;
}

/** Whether `name` is one of {@link TEMPLATE_NAMES}. */
export function isTemplateName(name: string): name is TemplateName {
  return (TEMPLATE_NAMES as readonly string[]).includes(name);
}

/** The error for a template name that is not one, listing those that are. */
export function unknownTemplateError(name: string, flag = '--template'): CreateVertexkitError {
  return new CreateVertexkitError('UNKNOWN_TEMPLATE', `${flag} ${JSON.stringify(name)} is not a template; use one of: ${TEMPLATE_NAMES.join(', ')}`, { option: 'template' });
}

/**
 * Reads one template's manifest.
 *
 * @throws CreateVertexkitError `UNKNOWN_TEMPLATE` for a name that is not a template, `TEMPLATES_MISSING` when the
 *   package was built or installed without its templates
 */
export function readTemplate(name: string, templatesDir = defaultTemplatesDir()): TemplateManifest {
  if (!isTemplateName(name)) throw unknownTemplateError(name);
  const file = path.join(templatesDir, name, 'template.json');
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as TemplateManifest;
  } catch (error) {
    throw new CreateVertexkitError('TEMPLATES_MISSING', `cannot read the ${name} template (${file}): ${(error as Error).message}. Reinstall create-vertexkit; in its repository, run npm run build -w create-vertexkit.`, { cause: error });
  }
}

/** Every template's name and summary, for prompts and `--help`. */
export function listTemplates(templatesDir = defaultTemplatesDir()): Array<Pick<TemplateManifest, 'name' | 'summary' | 'app'>> {
  return TEMPLATE_NAMES.map((name) => {
    const { summary, app } = readTemplate(name, templatesDir);
    return { name, summary, app };
  });
}

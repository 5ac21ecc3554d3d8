import {
  checkCloudBuild,
  checkCloudRunService,
  checkDockerfile,
  renderCloudBuild,
  renderCloudRunService,
  renderNodeServeImage,
  renderNodeTrainImage,
  renderPythonTrainingImage,
  type RenderedImage,
} from '@vertexkit/containers';
import { CreateVertexkitError } from './create-vertexkit-error.js';
import { renderReadme } from './render-readme.js';
import type { TemplateManifest } from './templates.js';
import type { ProjectNames } from './validate-project-name.js';

/** Where the project deploys: what its service.yaml and README's commands name. */
export interface DeployTarget {
  /** Google Cloud project ID. */
  project: string;
  /** Region of the image repository, the service and the jobs. */
  region: string;
  /** Cloud Storage bucket for data and models (no gs://). */
  bucket: string;
}

/** The project's own files (not the template's copies), by path: package.json, tsconfig, deploy files, README. */
export function renderProjectFiles(template: TemplateManifest, names: ProjectNames, target: DeployTarget): Map<string, string> {
  const files = new Map<string, string>();
  const deploy = deployLocations(template, names, target);
  const { description, ...fields } = template.package;
  const manifest = { name: names.packageName, version: '0.1.0', private: true, description, ...fields };
  files.set('package.json', `${JSON.stringify(manifest, null, 2)}\n`);
  files.set('tsconfig.json', `${JSON.stringify(template.tsconfig, null, 2)}\n`);
  files.set('.gitignore', gitignore(template));
  // onnxruntime-node's install script downloads CUDA libraries, which a CPU server never loads (its CPU binaries
  // ship in the package) and which fail offline. npm passes this line to the script as npm_config_onnxruntime_node_install.
  if (template.onnxruntime) files.set('.npmrc', 'onnxruntime-node-install=skip\n');

  const image = renderImage(template);
  files.set('Dockerfile', image.dockerfile);
  files.set('.dockerignore', image.dockerignore);
  const imageParts = { location: '$_REGION', repository: '$_REPOSITORY', name: names.serviceName };
  files.set('cloudbuild.yaml', renderCloudBuild({ ...template.image.cloudBuild, image: imageParts, dockerfile: 'Dockerfile', context: '.' }));
  if (template.image.kind === 'node-serve') {
    files.set(
      'service.yaml',
      renderCloudRunService({
        name: names.serviceName,
        image: deploy.image,
        env: { MODEL_URI: deploy.modelUri },
        healthRoute: '/health',
      }),
    );
  }
  files.set('README.md', renderReadme(template, names, target, deploy));
  checkRendered(files);
  return files;
}

/** The names the deploy files and the README's commands share. */
export interface DeployLocations {
  /** The Artifact Registry repository (the app's `_REPOSITORY` substitution). */
  repository: string;
  /** The image, tag 1: `us-central1-docker.pkg.dev/my-project/vertexkit/my-app:1`. */
  image: string;
  /** Where the model directory goes in Cloud Storage: `gs://BUCKET/my-app/model/`. */
  modelUri: string;
  /** Where training data goes: `gs://BUCKET/my-app/data/`. */
  dataUri: string;
}

export function deployLocations(template: TemplateManifest, names: ProjectNames, target: DeployTarget): DeployLocations {
  const substitutions = (template.image.cloudBuild.substitutions ?? {}) as Record<string, string>;
  const repository = substitutions._REPOSITORY ?? 'vertexkit';
  const prefix = `gs://${target.bucket}/${names.serviceName}`;
  return { repository, image: `${target.region}-docker.pkg.dev/${target.project}/${repository}/${names.serviceName}:1`, modelUri: `${prefix}/model/`, dataUri: `${prefix}/data/` };
}

function renderImage(template: TemplateManifest): RenderedImage {
  switch (template.image.kind) {
    case 'node-serve':
      return renderNodeServeImage(template.image.options);
    case 'node-train':
      return renderNodeTrainImage(template.image.options);
    case 'python-training':
      return renderPythonTrainingImage(template.image.options);
  }
}

function gitignore(template: TemplateManifest): string {
  const lines = ['node_modules/', '# local job folders, staged packages and virtual environments of @vertexkit/jobs', '.vertexkit/', '*.tgz', '.env', '.env.*'];
  if (template.image.kind === 'node-train') lines.push('# what npm start trains', 'model/');
  if (template.image.kind === 'python-training') lines.push('__pycache__/', '*.pyc', '*.egg-info/');
  return `${lines.join('\n')}\n`;
}

/** Nothing is written that fails its own checks (as the repository's generate:deploy refuses to). */
function checkRendered(files: Map<string, string>): void {
  const dockerfile = files.get('Dockerfile') ?? '';
  const findings = [
    ...checkDockerfile(dockerfile, { fileName: 'Dockerfile', dockerignore: files.get('.dockerignore') ?? '' }).map((f) => `${f.path}: ${f.severity} ${f.rule}: ${f.message}`),
    ...checkCloudBuild(files.get('cloudbuild.yaml') ?? '').map((issue) => `cloudbuild.yaml: ${issue.path}: ${issue.message}`),
    ...(files.has('service.yaml') ? checkCloudRunService(files.get('service.yaml') ?? '').map((issue) => `service.yaml: ${issue.path}: ${issue.message}`) : []),
  ];
  if (findings.length > 0) {
    throw new CreateVertexkitError('TEMPLATES_MISSING', `the rendered deploy files fail @vertexkit/containers' checks (a bug in the template, please report it):\n  ${findings.join('\n  ')}`);
  }
}

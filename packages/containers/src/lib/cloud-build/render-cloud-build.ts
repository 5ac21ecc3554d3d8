// cloudbuild.yaml as the build config schema describes it (https://cloud.google.com/build/docs/build-config-file-schema).
import { toYamlText } from '../gcloud/yaml-text.js';
import { escapeDollars } from './cloud-build-substitutions.js';
import { validCloudBuild, type CloudBuildOptions, type CloudBuildStep, type ResolvedCloudBuild } from './cloud-build-options.js';

const DOCKER = 'gcr.io/cloud-builders/docker';
const CLOUD_SDK = 'gcr.io/google.com/cloudsdktool/cloud-sdk';

/**
 * Renders a cloudbuild.yaml: your pre-steps (install, test, build packages), a BuildKit `docker build` of one image
 * tagged for Artifact Registry, `images:` so Cloud Build pushes it and records it, and optionally a push and a
 * Cloud Run deploy (`gcloud run services replace` or `gcloud run deploy`) from the Cloud SDK builder. The tag is
 * `$_TAG` (default `latest`) unless you give one; logs go to Cloud Logging only, which builds with a user service
 * account need. The options are checked first; the file passes {@link checkCloudBuild}.
 *
 * @example
 * renderCloudBuild({
 *   image: { location: 'us-central1', repository: 'models', name: 'sentiment' },
 *   preSteps: [{ name: 'node:24', entrypoint: 'npm', args: ['ci'] }, { name: 'node:24', entrypoint: 'npm', args: ['run', 'build'] }],
 *   deploy: { serviceYaml: 'service.yaml', region: 'us-central1' },
 * });
 * @throws ContainersError INVALID_OPTIONS listing every invalid option with its fix
 */
export function renderCloudBuild(options: CloudBuildOptions): string {
  return toYamlText(cloudBuildConfig(validCloudBuild(options, 'renderCloudBuild')));
}

function userStep(step: CloudBuildStep): Record<string, unknown> {
  const env = Object.entries(step.env ?? {});
  return {
    ...(step.id !== undefined ? { id: step.id } : {}),
    name: step.name,
    ...(step.entrypoint !== undefined ? { entrypoint: step.entrypoint } : {}),
    ...(step.args !== undefined ? { args: step.args } : {}),
    ...(step.dir !== undefined ? { dir: step.dir } : {}),
    ...(env.length > 0 ? { env: env.map(([name, value]) => `${name}=${value}`) } : {}),
    ...(step.secretEnv !== undefined && step.secretEnv.length > 0 ? { secretEnv: step.secretEnv } : {}),
    ...(step.waitFor !== undefined ? { waitFor: step.waitFor } : {}),
    ...(step.timeoutSeconds !== undefined ? { timeout: `${step.timeoutSeconds}s` } : {}),
  };
}

/** The words after `gcloud` of the deploy step. */
function deployArgs(build: ResolvedCloudBuild): string[] | undefined {
  const deploy = build.deploy;
  if (deploy === undefined) return undefined;
  if ('serviceYaml' in deploy) return ['run', 'services', 'replace', deploy.serviceYaml, `--region=${deploy.region}`];
  const args = deploy.command.argv.slice(1);
  // The command's values are literal text: `$` in an env value must reach gcloud as `$`, not be substituted.
  const escaped = args.filter((arg) => !arg.startsWith('--image=')).map(escapeDollars);
  if (args[1] !== 'deploy') return escaped;
  // gcloud run deploy: deploy exactly what this build pushed.
  return [...escaped.slice(0, 3), `--image=${build.image}`, ...escaped.slice(3)];
}

/** The build config, JSON-shaped, before it becomes YAML. */
function cloudBuildConfig(build: ResolvedCloudBuild): Record<string, unknown> {
  const buildArgs = build.buildArgs.flatMap(({ name, value }) => ['--build-arg', `${name}=${value}`]);
  const steps: Array<Record<string, unknown>> = [
    ...build.preSteps.map(userStep),
    {
      id: 'build',
      name: DOCKER,
      args: ['build', '-f', build.dockerfile, ...build.tags.flatMap((tag) => ['-t', tag]), ...buildArgs, build.context],
      // BuildKit: cache mounts and multi-stage pruning in the Dockerfiles this package renders need it.
      env: ['DOCKER_BUILDKIT=1'],
    },
  ];
  const gcloud = deployArgs(build);
  if (gcloud) {
    // `images:` are pushed after the last step, too late for a deploy step: push first, then deploy.
    steps.push({ id: 'push', name: DOCKER, args: ['push', '--all-tags', build.repositoryImage] });
    steps.push({ id: 'deploy', name: CLOUD_SDK, entrypoint: 'gcloud', args: gcloud });
  }
  return {
    steps,
    images: build.tags,
    ...(Object.keys(build.substitutions).length > 0 ? { substitutions: build.substitutions } : {}),
    ...(build.secrets.length > 0
      ? {
          availableSecrets: {
            secretManager: build.secrets.map(({ name, secret, version }) => ({ versionName: `projects/$PROJECT_ID/secrets/${secret}/versions/${version}`, env: name })),
          },
        }
      : {}),
    options: { logging: 'CLOUD_LOGGING_ONLY', ...(build.machineType !== undefined ? { machineType: build.machineType } : {}) },
    timeout: `${build.timeoutSeconds}s`,
  };
}

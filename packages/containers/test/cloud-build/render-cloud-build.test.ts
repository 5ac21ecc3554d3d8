// cloudbuild.yaml: its shape (parsed back), defaults, deploy variants, and every option rule with its exact message.
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { checkCloudBuild } from '../../src/lib/cloud-build/check-cloud-build.js';
import type { CloudBuildOptions } from '../../src/lib/cloud-build/cloud-build-options.js';
import { renderCloudBuild } from '../../src/lib/cloud-build/render-cloud-build.js';
import { cloudRunDeployCommand } from '../../src/lib/cloud-run/cloud-run-deploy-command.js';
import { cloudRunServicesReplaceCommand } from '../../src/lib/cloud-run/cloud-run-services-replace-command.js';
import { errorOf } from '../cloud-run/fixtures.js';

const IMAGE = 'us-central1-docker.pkg.dev/$PROJECT_ID/models/sentiment:$_TAG';
const MINIMAL: CloudBuildOptions = { image: { location: 'us-central1', repository: 'models', name: 'sentiment' } };

const FULL: CloudBuildOptions = {
  image: 'europe-west4-docker.pkg.dev/my-project/models/nlp/sentiment:${_TAG}',
  extraTags: ['latest', '$SHORT_SHA'],
  dockerfile: 'serving/Dockerfile',
  context: 'serving',
  buildArgs: { PYTHON_VERSION: '3.12', GIT_SHA: '$COMMIT_SHA' },
  preSteps: [
    { id: 'install', name: 'node:24', entrypoint: 'npm', args: ['ci'], secretEnv: ['NPM_TOKEN'] },
    { id: 'build-packages', name: 'node:24', entrypoint: 'npm', args: ['run', 'build', '--workspaces'], env: { NODE_ENV: 'production' }, waitFor: ['install'] },
    { name: 'python:3.12', entrypoint: 'bash', args: ['-c', 'pip install -r requirements.txt && pytest -q'], dir: 'serving', timeoutSeconds: 900, waitFor: ['-'] },
  ],
  substitutions: { _TAG: 'v1', _PYTHON: 'python3' },
  secrets: { NPM_TOKEN: 'npm-token:2' },
  machineType: 'E2_HIGHCPU_8',
  timeoutSeconds: 2400,
  deploy: { serviceYaml: 'serving/service.yaml', region: 'europe-west4' },
};
// _PYTHON must be used somewhere, or Cloud Build refuses it.
FULL.preSteps?.[2]?.args?.splice(1, 1, '$_PYTHON -m pip install -r requirements.txt && pytest -q');

function issuesOf(options: CloudBuildOptions): Array<{ path: string; message: string }> {
  return errorOf(() => renderCloudBuild(options)).issues;
}

describe('renderCloudBuild', () => {
  it('renders a minimal build: docker build, images, _TAG defaulting to latest', () => {
    expect(parse(renderCloudBuild(MINIMAL))).toEqual({
      steps: [{ id: 'build', name: 'gcr.io/cloud-builders/docker', args: ['build', '-f', 'Dockerfile', '-t', IMAGE, '.'], env: ['DOCKER_BUILDKIT=1'] }],
      images: [IMAGE],
      substitutions: { _TAG: 'latest' },
      options: { logging: 'CLOUD_LOGGING_ONLY' },
      timeout: '3600s',
    });
  });

  it('renders every option', () => {
    const image = 'europe-west4-docker.pkg.dev/my-project/models/nlp/sentiment';
    expect(parse(renderCloudBuild(FULL))).toEqual({
      steps: [
        { id: 'install', name: 'node:24', entrypoint: 'npm', args: ['ci'], secretEnv: ['NPM_TOKEN'] },
        { id: 'build-packages', name: 'node:24', entrypoint: 'npm', args: ['run', 'build', '--workspaces'], env: ['NODE_ENV=production'], waitFor: ['install'] },
        { name: 'python:3.12', entrypoint: 'bash', args: ['-c', '$_PYTHON -m pip install -r requirements.txt && pytest -q'], dir: 'serving', waitFor: ['-'], timeout: '900s' },
        {
          id: 'build',
          name: 'gcr.io/cloud-builders/docker',
          args: [
            'build',
            '-f',
            'serving/Dockerfile',
            '-t',
            `${image}:\${_TAG}`,
            '-t',
            `${image}:latest`,
            '-t',
            `${image}:$SHORT_SHA`,
            '--build-arg',
            'PYTHON_VERSION=3.12',
            '--build-arg',
            'GIT_SHA=$COMMIT_SHA',
            'serving',
          ],
          env: ['DOCKER_BUILDKIT=1'],
        },
        { id: 'push', name: 'gcr.io/cloud-builders/docker', args: ['push', '--all-tags', image] },
        {
          id: 'deploy',
          name: 'gcr.io/google.com/cloudsdktool/cloud-sdk',
          entrypoint: 'gcloud',
          args: ['run', 'services', 'replace', 'serving/service.yaml', '--region=europe-west4'],
        },
      ],
      images: [`${image}:\${_TAG}`, `${image}:latest`, `${image}:$SHORT_SHA`],
      substitutions: { _TAG: 'v1', _PYTHON: 'python3' },
      availableSecrets: { secretManager: [{ versionName: 'projects/$PROJECT_ID/secrets/npm-token/versions/2', env: 'NPM_TOKEN' }] },
      options: { logging: 'CLOUD_LOGGING_ONLY', machineType: 'E2_HIGHCPU_8' },
      timeout: '2400s',
    });
  });

  it('leaves substitutions out when the tag is fixed', () => {
    const config = parse(renderCloudBuild({ image: 'us-docker.pkg.dev/my-project/models/sentiment:1.2.0' })) as Record<string, unknown>;
    expect(config.substitutions).toBeUndefined();
    expect(config.images).toEqual(['us-docker.pkg.dev/my-project/models/sentiment:1.2.0']);
  });

  it('tags an untagged image string with $_TAG', () => {
    const config = parse(renderCloudBuild({ image: 'us-docker.pkg.dev/my-project/models/sentiment' })) as Record<string, unknown>;
    expect(config.images).toEqual(['us-docker.pkg.dev/my-project/models/sentiment:$_TAG']);
    expect(config.substitutions).toEqual({ _TAG: 'latest' });
  });

  it('deploys with a gcloud run deploy command, on the image it pushed, its $ kept literal', () => {
    const command = cloudRunDeployCommand({
      name: 'sentiment',
      image: 'us-central1-docker.pkg.dev/my-project/models/sentiment:old',
      region: 'us-central1',
      project: 'my-project',
      env: { PRICE: '$5' },
    });
    const config = parse(renderCloudBuild({ ...MINIMAL, deploy: { command } })) as { steps: Array<{ id: string; args: string[] }> };
    const deploy = config.steps.find((step) => step.id === 'deploy');
    expect(deploy?.args.slice(0, 5)).toEqual(['run', 'deploy', 'sentiment', `--image=${IMAGE}`, '--region=us-central1']);
    expect(deploy?.args).toContain('--set-env-vars=PRICE=$$5');
    expect(deploy?.args.filter((arg) => arg.startsWith('--image='))).toHaveLength(1);
    expect(config.steps.map((step) => step.id)).toEqual(['build', 'push', 'deploy']);
  });

  it('deploys with a gcloud run services replace command', () => {
    const command = cloudRunServicesReplaceCommand({ file: 'service.yaml', region: 'us-central1', project: 'my-project' });
    const config = parse(renderCloudBuild({ ...MINIMAL, deploy: { command } })) as { steps: Array<{ id: string; args: string[] }> };
    expect(config.steps.at(-1)?.args).toEqual(['run', 'services', 'replace', 'service.yaml', '--region=us-central1', '--project=my-project']);
  });

  it('renders files that pass their own check', () => {
    const command = cloudRunDeployCommand({ name: 'sentiment', image: 'us-central1-docker.pkg.dev/my-project/models/sentiment:1', region: 'us-central1', project: 'my-project', env: { A: 'x,y', PRICE: '$5' }, secrets: { HF_TOKEN: 'hf' } });
    for (const options of [MINIMAL, FULL, { ...MINIMAL, deploy: { command } }, { image: 'us-docker.pkg.dev/my-project/models/sentiment:1.2.0' }]) {
      expect(checkCloudBuild(renderCloudBuild(options))).toEqual([]);
    }
  });
});

describe('renderCloudBuild validation', () => {
  it('reports every issue at once in one INVALID_OPTIONS error', () => {
    const error = errorOf(() => renderCloudBuild({ image: 'gcr.io/my-project/sentiment', machineType: 'E2_HIGHCPU_16' as 'E2_HIGHCPU_8', timeoutSeconds: 0 }));
    expect(error.code).toBe('INVALID_OPTIONS');
    expect(error.message).toBe(
      [
        'renderCloudBuild: 3 invalid options',
        '  image: "gcr.io/my-project/sentiment" is not an Artifact Registry image: Container Registry (gcr.io) is deprecated; push to Artifact Registry; write LOCATION-docker.pkg.dev/PROJECT/REPOSITORY/IMAGE[:TAG], e.g. "us-central1-docker.pkg.dev/$PROJECT_ID/models/server:$_TAG"',
        '  machineType: "E2_HIGHCPU_16" is not a Cloud Build machine type; use one of UNSPECIFIED, N1_HIGHCPU_8, N1_HIGHCPU_32, E2_HIGHCPU_8, E2_HIGHCPU_32, E2_MEDIUM',
        '  timeoutSeconds: 0 is out of range: a Cloud Build timeout is a whole number of seconds from 1 to 86400 (24 hours)',
      ].join('\n'),
    );
  });

  const image = MINIMAL.image as Exclude<CloudBuildOptions['image'], string>;
  const cases: Array<[string, Partial<CloudBuildOptions>, { path: string; message: string }]> = [
    ['not an Artifact Registry host', { image: 'docker.io/me/sentiment:1' }, { path: 'image', message: '"docker.io/me/sentiment:1" is not an Artifact Registry image: "docker.io" is not an Artifact Registry host (LOCATION-docker.pkg.dev); write LOCATION-docker.pkg.dev/PROJECT/REPOSITORY/IMAGE[:TAG], e.g. "us-central1-docker.pkg.dev/$PROJECT_ID/models/server:$_TAG"' }],
    ['no repository', { image: 'us-docker.pkg.dev/my-project/sentiment' }, { path: 'image', message: '"us-docker.pkg.dev/my-project/sentiment" is not an Artifact Registry image: it needs a project, a repository and an image after the host; write LOCATION-docker.pkg.dev/PROJECT/REPOSITORY/IMAGE[:TAG], e.g. "us-central1-docker.pkg.dev/$PROJECT_ID/models/server:$_TAG"' }],
    ['bad location in the host', { image: 'us_central1-docker.pkg.dev/my-project/models/sentiment' }, { path: 'image', message: '"us_central1" is not an Artifact Registry location; use a region such as "us-central1" or a multi-region "us", "europe" or "asia"' }],
    ['digest', { image: `us-docker.pkg.dev/my-project/models/sentiment@sha256:${'a'.repeat(64)}` }, { path: 'image', message: `"us-docker.pkg.dev/my-project/models/sentiment@sha256:${'a'.repeat(64)}" names a digest; Cloud Build pushes tags, so write a tag (e.g. ":$_TAG") instead of "@sha256:${'a'.repeat(64)}"` }],
    ['location', { image: { ...image, location: 'mars' } }, { path: 'image.location', message: '"mars" is not an Artifact Registry location; use a region such as "us-central1" or a multi-region "us", "europe" or "asia"' }],
    ['repository with _', { image: { ...image, repository: 'ml_models' } }, { path: 'image.repository', message: '"ml_models" is not an Artifact Registry repository ID: use lowercase letters, digits and "-", start with a letter, end with a letter or digit, at most 63 characters, e.g. "ml-models"' }],
    ['repository in upper case', { image: { ...image, repository: 'Models' } }, { path: 'image.repository', message: '"Models" is not an Artifact Registry repository ID: use lowercase letters, digits and "-", start with a letter, end with a letter or digit, at most 63 characters, e.g. "models"' }],
    ['image name in upper case', { image: { ...image, name: 'Sentiment' } }, { path: 'image.name', message: '"Sentiment" is not a valid image name: use lowercase letters, digits, ".", "_" and "-" (with "/" between parts), e.g. "sentiment"' }],
    ['tag', { image: { ...image, tag: 'v1:2' } }, { path: 'image.tag', message: '"v1:2" is not a valid image tag: up to 128 letters, digits, "_", "." and "-", not starting with "." or "-"; or a substitution such as "$_TAG"' }],
    ['project', { image: { ...image, project: 'My_Project' } }, { path: 'image.project', message: '"My_Project" is not a Google Cloud project ID (6–30 lowercase letters, digits and "-"); or write "$PROJECT_ID" for the build\'s own project' }],
    ['extra tag', { extraTags: ['.hidden'] }, { path: 'extraTags[0]', message: '".hidden" is not a valid image tag: up to 128 letters, digits, "_", "." and "-", not starting with "." or "-"' }],
    ['empty dockerfile', { dockerfile: ' ' }, { path: 'dockerfile', message: 'empty; give the Dockerfile path, e.g. "Dockerfile"' }],
    ['build arg name', { buildArgs: { 'PY-VERSION': '3' } }, { path: 'buildArgs.PY-VERSION', message: '"PY-VERSION" is not a build argument name; use letters, digits and "_"' }],
    ['secret build arg', { buildArgs: { HF_TOKEN: 'hf_abc' } }, { path: 'buildArgs.HF_TOKEN', message: "HF_TOKEN looks like a secret; build arguments stay in the image's history for anyone who pulls it: read it in a step with secrets: { HF_TOKEN: 'SECRET_NAME' } and secretEnv, or use a BuildKit secret mount" }],
    ['step without a builder', { preSteps: [{ name: '', args: ['ci'] }] }, { path: 'preSteps[0].name', message: 'missing; name the builder image the step runs in, e.g. "node:24"' }],
    ['step id taken', { preSteps: [{ id: 'build', name: 'node:24' }] }, { path: 'preSteps[0].id', message: '"build" is the ID of a step this build adds; choose another, e.g. "build-app"' }],
    ['duplicate step id', { preSteps: [{ id: 'a', name: 'node:24' }, { id: 'a', name: 'node:24' }] }, { path: 'preSteps[1].id', message: '"a" is used by an earlier step; step IDs must be unique' }],
    ['waitFor unknown', { preSteps: [{ id: 'a', name: 'node:24' }, { name: 'node:24', waitFor: ['b'] }] }, { path: 'preSteps[1].waitFor', message: '"b" is not the ID of an earlier step; wait for one of "a", or "-" to start at once' }],
    ['secret in step env', { preSteps: [{ name: 'node:24', env: { NPM_TOKEN: 'npm_abc' } }] }, { path: 'preSteps[0].env.NPM_TOKEN', message: "NPM_TOKEN looks like a secret written in plain text in cloudbuild.yaml; add it to secrets: { NPM_TOKEN: 'SECRET_NAME' } and list it in this step's secretEnv" }],
    ['secretEnv not in secrets', { preSteps: [{ name: 'node:24', secretEnv: ['NPM_TOKEN'] }] }, { path: 'preSteps[0].secretEnv', message: `"NPM_TOKEN" is not in secrets; add secrets: { NPM_TOKEN: 'SECRET_NAME' }` }],
    ['step timeout', { preSteps: [{ name: 'node:24', timeoutSeconds: 1.5 }] }, { path: 'preSteps[0].timeoutSeconds', message: '1.5 is not a step timeout; give a whole number of seconds, 1 or more' }],
    ['secret version', { secrets: { NPM_TOKEN: 'npm-token:newest' } }, { path: 'secrets.NPM_TOKEN', message: '"newest" is not a secret version; use "latest" or a version number, e.g. "npm-token:1"' }],
    ['substitution key in lower case', { substitutions: { _tag: 'v1' } }, { path: 'substitutions._tag', message: '"_tag" is not a user substitution key: Cloud Build wants "_" then upper-case letters, digits and "_"; rename it _TAG' }],
    ['substitution key without _', { substitutions: { REGION: 'us' } }, { path: 'substitutions.REGION', message: '"REGION" is not a user substitution key: Cloud Build wants "_" then upper-case letters, digits and "_"; rename it _REGION' }],
    ['substitution used, not defined', { buildArgs: { MODEL: '$_MODEL' } }, { path: 'buildArgs.MODEL', message: "$_MODEL is used but not defined; Cloud Build refuses the build: add substitutions: { _MODEL: 'DEFAULT' }" }],
    ['substitution defined, not used', { substitutions: { _UNUSED: 'x' } }, { path: 'substitutions._UNUSED', message: '_UNUSED is defined but never used; gcloud builds submit refuses unused substitutions: use it as $_UNUSED or remove it' }],
    ['shell variable without $$', { preSteps: [{ name: 'bash', args: ['-c', 'echo $HOME'] }] }, { path: 'preSteps[0].args[1]', message: '$HOME is not a Cloud Build substitution (user ones start with "_"); write $$HOME for a shell variable, or $_HOME and define it in substitutions' }],
    ['deploy command not run', { deploy: { command: { argv: ['gcloud', 'builds', 'submit', '.'], text: '' } } }, { path: 'deploy.command', message: '"gcloud builds submit ." is not a gcloud run deploy or gcloud run services replace command; pass cloudRunDeployCommand(...) or cloudRunServicesReplaceCommand(...)' }],
    ['deploy region', { deploy: { serviceYaml: 'service.yaml', region: 'us' } }, { path: 'deploy.region', message: '"us" is not a Cloud Run region; write one such as "us-central1"' }],
    ['deploy file', { deploy: { serviceYaml: '', region: 'us-central1' } }, { path: 'deploy.serviceYaml', message: 'missing; give the service YAML path, e.g. "service.yaml"' }],
    ['timeout above 24 h', { timeoutSeconds: 90000 }, { path: 'timeoutSeconds', message: '90000 is out of range: a Cloud Build timeout is a whole number of seconds from 1 to 86400 (24 hours)' }],
  ];

  it.each(cases)('%s', (_name, change, issue) => {
    expect(issuesOf({ ...MINIMAL, ...change })).toEqual([issue]);
  });

  it('accepts shell variables written $$, domain-scoped projects and multi-regions', () => {
    expect(() => renderCloudBuild({ ...MINIMAL, preSteps: [{ name: 'bash', args: ['-c', 'echo $$HOME'] }] })).not.toThrow();
    const config = parse(renderCloudBuild({ image: { location: 'europe', project: 'example.com:ml-platform', repository: 'models', name: 'sentiment' } })) as { images: string[] };
    expect(config.images).toEqual(['europe-docker.pkg.dev/example.com/ml-platform/models/sentiment:$_TAG']);
    expect(() => renderCloudBuild({ image: 'europe-docker.pkg.dev/example.com/ml-platform/models/sentiment:1' })).not.toThrow();
  });
});

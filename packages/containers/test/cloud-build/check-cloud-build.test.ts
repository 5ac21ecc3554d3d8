// checkCloudBuild: a rendered config passes; each hand-broken one is caught at the right field.
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { checkCloudBuild } from '../../src/lib/cloud-build/check-cloud-build.js';
import { renderCloudBuild } from '../../src/lib/cloud-build/render-cloud-build.js';

interface Step {
  id?: string;
  name?: string;
  args: string[];
  env?: string[];
  secretEnv?: string[];
  waitFor?: string[];
}
interface Config {
  steps: Step[];
  images: string[];
  substitutions: Record<string, string>;
  options: { logging?: string; machineType?: string; substitutionOption?: string };
  serviceAccount?: string;
  timeout?: string | number;
}

const IMAGE = 'us-central1-docker.pkg.dev/$PROJECT_ID/models/sentiment:$_TAG';
const GOOD = renderCloudBuild({
  image: { location: 'us-central1', repository: 'models', name: 'sentiment' },
  preSteps: [{ id: 'install', name: 'node:24', entrypoint: 'npm', args: ['ci'], secretEnv: ['NPM_TOKEN'] }],
  secrets: { NPM_TOKEN: 'npm-token' },
  deploy: { serviceYaml: 'service.yaml', region: 'us-central1' },
});

/** The good config with one change made. */
function broken(edit: (config: Config) => void): string {
  const config = parse(GOOD) as Config;
  edit(config);
  return stringify(config);
}

describe('checkCloudBuild', () => {
  it('passes a rendered config', () => {
    expect(checkCloudBuild(GOOD)).toEqual([]);
  });

  it('passes the docs-style hand-written config', () => {
    const yaml = `
steps:
- name: 'gcr.io/cloud-builders/docker'
  args: ['build', '-t', 'us-docker.pkg.dev/$PROJECT_ID/repo/app:\${SHORT_SHA}', '.']
- name: 'ubuntu'
  args: ['bash', '-c', 'echo $$HOME; echo $BUILD_ID']
  env: ['BUILD=$BUILD_ID', 'DB_PASSWORD=$$DB_PASSWORD']
  secretEnv: ['DB_PASSWORD']
images: ['us-docker.pkg.dev/$PROJECT_ID/repo/app:$SHORT_SHA']
availableSecrets:
  secretManager:
  - versionName: projects/$PROJECT_ID/secrets/db/versions/1
    env: DB_PASSWORD
timeout: 1200s
`;
    expect(checkCloudBuild(yaml)).toEqual([]);
  });

  const cases: Array<[string, string, { path: string; message: string }]> = [
    ['no steps', 'steps: []\noptions: {logging: CLOUD_LOGGING_ONLY}\n', { path: 'steps', message: 'missing; a build needs at least one step, e.g. "- name: gcr.io/cloud-builders/docker" with args' }],
    ['a step without name', broken((c) => delete c.steps[0]!.name), { path: 'steps[0].name', message: 'missing; every step names the builder image it runs in, e.g. "gcr.io/cloud-builders/docker"' }],
    ['args not strings', GOOD.replace('      - ci', '      - 8080'), { path: 'steps[0].args', message: 'not a list of strings; quote numbers and booleans ("8080", "true") and write args as a list' }],
    ['duplicate step id', broken((c) => (c.steps[2]!.id = 'build')), { path: 'steps[2].id', message: '"build" is used by an earlier step; step IDs must be unique' }],
    ['waitFor a later step', broken((c) => (c.steps[0]!.waitFor = ['build'])), { path: 'steps[0].waitFor', message: `"build" is not the ID of an earlier step; Cloud Build refuses the build: wait for an earlier step's id, or "-"` }],
    [
      'an image no step builds',
      broken((c) => c.images.push('us-central1-docker.pkg.dev/$PROJECT_ID/models/other:$_TAG')),
      { path: 'images[1]', message: '"us-central1-docker.pkg.dev/$PROJECT_ID/models/other:$_TAG" is not built by any step, so the push fails; tag it in the docker build step ("-t", "us-central1-docker.pkg.dev/$PROJECT_ID/models/other:$_TAG") or remove it from images' },
    ],
    ['a substitution used, not defined', broken((c) => c.steps[1]!.args.push('--build-arg=MODEL=$_MODEL')), { path: 'steps[1].args[6]', message: "$_MODEL is used but not defined; add substitutions: { _MODEL: 'DEFAULT' }, or pass it with --substitutions=_MODEL=VALUE on every submit" }],
    ['a substitution defined, not used', broken((c) => (c.substitutions._REGION = 'us-central1')), { path: 'substitutions._REGION', message: 'defined but never used; gcloud builds submit refuses unused substitutions: use $_REGION or remove it (or set options.substitutionOption: ALLOW_LOOSE)' }],
    ['a substitution key in lower case', broken((c) => (c.substitutions._tag = 'x')), { path: 'substitutions._tag', message: '"_tag" is not a user substitution key: Cloud Build wants "_" then upper-case letters, digits and "_"; rename it _TAG' }],
    ['a shell variable without $$', broken((c) => (c.steps[0]!.args = ['-c', 'echo $HOME'])), { path: 'steps[0].args[1]', message: '$HOME is not a built-in substitution; Cloud Build refuses it: write $$HOME for a shell variable, or use $_HOME and define it in substitutions' }],
    ['a secretEnv not defined', broken((c) => (c.steps[0]!.secretEnv = ['GITHUB_TOKEN'])), { path: 'steps[0].secretEnv', message: '"GITHUB_TOKEN" is not defined; add it to availableSecrets.secretManager as "- versionName: projects/$PROJECT_ID/secrets/NAME/versions/latest" with "env: GITHUB_TOKEN"' }],
    ['a secret in plain env', broken((c) => (c.steps[0]!.env = ['NPM_TOKEN=npm_abc123'])), { path: 'steps[0].env[0]', message: 'NPM_TOKEN looks like a secret written in plain text; define it in availableSecrets.secretManager and list NPM_TOKEN in the step\'s secretEnv instead of env' }],
    ['a secret flag in args', broken((c) => c.steps[0]!.args.push('--password=hunter2')), { path: 'steps[0].args[1]', message: `"--password=..." passes a secret in plain text, kept in the build's history; read it from availableSecrets through secretEnv and write $$NAME in the argument` }],
    ['a secret build arg', broken((c) => c.steps[1]!.args.splice(1, 0, '--build-arg', 'HF_TOKEN=hf_abc')), { path: 'steps[1].args[2]', message: `"HF_TOKEN=..." passes a secret in plain text, kept in the build's history; read it from availableSecrets through secretEnv and write $$NAME in the argument` }],
    ['a bad logging mode', broken((c) => (c.options.logging = 'CLOUD_LOGGING')), { path: 'options.logging', message: '"CLOUD_LOGGING" is not a Cloud Build logging mode; use one of LOGGING_UNSPECIFIED, LEGACY, GCS_ONLY, STACKDRIVER_ONLY, CLOUD_LOGGING_ONLY, NONE' }],
    ['a bad machine type', broken((c) => (c.options.machineType = 'e2-highcpu-8')), { path: 'options.machineType', message: '"e2-highcpu-8" is not a Cloud Build machine type; use one of UNSPECIFIED, N1_HIGHCPU_8, N1_HIGHCPU_32, E2_HIGHCPU_8, E2_HIGHCPU_32, E2_MEDIUM' }],
    [
      'a service account without a log destination',
      broken((c) => {
        c.serviceAccount = 'projects/p/serviceAccounts/builder@p.iam.gserviceaccount.com';
        delete c.options.logging;
      }),
      { path: 'options.logging', message: 'a build with serviceAccount needs logsBucket or options.logging CLOUD_LOGGING_ONLY (or NONE); add "logging: CLOUD_LOGGING_ONLY" under options' },
    ],
    ['a timeout without unit', broken((c) => (c.timeout = 3600)), { path: 'timeout', message: '3600 is not a Cloud Build duration; write seconds with an "s", e.g. "3600s"' }],
  ];

  it.each(cases)('catches %s', (_name, yaml, issue) => {
    expect(checkCloudBuild(yaml)).toEqual([issue]);
  });

  it('catches a tag typo between build and images twice: not built, and not a substitution', () => {
    const typo = IMAGE.replace('$_TAG', '$TAG');
    expect(checkCloudBuild(broken((c) => (c.images[0] = typo)))).toEqual([
      { path: 'images[0]', message: `"${typo}" is not built by any step, so the push fails; tag it in the docker build step ("-t", "${typo}") or remove it from images` },
      { path: 'images[0]', message: '$TAG is not a built-in substitution; Cloud Build refuses it: write $$TAG for a shell variable, or use $_TAG and define it in substitutions' },
    ]);
  });

  it('lets ALLOW_LOOSE builds leave substitutions undefined or unused', () => {
    const yaml = broken((c) => {
      c.options.substitutionOption = 'ALLOW_LOOSE';
      c.substitutions._UNUSED = 'x';
      c.steps[1]!.args.push('--label=model=$_MODEL');
    });
    expect(checkCloudBuild(yaml)).toEqual([]);
  });

  it('reports YAML that does not parse, or is not a build config', () => {
    expect(checkCloudBuild('steps:\n- name: [a\n')).toEqual([expect.objectContaining({ path: expect.stringMatching(/^line \d+$/) as string })]);
    expect(checkCloudBuild('just text\n')).toEqual([{ path: 'document', message: 'the file is not a YAML map; a build config starts with "steps:"' }]);
  });
});

// The options of a cloudbuild.yaml in users' words, their defaults and their validation, shared by the renderer
// and its tests. Schema: https://cloud.google.com/build/docs/build-config-file-schema.
import { throwIfIssues, type ContainersIssue } from '../containers-error.js';
import type { GcloudCommand } from '../rendered-files.js';
import { looksLikeSecretName } from '../cloud-run/secret-names.js';
import { REGION } from '../cloud-run/cloud-run-service-options.js';
import { BUILT_IN_SUBSTITUTIONS, substitutionReferences, USER_SUBSTITUTION } from './cloud-build-substitutions.js';
import {
  artifactRegistryPartsIssues,
  formatArtifactRegistryImage,
  parseArtifactRegistryImage,
  SUBSTITUTION,
  type ArtifactRegistryImageParts,
} from './image-reference.js';

/** A build step of your own, run before the image is built (install, test, build packages). */
export interface CloudBuildStep {
  /** Builder image the step runs in, e.g. `node:24` or `gcr.io/cloud-builders/npm`. */
  name: string;
  /** Arguments; Cloud Build substitutions such as `$PROJECT_ID` are replaced, `$$` is a literal `$`. */
  args?: string[];
  /** Overrides the builder's entrypoint, e.g. `npm` or `bash`. */
  entrypoint?: string;
  /** Environment variables of the step. Secrets go in `secretEnv`. */
  env?: Record<string, string>;
  /** Names from the build's `secrets` this step sees as environment variables (write `$$NAME` in args). */
  secretEnv?: string[];
  /** Working directory, relative to the source root. */
  dir?: string;
  /** Step ID, for `waitFor`. `build`, `push` and `deploy` are taken by the steps this package adds. */
  id?: string;
  /** IDs of steps this one waits for (`-` for none, to start at once). Default: all steps before it. */
  waitFor?: string[];
  /** Step time limit in seconds. */
  timeoutSeconds?: number;
}

/** An Artifact Registry image in parts; `project` defaults to `$PROJECT_ID` (the build's project), `tag` to `$_TAG`. */
export type CloudBuildImage = Omit<ArtifactRegistryImageParts, 'project' | 'tag'> & { project?: string; tag?: string };

/** What to deploy to Cloud Run once the image is pushed. */
export type CloudBuildDeploy =
  /** `gcloud run services replace FILE --region=REGION`; the file's image must be the one this build pushes. */
  | { serviceYaml: string; region: string }
  /** A `gcloud run deploy` command, e.g. from `cloudRunDeployCommand()`; its `--image` becomes the image this build pushes. */
  | { command: GcloudCommand };

/**
 * Cloud Build machine types: `options.machineType` is an enum in the build config schema
 * (https://cloud.google.com/build/docs/build-config-file-schema). The values are those of the REST API's MachineType
 * as we know them; the schema page we could check does not list them, so revisit if Cloud Build adds types.
 */
export const MACHINE_TYPES = ['UNSPECIFIED', 'N1_HIGHCPU_8', 'N1_HIGHCPU_32', 'E2_HIGHCPU_8', 'E2_HIGHCPU_32', 'E2_MEDIUM'] as const;

/** A cloudbuild.yaml: your steps, a Docker build of one image, its push to Artifact Registry, an optional deploy. */
export interface CloudBuildOptions {
  /**
   * The image to build and push: `us-central1-docker.pkg.dev/$PROJECT_ID/models/server:$_TAG`, or in parts
   * `{ location: 'us-central1', repository: 'models', name: 'server' }` (project `$PROJECT_ID`, tag `$_TAG`).
   */
  image: string | CloudBuildImage;
  /** More tags for the same image, e.g. `['latest']`. */
  extraTags?: string[];
  /** Dockerfile path, relative to the source root. Default `Dockerfile`. */
  dockerfile?: string;
  /** Build context directory. Default `.`. */
  context?: string;
  /** `--build-arg` values. Not for secrets: build arguments stay in the image's history. */
  buildArgs?: Record<string, string>;
  /** Steps to run before the Docker build, e.g. `{ name: 'node:24', entrypoint: 'npm', args: ['ci'] }`. */
  preSteps?: CloudBuildStep[];
  /** Deploy to Cloud Run after pushing. Default: no deploy. */
  deploy?: CloudBuildDeploy;
  /**
   * User substitutions and their defaults, keys like `_TAG` (underscore, upper case). `_TAG` defaults to `latest`
   * when the image's tag is `$_TAG`; pass another with `gcloud builds submit --substitutions=_TAG=...`.
   */
  substitutions?: Record<string, string>;
  /** Secret Manager secrets steps may read: `{ NPM_TOKEN: 'npm-token' }` or `'npm-token:2'`, in the build's project. */
  secrets?: Record<string, string>;
  /** Worker machine, e.g. `E2_HIGHCPU_8` for large images. Default: Cloud Build's standard worker. */
  machineType?: (typeof MACHINE_TYPES)[number];
  /** Build time limit in seconds, at most 86400 (24 h). Default 3600: CUDA and PyTorch images outgrow 10 minutes. */
  timeoutSeconds?: number;
}

/** Options with defaults applied. */
export interface ResolvedCloudBuild {
  image: string;
  /** The image without its tag, for `docker push --all-tags`. */
  repositoryImage: string;
  tags: string[];
  dockerfile: string;
  context: string;
  buildArgs: Array<{ name: string; value: string }>;
  preSteps: CloudBuildStep[];
  deploy: CloudBuildDeploy | undefined;
  substitutions: Record<string, string>;
  secrets: Array<{ name: string; secret: string; version: string }>;
  machineType: string | undefined;
  timeoutSeconds: number;
}

const STEP_IDS_TAKEN = ['build', 'push', 'deploy'];
const BUILD_ARG = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SECRET_ID = /^[A-Za-z0-9_-]{1,255}$/;
const SECRET_VERSION = /^(?:latest|[1-9]\d*)$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

function show(value: unknown): string {
  return typeof value === 'number' || typeof value === 'boolean' || value === undefined ? String(value) : JSON.stringify(value);
}

function imageParts(image: string | CloudBuildImage): { parts?: ArtifactRegistryImageParts; issues: ContainersIssue[] } {
  if (typeof image === 'string') {
    const parsed = parseArtifactRegistryImage(image, 'image');
    if (parsed.parts && parsed.parts.tag === undefined) parsed.parts.tag = '$_TAG';
    return parsed;
  }
  const parts: ArtifactRegistryImageParts = { ...image, project: image.project ?? '$PROJECT_ID', tag: image.tag ?? '$_TAG' };
  const issues = artifactRegistryPartsIssues(parts, {
    location: 'image.location',
    project: 'image.project',
    repository: 'image.repository',
    name: 'image.name',
    tag: 'image.tag',
  });
  return issues.length > 0 ? { issues } : { parts, issues };
}

/** Defaults applied; the image is assumed valid (see {@link cloudBuildIssues}). */
export function resolveCloudBuild(options: CloudBuildOptions): ResolvedCloudBuild {
  const parts = imageParts(options.image).parts ?? { location: 'us', project: '$PROJECT_ID', repository: 'invalid', name: 'invalid', tag: '$_TAG' };
  const image = formatArtifactRegistryImage(parts);
  const { tag: _tag, ...untagged } = parts;
  const repositoryImage = formatArtifactRegistryImage(untagged);
  const usesTag = parts.tag === '$_TAG' || parts.tag === '${_TAG}';
  return {
    image,
    repositoryImage,
    tags: [image, ...(options.extraTags ?? []).map((tag) => `${repositoryImage}:${tag}`)],
    dockerfile: options.dockerfile ?? 'Dockerfile',
    context: options.context ?? '.',
    buildArgs: Object.entries(options.buildArgs ?? {}).map(([name, value]) => ({ name, value })),
    preSteps: options.preSteps ?? [],
    deploy: options.deploy,
    substitutions: { ...(usesTag ? { _TAG: 'latest' } : {}), ...(options.substitutions ?? {}) },
    secrets: Object.entries(options.secrets ?? {}).map(([name, reference]) => {
      const colon = reference.lastIndexOf(':');
      return colon === -1 ? { name, secret: reference, version: 'latest' } : { name, secret: reference.slice(0, colon), version: reference.slice(colon + 1) };
    }),
    machineType: options.machineType,
    timeoutSeconds: options.timeoutSeconds ?? 3600,
  };
}

/** Every problem of the options, each with its field, its value and the fix. */
export function cloudBuildIssues(options: CloudBuildOptions): ContainersIssue[] {
  const issues: ContainersIssue[] = [...imageParts(options.image).issues];
  (options.extraTags ?? []).forEach((tag, index) => {
    if (!TAG.test(tag) && !SUBSTITUTION.test(tag)) {
      issues.push({ path: `extraTags[${index}]`, message: `${show(tag)} is not a valid image tag: up to 128 letters, digits, "_", "." and "-", not starting with "." or "-"` });
    }
  });
  if (options.dockerfile !== undefined && options.dockerfile.trim() === '') issues.push({ path: 'dockerfile', message: 'empty; give the Dockerfile path, e.g. "Dockerfile"' });
  if (options.context !== undefined && options.context.trim() === '') issues.push({ path: 'context', message: 'empty; give the build context directory, e.g. "."' });
  for (const [name, value] of Object.entries(options.buildArgs ?? {})) {
    if (!BUILD_ARG.test(name)) issues.push({ path: `buildArgs.${name}`, message: `${show(name)} is not a build argument name; use letters, digits and "_"` });
    else if (value !== '' && !value.startsWith('$') && looksLikeSecretName(name)) {
      issues.push({
        path: `buildArgs.${name}`,
        message: `${name} looks like a secret; build arguments stay in the image's history for anyone who pulls it: read it in a step with secrets: { ${name}: 'SECRET_NAME' } and secretEnv, or use a BuildKit secret mount`,
      });
    }
  }
  const resolved = resolveCloudBuild(options);
  issues.push(...stepIssues(options.preSteps ?? [], new Set(resolved.secrets.map((secret) => secret.name))));
  issues.push(...secretIssues(resolved));
  issues.push(...substitutionIssues(options, resolved));
  issues.push(...deployIssues(options.deploy));
  if (options.machineType !== undefined && !(MACHINE_TYPES as readonly string[]).includes(options.machineType)) {
    issues.push({ path: 'machineType', message: `${show(options.machineType)} is not a Cloud Build machine type; use one of ${MACHINE_TYPES.join(', ')}` });
  }
  const timeout = resolved.timeoutSeconds;
  if (!Number.isInteger(timeout) || timeout < 1 || timeout > 86400) {
    issues.push({ path: 'timeoutSeconds', message: `${show(timeout)} is out of range: a Cloud Build timeout is a whole number of seconds from 1 to 86400 (24 hours)` });
  }
  return issues;
}

function stepIssues(steps: CloudBuildStep[], secretNames: Set<string>): ContainersIssue[] {
  const issues: ContainersIssue[] = [];
  const ids = new Set<string>();
  steps.forEach((step, index) => {
    const path = `preSteps[${index}]`;
    if (typeof step.name !== 'string' || step.name.trim() === '') {
      issues.push({ path: `${path}.name`, message: 'missing; name the builder image the step runs in, e.g. "node:24"' });
    }
    if (step.id !== undefined) {
      if (STEP_IDS_TAKEN.includes(step.id)) issues.push({ path: `${path}.id`, message: `${show(step.id)} is the ID of a step this build adds; choose another, e.g. "${step.id}-app"` });
      else if (ids.has(step.id)) issues.push({ path: `${path}.id`, message: `${show(step.id)} is used by an earlier step; step IDs must be unique` });
    }
    for (const wanted of step.waitFor ?? []) {
      if (wanted !== '-' && !ids.has(wanted)) {
        issues.push({ path: `${path}.waitFor`, message: `${show(wanted)} is not the ID of an earlier step; wait for one of ${[...ids].map((id) => `"${id}"`).join(', ') || 'none (give earlier steps an id)'}, or "-" to start at once` });
      }
    }
    if (step.id !== undefined) ids.add(step.id);
    for (const [name, value] of Object.entries(step.env ?? {})) {
      if (value !== '' && !value.startsWith('$') && looksLikeSecretName(name)) {
        issues.push({
          path: `${path}.env.${name}`,
          message: `${name} looks like a secret written in plain text in cloudbuild.yaml; add it to secrets: { ${name}: 'SECRET_NAME' } and list it in this step's secretEnv`,
        });
      }
    }
    for (const name of step.secretEnv ?? []) {
      if (!secretNames.has(name)) issues.push({ path: `${path}.secretEnv`, message: `${show(name)} is not in secrets; add secrets: { ${name}: 'SECRET_NAME' }` });
    }
    if (step.timeoutSeconds !== undefined && (!Number.isInteger(step.timeoutSeconds) || step.timeoutSeconds < 1)) {
      issues.push({ path: `${path}.timeoutSeconds`, message: `${show(step.timeoutSeconds)} is not a step timeout; give a whole number of seconds, 1 or more` });
    }
  });
  return issues;
}

function secretIssues(resolved: ResolvedCloudBuild): ContainersIssue[] {
  const issues: ContainersIssue[] = [];
  for (const { name, secret, version } of resolved.secrets) {
    const path = `secrets.${name}`;
    if (!BUILD_ARG.test(name)) issues.push({ path, message: `${show(name)} is not an environment variable name; use letters, digits and "_"` });
    if (!SECRET_ID.test(secret)) issues.push({ path, message: `${show(secret)} is not a Secret Manager secret name: letters, digits, "_" and "-"; write "NAME" or "NAME:VERSION"` });
    if (!SECRET_VERSION.test(version)) issues.push({ path, message: `${show(version)} is not a secret version; use "latest" or a version number, e.g. "${secret}:1"` });
  }
  return issues;
}

function substitutionIssues(options: CloudBuildOptions, resolved: ResolvedCloudBuild): ContainersIssue[] {
  const issues: ContainersIssue[] = [];
  for (const [key, value] of Object.entries(options.substitutions ?? {})) {
    if (!USER_SUBSTITUTION.test(key)) {
      const fix = `_${key.replace(/^_+/, '').toUpperCase().replace(/[^A-Z0-9_]+/g, '_')}`;
      issues.push({ path: `substitutions.${key}`, message: `${show(key)} is not a user substitution key: Cloud Build wants "_" then upper-case letters, digits and "_"; rename it ${fix}` });
    } else if (typeof value !== 'string') {
      issues.push({ path: `substitutions.${key}`, message: `${show(value)} is not a string; substitution values are text` });
    }
  }
  // What the rendered file will refer to, with where each comes from: the image and tags, the Dockerfile and
  // context, build args, and the pre-steps' fields.
  const texts: Array<{ path: string; text: string }> = [
    { path: 'image', text: resolved.image },
    ...(options.extraTags ?? []).map((tag, index) => ({ path: `extraTags[${index}]`, text: tag })),
    { path: 'dockerfile', text: resolved.dockerfile },
    { path: 'context', text: resolved.context },
    ...resolved.buildArgs.map((arg) => ({ path: `buildArgs.${arg.name}`, text: arg.value })),
    ...resolved.preSteps.flatMap((step, index) => [
      { path: `preSteps[${index}].name`, text: step.name },
      { path: `preSteps[${index}].entrypoint`, text: step.entrypoint ?? '' },
      { path: `preSteps[${index}].dir`, text: step.dir ?? '' },
      ...(step.args ?? []).map((arg, at) => ({ path: `preSteps[${index}].args[${at}]`, text: arg })),
      ...Object.entries(step.env ?? {}).map(([name, value]) => ({ path: `preSteps[${index}].env.${name}`, text: value })),
    ]),
    ...(resolved.deploy && 'serviceYaml' in resolved.deploy ? [{ path: 'deploy.serviceYaml', text: resolved.deploy.serviceYaml }] : []),
  ];
  const used = new Set<string>();
  for (const { path, text } of texts) {
    for (const name of substitutionReferences(text)) {
      if (used.has(name)) continue;
      used.add(name);
      if (BUILT_IN_SUBSTITUTIONS.includes(name) || name in resolved.substitutions) continue;
      const message = USER_SUBSTITUTION.test(name)
        ? `$${name} is used but not defined; Cloud Build refuses the build: add substitutions: { ${name}: 'DEFAULT' }`
        : `$${name} is not a Cloud Build substitution (user ones start with "_"); write $$${name} for a shell variable, or $_${name} and define it in substitutions`;
      issues.push({ path, message });
    }
  }
  for (const name of Object.keys(options.substitutions ?? {})) {
    if (USER_SUBSTITUTION.test(name) && !used.has(name)) {
      issues.push({ path: `substitutions.${name}`, message: `${name} is defined but never used; gcloud builds submit refuses unused substitutions: use it as $${name} or remove it` });
    }
  }
  return issues;
}

function deployIssues(deploy: CloudBuildDeploy | undefined): ContainersIssue[] {
  if (deploy === undefined) return [];
  if ('command' in deploy) {
    const argv = deploy.command.argv;
    const isDeploy = argv[0] === 'gcloud' && argv[1] === 'run' && argv[2] === 'deploy' && typeof argv[3] === 'string';
    const isReplace = argv[0] === 'gcloud' && argv[1] === 'run' && argv[2] === 'services' && argv[3] === 'replace';
    if (!isDeploy && !isReplace) {
      return [{ path: 'deploy.command', message: `"${argv.slice(0, 4).join(' ')}" is not a gcloud run deploy or gcloud run services replace command; pass cloudRunDeployCommand(...) or cloudRunServicesReplaceCommand(...)` }];
    }
    return [];
  }
  const issues: ContainersIssue[] = [];
  if (typeof deploy.serviceYaml !== 'string' || deploy.serviceYaml.trim() === '') issues.push({ path: 'deploy.serviceYaml', message: 'missing; give the service YAML path, e.g. "service.yaml"' });
  if (typeof deploy.region !== 'string' || !REGION.test(deploy.region)) issues.push({ path: 'deploy.region', message: `${show(deploy.region)} is not a Cloud Run region; write one such as "us-central1"` });
  return issues;
}

/** The options with defaults applied, or a ContainersError INVALID_OPTIONS listing every issue. */
export function validCloudBuild(options: CloudBuildOptions, what: string): ResolvedCloudBuild {
  throwIfIssues(what, cloudBuildIssues(options));
  return resolveCloudBuild(options);
}

// Static checks of a cloudbuild.yaml, hand-written or rendered: what Cloud Build would refuse (steps without a
// builder, unknown or unused substitutions, undefined secretEnv) and what would go wrong later (an image in
// `images` no step builds, secrets in plain args or env).
import type { ContainersIssue } from '../containers-error.js';
import { looksLikeSecretName } from '../cloud-run/secret-names.js';
import { parseYamlText } from '../gcloud/yaml-text.js';
import { MACHINE_TYPES } from './cloud-build-options.js';
import { BUILT_IN_SUBSTITUTIONS, substitutionReferences, USER_SUBSTITUTION } from './cloud-build-substitutions.js';

type Json = Record<string, unknown>;

const LOGGING = ['LOGGING_UNSPECIFIED', 'LEGACY', 'GCS_ONLY', 'STACKDRIVER_ONLY', 'CLOUD_LOGGING_ONLY', 'NONE'];
const DURATION = /^\d+(?:\.\d+)?s$/;
// `--password=hunter2`, `--api-key=...`: a flag whose last word says secret, with a literal value. The last word
// only: `--set-secrets=...` and `--token-file=...` name secrets without holding them.
const SECRET_FLAG = /^--?(?:[\w-]*[-_])?(?:password|passwd|token|secret|api[-_]?key)=(.+)$/i;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function show(value: unknown): string {
  return typeof value === 'number' || typeof value === 'boolean' || value === undefined ? String(value) : JSON.stringify(value);
}

/** `${_TAG}` and `$_TAG` compare equal. */
function normalizeImage(image: string): string {
  return image.replace(/\$\{([A-Z_][A-Z0-9_]*)\}/g, '$$$1');
}

/** Literal text, not a substitution or shell reference (those are resolved when the build runs). */
function isLiteral(value: string): boolean {
  return value !== '' && !value.startsWith('$');
}

/** Every string in a value, with its path, except the bodies of `script` (shell, not substituted). */
function strings(value: unknown, path: string, out: Array<{ path: string; text: string }>): void {
  if (typeof value === 'string') out.push({ path, text: value });
  else if (Array.isArray(value)) value.forEach((item: unknown, index) => strings(item, `${path}[${index}]`, out));
  else if (isObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      if (key === 'script') continue;
      strings(item, path === '' ? key : `${path}.${key}`, out);
    }
  }
}

/** The images a step tags: `-t IMAGE`, `--tag IMAGE`, `--tag=IMAGE`, `--destination=IMAGE`, `docker tag SRC IMAGE`. */
function taggedImages(args: unknown[]): string[] {
  const images: string[] = [];
  args.forEach((arg, index) => {
    if (typeof arg !== 'string') return;
    const next = args[index + 1];
    if ((arg === '-t' || arg === '--tag' || arg === '--destination' || arg === '-d') && typeof next === 'string') images.push(next);
    const inline = /^(?:--tag|--destination|-t)=(.+)$/.exec(arg);
    if (inline?.[1]) images.push(inline[1]);
  });
  if (args[0] === 'tag' && typeof args[2] === 'string') images.push(args[2]);
  return images.map(normalizeImage);
}

/**
 * Checks a cloudbuild.yaml without running it: steps exist and name their builder; step IDs are unique and
 * `waitFor` names earlier ones; every image in `images` is tagged by some step; every substitution used is built in
 * or defined, and every one defined is used (unless `substitutionOption: ALLOW_LOOSE`); user substitution keys look
 * like `_NAME`; every `secretEnv` is defined in `availableSecrets`; no secret sits in a plain `env` value or argument;
 * options and timeout are well-formed. Returns every finding; an empty list means nothing was found.
 *
 * @example const issues = checkCloudBuild(readFileSync('cloudbuild.yaml', 'utf8'));
 */
export function checkCloudBuild(yamlText: string): ContainersIssue[] {
  const parsed = parseYamlText(yamlText);
  if (parsed.issues.length > 0) return parsed.issues;
  const config = parsed.value;
  if (!isObject(config)) return [{ path: 'document', message: 'the file is not a YAML map; a build config starts with "steps:"' }];
  const issues: ContainersIssue[] = [];
  const steps = config.steps;
  if (!Array.isArray(steps) || steps.length === 0) {
    issues.push({ path: 'steps', message: 'missing; a build needs at least one step, e.g. "- name: gcr.io/cloud-builders/docker" with args' });
  }
  const stepList: unknown[] = Array.isArray(steps) ? steps : [];
  const secretEnvDefined = definedSecretEnv(config);
  const ids = new Set<string>();
  const built = new Set<string>();
  stepList.forEach((step: unknown, index) => {
    const path = `steps[${index}]`;
    if (!isObject(step)) {
      issues.push({ path, message: `${show(step)} is not a step; write "- name: BUILDER_IMAGE" with args` });
      return;
    }
    if (typeof step.name !== 'string' || step.name.trim() === '') {
      issues.push({ path: `${path}.name`, message: 'missing; every step names the builder image it runs in, e.g. "gcr.io/cloud-builders/docker"' });
    }
    if (step.args !== undefined && (!Array.isArray(step.args) || step.args.some((arg) => typeof arg !== 'string'))) {
      issues.push({ path: `${path}.args`, message: 'not a list of strings; quote numbers and booleans ("8080", "true") and write args as a list' });
    }
    if (typeof step.id === 'string') {
      if (ids.has(step.id)) issues.push({ path: `${path}.id`, message: `${show(step.id)} is used by an earlier step; step IDs must be unique` });
    }
    for (const wanted of Array.isArray(step.waitFor) ? step.waitFor : []) {
      if (wanted !== '-' && (typeof wanted !== 'string' || !ids.has(wanted))) {
        issues.push({ path: `${path}.waitFor`, message: `${show(wanted)} is not the ID of an earlier step; Cloud Build refuses the build: wait for an earlier step's id, or "-"` });
      }
    }
    if (typeof step.id === 'string') ids.add(step.id);
    const args: unknown[] = Array.isArray(step.args) ? (step.args as unknown[]) : [];
    for (const image of taggedImages(args)) built.add(image);
    issues.push(...plainSecretIssues(step, path, args));
    const secretEnv: unknown[] = Array.isArray(step.secretEnv) ? (step.secretEnv as unknown[]) : typeof step.secretEnv === 'string' ? [step.secretEnv] : [];
    for (const name of secretEnv) {
      if (typeof name !== 'string' || !secretEnvDefined.has(name)) {
        issues.push({
          path: `${path}.secretEnv`,
          message: `${show(name)} is not defined; add it to availableSecrets.secretManager as "- versionName: projects/$PROJECT_ID/secrets/NAME/versions/latest" with "env: ${String(name)}"`,
        });
      }
    }
  });
  issues.push(...imagesIssues(config.images, built));
  issues.push(...substitutionIssues(config));
  issues.push(...optionsIssues(config));
  return issues;
}

function definedSecretEnv(config: Json): Set<string> {
  const names = new Set<string>();
  const available = isObject(config.availableSecrets) ? config.availableSecrets : {};
  for (const entry of Array.isArray(available.secretManager) ? available.secretManager : []) {
    if (isObject(entry) && typeof entry.env === 'string') names.add(entry.env);
  }
  // The older `secrets:` (KMS-encrypted) block.
  for (const entry of Array.isArray(config.secrets) ? config.secrets : []) {
    if (isObject(entry) && isObject(entry.secretEnv)) for (const name of Object.keys(entry.secretEnv)) names.add(name);
  }
  return names;
}

function plainSecretIssues(step: Json, path: string, args: unknown[]): ContainersIssue[] {
  const issues: ContainersIssue[] = [];
  (Array.isArray(step.env) ? step.env : []).forEach((entry: unknown, index) => {
    if (typeof entry !== 'string') return;
    const equals = entry.indexOf('=');
    const name = equals === -1 ? entry : entry.slice(0, equals);
    const value = equals === -1 ? '' : entry.slice(equals + 1);
    if (looksLikeSecretName(name) && isLiteral(value)) {
      issues.push({
        path: `${path}.env[${index}]`,
        message: `${name} looks like a secret written in plain text; define it in availableSecrets.secretManager and list ${name} in the step's secretEnv instead of env`,
      });
    }
  });
  args.forEach((arg, index) => {
    if (typeof arg !== 'string') return;
    const flag = SECRET_FLAG.exec(arg);
    const assignment = /^([A-Za-z_][A-Za-z0-9_]*)=(.+)$/.exec(arg);
    if ((flag?.[1] !== undefined && isLiteral(flag[1])) || (assignment && looksLikeSecretName(assignment[1] ?? '') && isLiteral(assignment[2] ?? ''))) {
      issues.push({
        path: `${path}.args[${index}]`,
        message: `${show(arg.replace(/=.*/, '=...'))} passes a secret in plain text, kept in the build's history; read it from availableSecrets through secretEnv and write $$NAME in the argument`,
      });
    }
  });
  return issues;
}

function imagesIssues(images: unknown, built: Set<string>): ContainersIssue[] {
  if (images === undefined) return [];
  if (!Array.isArray(images)) return [{ path: 'images', message: `${show(images)} is not a list; write images as "- IMAGE" lines` }];
  const issues: ContainersIssue[] = [];
  images.forEach((image: unknown, index) => {
    if (typeof image !== 'string') {
      issues.push({ path: `images[${index}]`, message: `${show(image)} is not an image name` });
    } else if (!built.has(normalizeImage(image))) {
      issues.push({
        path: `images[${index}]`,
        message: `${show(image)} is not built by any step, so the push fails; tag it in the docker build step ("-t", "${image}") or remove it from images`,
      });
    }
  });
  return issues;
}

function substitutionIssues(config: Json): ContainersIssue[] {
  const issues: ContainersIssue[] = [];
  const substitutions = isObject(config.substitutions) ? config.substitutions : {};
  const loose = isObject(config.options) && config.options.substitutionOption === 'ALLOW_LOOSE';
  for (const [key, value] of Object.entries(substitutions)) {
    if (!USER_SUBSTITUTION.test(key) && !BUILT_IN_SUBSTITUTIONS.includes(key)) {
      issues.push({
        path: `substitutions.${key}`,
        message: `${show(key)} is not a user substitution key: Cloud Build wants "_" then upper-case letters, digits and "_"; rename it _${key.replace(/^_+/, '').toUpperCase().replace(/[^A-Z0-9_]+/g, '_')}`,
      });
    }
    if (typeof value !== 'string') issues.push({ path: `substitutions.${key}`, message: `${show(value)} is not a string; quote it: '${show(value)}'` });
  }
  const texts: Array<{ path: string; text: string }> = [];
  for (const [key, value] of Object.entries(config)) if (key !== 'substitutions') strings(value, key, texts);
  // Substitution values may refer to others (with dynamic substitutions).
  for (const [key, value] of Object.entries(substitutions)) strings(value, `substitutions.${key}`, texts);
  const used = new Set<string>();
  const reported = new Set<string>();
  for (const { path, text } of texts) {
    for (const name of substitutionReferences(text)) {
      used.add(name);
      if (BUILT_IN_SUBSTITUTIONS.includes(name) || name in substitutions || reported.has(name)) continue;
      if (!USER_SUBSTITUTION.test(name)) {
        reported.add(name);
        issues.push({ path, message: `$${name} is not a built-in substitution; Cloud Build refuses it: write $$${name} for a shell variable, or use $_${name} and define it in substitutions` });
      } else if (!loose) {
        reported.add(name);
        issues.push({ path, message: `$${name} is used but not defined; add substitutions: { ${name}: 'DEFAULT' }, or pass it with --substitutions=${name}=VALUE on every submit` });
      }
    }
  }
  if (!loose) {
    for (const key of Object.keys(substitutions)) {
      if (USER_SUBSTITUTION.test(key) && !used.has(key)) {
        issues.push({ path: `substitutions.${key}`, message: `defined but never used; gcloud builds submit refuses unused substitutions: use $${key} or remove it (or set options.substitutionOption: ALLOW_LOOSE)` });
      }
    }
  }
  return issues;
}

function optionsIssues(config: Json): ContainersIssue[] {
  const issues: ContainersIssue[] = [];
  const options = isObject(config.options) ? config.options : {};
  if (options.logging !== undefined && (typeof options.logging !== 'string' || !LOGGING.includes(options.logging))) {
    issues.push({ path: 'options.logging', message: `${show(options.logging)} is not a Cloud Build logging mode; use one of ${LOGGING.join(', ')}` });
  }
  if (options.machineType !== undefined && (typeof options.machineType !== 'string' || !(MACHINE_TYPES as readonly string[]).includes(options.machineType))) {
    issues.push({ path: 'options.machineType', message: `${show(options.machineType)} is not a Cloud Build machine type; use one of ${MACHINE_TYPES.join(', ')}` });
  }
  // A build running as a user-specified service account must say where its logs go.
  if (typeof config.serviceAccount === 'string' && config.logsBucket === undefined && options.logging !== 'CLOUD_LOGGING_ONLY' && options.logging !== 'NONE') {
    issues.push({ path: 'options.logging', message: 'a build with serviceAccount needs logsBucket or options.logging CLOUD_LOGGING_ONLY (or NONE); add "logging: CLOUD_LOGGING_ONLY" under options' });
  }
  if (config.timeout !== undefined && (typeof config.timeout !== 'string' || !DURATION.test(config.timeout))) {
    issues.push({ path: 'timeout', message: `${show(config.timeout)} is not a Cloud Build duration; write seconds with an "s", e.g. "3600s"` });
  }
  return issues;
}

// Checks beyond the protos that apply wherever a message type appears: every MachineSpec, every Cloud Storage
// location, every image, label map and environment list of a spec. The service would reject these (or, for
// images and URIs, fail the job minutes later); the protos cannot say so.
import type { ExecutorImageCheck } from '../gcloud/worker-pool-spec-flag.js';
import type { SpecIssue } from '../jobs-error.js';
import { acceleratorRule, machineTypeProblem } from '../machine-types.js';
import { shortTypeName, vertexSchema } from '../schema/vertex-schema.js';
import { visitMessages } from '../schema/visit-messages.js';
import { isPlainObject, joinPath } from '../schema/well-known-types.js';
import { gcsUriProblem, imageUriProblem } from './uri-rules.js';

/** Options every spec validation takes. */
export interface ValidateSpecOptions {
  /**
   * Accept a well-formed machine type this package does not list (a family newer than it). Default false: an
   * unknown type is reported with the nearest known ones, which catches `n1-standard-3` and `n1-stndard-4`.
   */
  allowUnknownMachineTypes?: boolean;
  /**
   * Checks each pool's `pythonPackageSpec.executorImageUri`, e.g. against Vertex AI's prebuilt images with
   * `@vertexkit/containers`' `checkExecutorImage` (`({ imageUri, acceleratorType }) => checkExecutorImage({ imageUri,
   * acceleratorType }).problem`). Default: only the image reference's form is checked.
   */
  checkExecutorImage?: ExecutorImageCheck;
}

// Vertex AI's label rule: keys and values up to 64 characters of lowercase letters, digits, _ and -; keys start
// with a letter (international letters allowed).
const LABEL_KEY = /^[\p{Ll}\p{Lo}][\p{Ll}\p{Lo}\p{N}_-]{0,63}$/u;
const LABEL_VALUE = /^[\p{Ll}\p{Lo}\p{N}_-]{0,64}$/u;

/** Runs the type-driven checks over a whole spec whose root is of type `rootType`. */
export function commonRules(spec: unknown, rootType: string, path: string, issues: SpecIssue[], options: ValidateSpecOptions): void {
  const add = (at: string, message: string): void => {
    issues.push({ path: at, message });
  };
  visitMessages(spec, rootType, path, (type, value, at) => {
    const short = shortTypeName(type);
    if (short === 'MachineSpec') machineSpecRules(value, at, add, options);
    if (short === 'GcsDestination' && typeof value.outputUriPrefix === 'string' && value.outputUriPrefix !== '') {
      gcs(value.outputUriPrefix, joinPath(at, 'outputUriPrefix'), add);
    }
    if (short === 'GcsSource' || short === 'PythonPackageSpec') {
      const key = short === 'GcsSource' ? 'uris' : 'packageUris';
      const uris = value[key];
      if (Array.isArray(uris)) {
        uris.forEach((uri, index) => {
          if (typeof uri === 'string') gcs(uri, `${joinPath(at, key)}[${index}]`, add);
        });
      }
    }
    if (short === 'Model' && typeof value.artifactUri === 'string' && value.artifactUri !== '') {
      gcs(value.artifactUri, joinPath(at, 'artifactUri'), add);
    }
    if (short === 'ContainerSpec' || short === 'PythonPackageSpec' || short === 'ModelContainerSpec') {
      const key = short === 'PythonPackageSpec' ? 'executorImageUri' : 'imageUri';
      const image = value[key];
      if (typeof image === 'string' && image !== '') {
        const problem = imageUriProblem(image, short === 'ModelContainerSpec' ? 'serving' : 'training');
        if (problem) add(joinPath(at, key), problem);
      }
      envRules(value.env, joinPath(at, 'env'), add);
    }
    if (short === 'ModelContainerSpec') servingContainerRules(value, at, add);
    const fields = vertexSchema().messages[type]?.fields ?? {};
    if (fields.labels?.keyType && isPlainObject(value.labels)) labelRules(value.labels, joinPath(at, 'labels'), add);
    if (fields.displayName && typeof value.displayName === 'string' && [...value.displayName].length > 128) {
      add(joinPath(at, 'displayName'), `at most 128 characters, got ${[...value.displayName].length}`);
    }
    if (fields.serviceAccount?.type === 'string' && typeof value.serviceAccount === 'string' && value.serviceAccount !== '') {
      if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(value.serviceAccount)) {
        add(
          joinPath(at, 'serviceAccount'),
          `expected a service account email like trainer@my-project.iam.gserviceaccount.com, got ${JSON.stringify(value.serviceAccount)}`,
        );
      }
    }
    if (fields.network?.type === 'string' && typeof value.network === 'string' && value.network !== '') {
      if (!/^projects\/[^/]+\/global\/networks\/[^/]+$/.test(value.network)) {
        add(
          joinPath(at, 'network'),
          `expected projects/PROJECT_NUMBER/global/networks/NETWORK, got ${JSON.stringify(value.network)}`,
        );
      }
    }
    if (short === 'CustomJobSpec' && typeof value.tensorboard === 'string' && value.tensorboard !== '') {
      if (!/^projects\/[^/]+\/locations\/[^/]+\/tensorboards\/[^/]+$/.test(value.tensorboard)) {
        add(
          joinPath(at, 'tensorboard'),
          `expected projects/PROJECT/locations/REGION/tensorboards/ID, got ${JSON.stringify(value.tensorboard)}`,
        );
      }
    }
  });
}

function gcs(uri: string, at: string, add: (path: string, message: string) => void): void {
  const problem = gcsUriProblem(uri);
  if (problem) add(at, problem);
}

function machineSpecRules(
  spec: Record<string, unknown>,
  at: string,
  add: (path: string, message: string) => void,
  options: ValidateSpecOptions,
): void {
  const machineType = typeof spec.machineType === 'string' && spec.machineType !== '' ? spec.machineType : undefined;
  if (machineType) {
    const problem = machineTypeProblem(machineType, options.allowUnknownMachineTypes);
    if (problem) add(joinPath(at, 'machineType'), problem);
  }
  const acceleratorNames = vertexSchema().enums['google.cloud.aiplatform.v1.AcceleratorType'] ?? {};
  const type =
    typeof spec.acceleratorType === 'string' && acceleratorNames[spec.acceleratorType] !== undefined && spec.acceleratorType !== 'ACCELERATOR_TYPE_UNSPECIFIED'
      ? spec.acceleratorType
      : undefined;
  const invalidType = typeof spec.acceleratorType === 'string' && acceleratorNames[spec.acceleratorType] === undefined;
  const count = typeof spec.acceleratorCount === 'number' ? spec.acceleratorCount : undefined;
  const typePath = joinPath(at, 'acceleratorType');
  const countPath = joinPath(at, 'acceleratorCount');
  if (type && (count === undefined || count <= 0)) {
    add(countPath, `acceleratorType ${type} needs acceleratorCount >= 1 (accelerators per machine), got ${count ?? 'none'}`);
  }
  if (!type && !invalidType && count !== undefined && count > 0) {
    add(countPath, `acceleratorCount ${count} without acceleratorType: set acceleratorType (e.g. NVIDIA_TESLA_T4) or remove acceleratorCount`);
  }
  if (type === 'NVIDIA_TESLA_K80') {
    add(typePath, 'NVIDIA_TESLA_K80 has reached end of support on Google Cloud; use NVIDIA_TESLA_T4 (n1-*) or NVIDIA_L4 (g2-standard-*)');
  }
  const rule = machineType ? acceleratorRule(machineType) : undefined;
  if (!machineType || !rule || invalidType) return;
  if (rule.kind === 'none' && type) {
    add(
      typePath,
      `${machineType} takes no accelerators; for GPUs use n1-standard-* with NVIDIA_TESLA_T4 or g2-standard-* (NVIDIA_L4 included)`,
    );
  }
  if (rule.kind === 'bundled') {
    if (!type) {
      add(typePath, `${machineType} comes with ${rule.count} ${rule.type}: set acceleratorType: ${rule.type} and acceleratorCount: ${rule.count}`);
    } else if (type !== rule.type) {
      add(typePath, `${machineType} comes with ${rule.type}, not ${type}; set acceleratorType: ${rule.type}`);
    } else if (count !== undefined && count > rule.count) {
      add(countPath, `${machineType} has ${rule.count} ${rule.type}, got acceleratorCount ${count}`);
    }
  }
  if (rule.kind === 'attachable' && type) {
    const counts = rule.counts[type as keyof typeof rule.counts];
    if (!counts) {
      add(typePath, `${machineType} takes ${Object.keys(rule.counts).join(', ')}, not ${type}`);
    } else if (count !== undefined && count > 0 && !counts.includes(count)) {
      add(countPath, `${machineType} takes ${counts.slice(0, -1).join(', ')} or ${counts.at(-1) ?? ''} ${type}, got ${count}`);
    }
  }
}

function envRules(env: unknown, at: string, add: (path: string, message: string) => void): void {
  const names: Array<{ name: string; path: string }> = [];
  if (isPlainObject(env)) {
    for (const name of Object.keys(env)) names.push({ name, path: joinPath(at, name) });
  } else if (Array.isArray(env)) {
    env.forEach((item, index) => {
      if (isPlainObject(item) && typeof item.name === 'string') names.push({ name: item.name, path: `${at}[${index}].name` });
    });
  }
  const seen = new Set<string>();
  for (const { name, path } of names) {
    if (name.includes('=')) add(path, `environment variable names can't contain "=", got ${JSON.stringify(name)}`);
    else if (seen.has(name)) add(path, `${name} is set twice; keep one`);
    seen.add(name);
  }
}

function servingContainerRules(spec: Record<string, unknown>, at: string, add: (path: string, message: string) => void): void {
  for (const key of ['predictRoute', 'healthRoute']) {
    const route = spec[key];
    if (typeof route === 'string' && route !== '' && !route.startsWith('/')) {
      add(joinPath(at, key), `a route is an HTTP path starting with /, got ${JSON.stringify(route)}; write ${JSON.stringify(`/${route}`)}`);
    }
  }
  for (const key of ['ports', 'grpcPorts']) {
    const ports = spec[key];
    if (!Array.isArray(ports)) continue;
    ports.forEach((port, index) => {
      if (isPlainObject(port) && typeof port.containerPort === 'number' && (port.containerPort < 1 || port.containerPort > 65535)) {
        add(`${joinPath(at, key)}[${index}].containerPort`, `a port is from 1 to 65535, got ${port.containerPort}`);
      }
    });
  }
}

function labelRules(labels: Record<string, unknown>, at: string, add: (path: string, message: string) => void): void {
  const entries = Object.entries(labels).filter(([, value]) => value !== undefined);
  if (entries.length > 64) add(at, `at most 64 labels, got ${entries.length}`);
  for (const [key, value] of entries) {
    const path = joinPath(at, key);
    if (!LABEL_KEY.test(key)) {
      const fix = LABEL_KEY.test(key.toLowerCase().replace(/[^\p{L}\p{N}_-]/gu, '_')) ? `; e.g. ${JSON.stringify(key.toLowerCase().replace(/[^\p{L}\p{N}_-]/gu, '_'))}` : '';
      add(path, `label keys are 1-64 lowercase letters, digits, _ and -, starting with a letter; got ${JSON.stringify(key)}${fix}`);
    }
    if (typeof value === 'string' && !LABEL_VALUE.test(value)) {
      add(path, `label values are up to 64 lowercase letters, digits, _ and -; got ${JSON.stringify(value)}`);
    }
  }
}

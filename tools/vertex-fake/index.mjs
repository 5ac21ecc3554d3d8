// A Vertex AI fake that speaks the real wire protocol: a gRPC server built from the .proto files
// shipped inside @google-cloud/aiplatform, serving JobService, ModelService, EndpointService and
// google.longrunning.Operations, so the official Node client (and anything built on it) runs
// against it unchanged. Jobs move through Vertex's states on a schedule the test controls, and
// every call is recorded decoded, so tests assert exactly what went over the wire.
/* global structuredClone */
import { Buffer } from 'node:buffer';
import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { createRequire } from 'node:module';
import { clearInterval, clearTimeout, setInterval, setTimeout } from 'node:timers';

const require = createRequire(import.meta.url);

const V1 = 'google.cloud.aiplatform.v1';
const SERVICES = {
  JobService: `${V1}.JobService`,
  ModelService: `${V1}.ModelService`,
  EndpointService: `${V1}.EndpointService`,
  Operations: 'google.longrunning.Operations',
};
const PROTO_FILES = [
  'google/cloud/aiplatform/v1/job_service.proto',
  'google/cloud/aiplatform/v1/model_service.proto',
  'google/cloud/aiplatform/v1/endpoint_service.proto',
  'google/longrunning/operations.proto',
];
// What the server hands to toObject when it decodes a request. `defaults: false` keeps only the
// fields that were on the wire; `oneofs: false` keeps recorded requests free of the virtual
// discriminator keys (`source: 'gcsSource'`) that are not part of what the client sent.
const DECODE = { keepCase: false, longs: String, enums: String, defaults: false, oneofs: false };

const FINAL_STATES = new Set(['JOB_STATE_SUCCEEDED', 'JOB_STATE_FAILED', 'JOB_STATE_CANCELLED', 'JOB_STATE_EXPIRED', 'JOB_STATE_PARTIALLY_SUCCEEDED']);
const NEXT_STATE = { JOB_STATE_QUEUED: 'JOB_STATE_PENDING', JOB_STATE_PENDING: 'JOB_STATE_RUNNING', JOB_STATE_CANCELLING: 'JOB_STATE_CANCELLED' };
const DEFAULT_FAILURE = { code: 13, message: 'Internal error occurred for the current attempt.' };
// The proto comments on Cancel*Job: a cancelled job carries google.rpc.Code.CANCELLED (1).
const CANCELLED_ERROR = { code: 1, message: 'CANCELED' };

const JOB_KINDS = [
  { kind: 'CustomJob', collection: 'customJobs', field: 'customJob' },
  { kind: 'HyperparameterTuningJob', collection: 'hyperparameterTuningJobs', field: 'hyperparameterTuningJob' },
  { kind: 'BatchPredictionJob', collection: 'batchPredictionJobs', field: 'batchPredictionJob' },
];

// Numeric scalars cannot be checked for presence in proto3 (0 is "unset" on the wire), so the
// generic REQUIRED check skips them; these are the ones where 0 is never valid.
const REQUIRED_NONZERO = new Set(['HyperparameterTuningJob.maxTrialCount', 'HyperparameterTuningJob.parallelTrialCount', 'DedicatedResources.minReplicaCount']);
// REQUIRED in the protos, but an empty string is a legitimate value the wire cannot carry.
const REQUIRED_EXEMPT = new Set(['EnvVar.value']);

function packageDir(req, name) {
  let dir = path.dirname(req.resolve(name));
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest) && JSON.parse(fs.readFileSync(manifest, 'utf8')).name === name) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`vertex-fake: cannot find the package directory of ${name}`);
    dir = up;
  }
}

let loaded;
// Loading the protos costs ~0.3 s, so every fake in a process shares one copy.
function loadProtos() {
  if (loaded) return loaded;
  // Found from here when hoisted to the root node_modules, else from the package running the tests.
  let aiplatformDir;
  try {
    aiplatformDir = packageDir(require, '@google-cloud/aiplatform');
  } catch {
    aiplatformDir = packageDir(createRequire(path.join(process.cwd(), 'package.json')), '@google-cloud/aiplatform');
  }
  // google-gax, and the grpc-js and auth library it uses, are resolved from the client's own
  // dependency tree: channel credentials and auth clients must be the very classes gax checks.
  const requireFromAiplatform = createRequire(path.join(aiplatformDir, 'package.json'));
  const gaxDir = packageDir(requireFromAiplatform, 'google-gax');
  const requireFromGax = createRequire(path.join(gaxDir, 'package.json'));
  const protoLoader = require('@grpc/proto-loader');
  const protobuf = createRequire(path.join(packageDir(require, '@grpc/proto-loader'), 'package.json'))('protobufjs');

  const includeDirs = [path.join(aiplatformDir, 'build/protos'), path.join(gaxDir, 'build/protos')];
  const root = new protobuf.Root();
  root.resolvePath = (origin, target) => {
    for (const dir of includeDirs) {
      const file = path.join(dir, target);
      if (fs.existsSync(file)) return file;
    }
    return protobuf.util.path.resolve(origin, target);
  };
  root.loadSync(PROTO_FILES, { keepCase: false });
  root.resolveAll();
  // One parse serves both: proto-loader builds the grpc service definitions from the same root,
  // and the root itself encodes the google.protobuf.Any payloads of operations.
  const packageDefinition = protoLoader.fromJSON(root.toJSON(), DECODE);
  loaded = {
    root,
    protobuf,
    packageDefinition,
    grpcServer: require('@grpc/grpc-js'),
    grpcClient: requireFromGax('@grpc/grpc-js'),
    PassThroughClient: requireFromGax('google-auth-library').PassThroughClient,
  };
  return loaded;
}

class RpcError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
    this.details = message;
  }
}

const clone = (value) => (value === undefined ? undefined : structuredClone(value));
const snake = (name) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const fieldBehaviors = (field) => (field.parsedOptions ?? []).flatMap((o) => o['(google.api.field_behavior)'] ?? []);

function timestamp(ms = Date.now()) {
  return { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1e6 };
}
const timestampMs = (ts) => Number(ts.seconds) * 1000 + Math.round((ts.nanos ?? 0) / 1e6);

function pageToken(offset) {
  return Buffer.from(`offset:${offset}`).toString('base64url');
}
function readPageToken(token) {
  if (!token) return 0;
  const match = /^offset:(\d+)$/.exec(Buffer.from(token, 'base64url').toString());
  if (!match) throw new RpcError(3, 'Invalid page token.');
  return Number(match[1]);
}

function fieldErrors(errors) {
  return `List of found errors:\t${errors.map((e, i) => `${i + 1}.Field: ${e.field}; Message: ${e.message}`).join('\t')}\t`;
}

// Vertex list filters: `labels.k=v`, `labels.k:*`, `display_name="x"`, `state=JOB_STATE_X`,
// AND-ed. Anything else is rejected rather than silently matching everything.
function parseFilter(filter) {
  if (!filter || !filter.trim()) return () => true;
  const terms = filter.trim().split(/\s+AND\s+/);
  const unquote = (v) => v.trim().replace(/^"(.*)"$/, '$1');
  const tests = terms.map((term) => {
    let m = /^labels\.([\w-]+)\s*:\s*\*$/.exec(term.trim());
    if (m) {
      const key = m[1];
      return (r) => r.labels?.[key] !== undefined;
    }
    m = /^labels\.([\w-]+)\s*(=|!=)\s*("[^"]*"|[^\s"]+)$/.exec(term.trim());
    if (m) {
      const [, key, op, raw] = m;
      const value = unquote(raw);
      return op === '=' ? (r) => r.labels?.[key] === value : (r) => r.labels?.[key] !== value;
    }
    m = /^(display_name|displayName|state)\s*(=|!=)\s*("[^"]*"|[^\s"]+)$/.exec(term.trim());
    if (m) {
      const [, key, op, raw] = m;
      const field = key === 'state' ? 'state' : 'displayName';
      const value = unquote(raw);
      return op === '=' ? (r) => (r[field] ?? '') === value : (r) => (r[field] ?? '') !== value;
    }
    throw new RpcError(3, `Unsupported filter: "${term.trim()}". vertex-fake understands labels.KEY=VALUE, labels.KEY:*, display_name=VALUE and state=STATE, joined by AND.`);
  });
  return (resource) => tests.every((t) => t(resource));
}

function labelErrors(fieldPath, labels) {
  if (!labels) return [];
  const key = /^[\p{Ll}\p{Lo}][\p{Ll}\p{Lo}\p{N}_-]{0,62}$/u;
  const value = /^[\p{Ll}\p{Lo}\p{N}_-]{0,63}$/u;
  const bad = Object.entries(labels).filter(([k, v]) => !key.test(k) || !value.test(v));
  if (!bad.length && Object.keys(labels).length <= 64) return [];
  return [
    {
      field: fieldPath,
      message:
        'Label keys and values can only contain lowercase letters, numbers, dashes and underscores; keys must start with a letter, are at most 63 characters, and there are at most 64 labels.',
    },
  ];
}

function matches(matcher, request, kind) {
  const job = request[JOB_KINDS.find((k) => k.kind === kind).field] ?? {};
  if (typeof matcher === 'function') return Boolean(matcher(request, kind));
  if (matcher instanceof RegExp) {
    matcher.lastIndex = 0;
    return matcher.test(job.displayName ?? '');
  }
  return job.displayName === matcher;
}

/** @param {import('./index.d.ts').VertexFakeOptions} [options] */
export async function startVertexFake(options = {}) {
  const { root, packageDefinition, grpcServer, grpcClient, PassThroughClient } = loadProtos();
  const advanceOnGet = options.advanceOnGet ?? options.stepMs == null;
  const operationPolls = options.operationPolls ?? 1;
  const defaultPageSize = options.defaultPageSize ?? 100;

  /** @type {{ service: string, method: string, request: any }[]} */
  const requests = [];
  let jobs = new Map();
  let models = new Map();
  let endpoints = new Map();
  let operations = new Map();
  let outcomes = [];
  let seq = 0n;
  // Operation timers die with a reset; the step ticker lives as long as the server.
  const operationTimers = new Set();
  let ticker;

  // Vertex ids are 19-digit decimal numbers; sequential ones keep names predictable in tests.
  const nextId = () => String(1_000_000_000_000_000_000n + ++seq);
  const etag = () => `AMEw9yN${String(seq).padStart(6, '0')}=`;

  function later(fn, ms) {
    const t = setTimeout(() => {
      operationTimers.delete(t);
      fn();
    }, ms);
    t.unref();
    operationTimers.add(t);
  }

  // Vertex answers with the project number whatever the caller used, and accepts either back.
  function canonical(name) {
    if (!options.projectNumber || typeof name !== 'string') return name;
    return name.replace(/^projects\/[^/]+/, `projects/${options.projectNumber}`);
  }

  function checkParent(parent) {
    if (!parent) throw new RpcError(3, fieldErrors([{ field: 'parent', message: 'Required field is not set.' }]));
    if (!/^projects\/[^/]+\/locations\/[^/]+$/.test(parent)) {
      throw new RpcError(3, fieldErrors([{ field: 'parent', message: `Invalid resource name "${parent}"; expected projects/{project}/locations/{location}.` }]));
    }
    return canonical(parent);
  }

  function checkName(name, collection) {
    if (!name) throw new RpcError(3, fieldErrors([{ field: 'name', message: 'Required field is not set.' }]));
    if (!new RegExp(`^projects/[^/]+/locations/[^/]+/${collection}/[^/]+$`).test(name)) {
      throw new RpcError(3, fieldErrors([{ field: 'name', message: `Invalid resource name "${name}"; expected projects/{project}/locations/{location}/${collection}/{id}.` }]));
    }
    return canonical(name);
  }

  // Walks a decoded request with the proto reflection and reports every REQUIRED field that
  // was not sent, by its snake_case path: the way Vertex's own validation reports them.
  function requiredErrors(type, object, prefix = '') {
    const errors = [];
    for (const field of type.fieldsArray) {
      const value = object[field.name];
      const fieldPath = prefix + snake(field.name);
      const behaviors = fieldBehaviors(field);
      const qualified = `${type.name}.${field.name}`;
      if (behaviors.includes('REQUIRED') && !REQUIRED_EXEMPT.has(qualified)) {
        const numberOrBool = !field.resolvedType && field.type !== 'string' && field.type !== 'bytes';
        const unset = value === undefined || (Array.isArray(value) && value.length === 0);
        const missing = numberOrBool ? REQUIRED_NONZERO.has(qualified) && (unset || Number(value) === 0) : unset;
        if (missing) {
          errors.push({ field: fieldPath, message: 'Required field is not set.' });
          continue;
        }
      }
      if (value === undefined || field.map || !(field.resolvedType instanceof loaded.protobuf.Type)) continue;
      if (field.resolvedType.fullName.startsWith('.google.protobuf.')) continue;
      if (field.repeated) value.forEach((item, i) => errors.push(...requiredErrors(field.resolvedType, item, `${fieldPath}[${i}].`)));
      else errors.push(...requiredErrors(field.resolvedType, value, `${fieldPath}.`));
    }
    return errors;
  }

  function validate(requestType, request, extra = []) {
    const errors = [...requiredErrors(root.lookupType(`${V1}.${requestType}`), request), ...extra];
    if (errors.length) throw new RpcError(3, fieldErrors(errors));
  }

  // Output-only fields a client sends (the official one sends them) are ignored by Vertex.
  function stripOutputOnly(type, object) {
    for (const field of type.fieldsArray) {
      if (object[field.name] === undefined) continue;
      if (fieldBehaviors(field).includes('OUTPUT_ONLY')) {
        delete object[field.name];
        continue;
      }
      if (field.map || !(field.resolvedType instanceof loaded.protobuf.Type) || field.resolvedType.fullName.startsWith('.google.protobuf.')) continue;
      if (field.repeated) object[field.name].forEach((item) => stripOutputOnly(field.resolvedType, item));
      else stripOutputOnly(field.resolvedType, object[field.name]);
    }
    return object;
  }
  const resourceFrom = (typeName, object) => stripOutputOnly(root.lookupType(`${V1}.${typeName}`), clone(object ?? {}));

  // ---- long-running operations -------------------------------------------------------------

  function pack(typeName, object) {
    const type = root.lookupType(typeName);
    return { typeUrl: `type.googleapis.com/${type.fullName.slice(1)}`, value: Buffer.from(type.encode(type.fromObject(object)).finish()) };
  }

  // Each LRO method declares its response and metadata types in google.longrunning.operation_info.
  function operationTypes(serviceKey, method) {
    const service = root.lookupService(SERVICES[serviceKey]);
    const info = service.methods[method].parsedOptions?.find((o) => o['(google.longrunning.operation_info)'])?.['(google.longrunning.operation_info)'];
    if (!info) throw new Error(`vertex-fake: ${method} declares no operation_info`);
    const resolve = (name) => service.lookupType(name).fullName.slice(1);
    return { responseType: resolve(info.response_type), metadataType: resolve(info.metadata_type) };
  }

  /**
   * Starts an operation on `resourceName`. Validation has already happened; `complete` applies
   * the effect and returns the response when the operation finishes, or throws an RpcError.
   */
  function startOperation(serviceKey, method, resourceName, complete, metadataExtra = {}) {
    const { responseType, metadataType } = operationTypes(serviceKey, method);
    const created = timestamp();
    const metadata = { genericMetadata: { createTime: created, updateTime: created }, ...metadataExtra };
    const entry = {
      op: { name: `${resourceName}/operations/${nextId()}`, metadata: pack(metadataType, metadata), done: false },
      pollsLeft: operationPolls,
      finish() {
        if (entry.op.done) return;
        try {
          const response = complete(metadata);
          entry.op.response = pack(responseType, response ?? {});
        } catch (err) {
          if (!(err instanceof RpcError)) throw err;
          entry.op.error = { code: err.code, message: err.message };
        }
        metadata.genericMetadata.updateTime = timestamp();
        entry.op.metadata = pack(metadataType, metadata);
        entry.op.done = true;
      },
    };
    operations.set(entry.op.name, entry);
    if (options.operationDelayMs != null) later(() => entry.finish(), options.operationDelayMs);
    else if (operationPolls <= 0) entry.finish();
    return entry.op;
  }

  function getOperation(name) {
    const entry = operations.get(name);
    if (!entry) throw new RpcError(5, `Operation "${name}" not found.`);
    return entry;
  }

  // ---- jobs --------------------------------------------------------------------------------

  function findJob(kind, name) {
    const job = jobs.get(name);
    if (!job || job.kind !== kind) throw new RpcError(5, `${kind} "${name}" not found.`);
    return job;
  }

  function modelDisplayName(modelName) {
    const model = models.get(canonical(modelName));
    return (model?.displayName ?? modelName.split('/').pop()).replace(/[^\w-]/g, '_');
  }

  // What Vertex adds to a job when it starts running.
  function onRunning(job) {
    const r = job.resource;
    if (job.kind === 'BatchPredictionJob' && !r.outputInfo) {
      const stamp = new Date(timestampMs(r.createTime)).toISOString().replace(/[-:.]/g, '_');
      const displayName = r.model ? modelDisplayName(r.model) : 'unmanaged';
      const gcs = r.outputConfig?.gcsDestination?.outputUriPrefix;
      const bq = r.outputConfig?.bigqueryDestination?.outputUri;
      if (gcs) r.outputInfo = { gcsOutputDirectory: `${gcs.replace(/\/+$/, '')}/prediction-${displayName}-${stamp}` };
      else if (bq) {
        const project = bq.replace(/^bq:\/\//, '').split('.')[0];
        r.outputInfo = { bigqueryOutputDataset: `bq://${project}.prediction_${displayName}_${stamp}`, bigqueryOutputTable: 'predictions' };
      }
    }
    if (job.kind === 'HyperparameterTuningJob' && !r.trials?.length) {
      r.trials = makeTrials(r, Math.min(r.parallelTrialCount || 1, r.maxTrialCount || 1), false);
    }
  }

  function onSucceeded(job) {
    const r = job.resource;
    if (job.kind === 'HyperparameterTuningJob') r.trials = makeTrials(r, r.maxTrialCount || 1, true);
  }

  // Plausible, deterministic trials: parameters spread over each spec's range, metrics varied.
  function makeTrials(r, count, finished) {
    const params = r.studySpec?.parameters ?? [];
    const metrics = r.studySpec?.metrics ?? [];
    const start = r.startTime ?? timestamp();
    const end = timestamp();
    return Array.from({ length: count }, (_, i) => {
      const t = (i + 1) / (count + 1);
      const parameters = params.map((p) => {
        let value;
        if (p.doubleValueSpec) value = { numberValue: (p.doubleValueSpec.minValue ?? 0) + ((p.doubleValueSpec.maxValue ?? 0) - (p.doubleValueSpec.minValue ?? 0)) * t };
        else if (p.integerValueSpec) {
          const lo = Number(p.integerValueSpec.minValue ?? 0);
          value = { numberValue: Math.round(lo + (Number(p.integerValueSpec.maxValue ?? 0) - lo) * t) };
        } else if (p.categoricalValueSpec?.values?.length) value = { stringValue: p.categoricalValueSpec.values[i % p.categoricalValueSpec.values.length] };
        else if (p.discreteValueSpec?.values?.length) value = { numberValue: p.discreteValueSpec.values[i % p.discreteValueSpec.values.length] };
        return { parameterId: p.parameterId, ...(value && { value }) };
      });
      const trial = { id: String(i + 1), state: finished ? 'SUCCEEDED' : 'ACTIVE', parameters, startTime: start };
      if (finished) {
        trial.endTime = end;
        trial.finalMeasurement = {
          stepCount: '1',
          metrics: metrics.map((m, k) => ({ metricId: m.metricId, value: Math.round((0.5 + (0.45 * ((i * 7 + k * 3) % count)) / count) * 1e4) / 1e4 })),
        };
      }
      return trial;
    });
  }

  function setState(job, state) {
    const r = job.resource;
    if (r.state === state) return;
    r.state = state;
    r.updateTime = timestamp();
    // A job that reaches an end other than cancellation has run, even if the test skipped RUNNING.
    const ran = state === 'JOB_STATE_RUNNING' || (FINAL_STATES.has(state) && state !== 'JOB_STATE_CANCELLED');
    if (ran) {
      r.startTime ??= r.updateTime;
      onRunning(job);
    }
    if (FINAL_STATES.has(state)) {
      r.endTime = r.updateTime;
      const scripted = job.outcome?.state === state ? job.outcome.error : undefined;
      if (state === 'JOB_STATE_FAILED') r.error = clone(scripted ?? DEFAULT_FAILURE);
      else if (state === 'JOB_STATE_CANCELLED') r.error = clone(CANCELLED_ERROR);
      else if (scripted) r.error = clone(scripted);
      if (state === 'JOB_STATE_SUCCEEDED' || state === 'JOB_STATE_PARTIALLY_SUCCEEDED') onSucceeded(job);
    }
  }

  // One step of the job's life. A held job stops at RUNNING unless `force` (an explicit advance).
  function step(job, force = false) {
    const state = job.resource.state;
    if (FINAL_STATES.has(state)) return;
    if (state === 'JOB_STATE_RUNNING') {
      if (job.held && !force) return;
      setState(job, job.outcome?.state ?? 'JOB_STATE_SUCCEEDED');
      return;
    }
    setState(job, NEXT_STATE[state] ?? 'JOB_STATE_RUNNING');
  }

  function createJob(kind, request) {
    const spec = JOB_KINDS.find((k) => k.kind === kind);
    const parent = checkParent(request.parent);
    const body = request[spec.field];
    const extra = [...labelErrors(`${snake(spec.field)}.labels`, body?.labels)];
    if (kind === 'BatchPredictionJob' && body && !body.model && !body.unmanagedContainerModel) {
      extra.push({ field: 'batch_prediction_job.model', message: 'Either model or unmanaged_container_model must be set.' });
    }
    validate(`Create${kind}Request`, request, extra);
    // Publisher models (publishers/google/models/...) live outside the fake; project models must exist.
    const projectModel = kind === 'BatchPredictionJob' && /^projects\/[^/]+\/locations\/[^/]+\/models\//.test(body.model ?? '');
    const model = projectModel ? findModel(body.model) : undefined;
    const now = timestamp();
    const resource = resourceFrom(kind, body);
    Object.assign(resource, { name: `${parent}/${spec.collection}/${nextId()}`, state: 'JOB_STATE_QUEUED', createTime: now, updateTime: now });
    if (model) resource.modelVersionId = model.versionId;
    const rule = outcomes.find((o) => o.left > 0 && matches(o.matcher, request, kind));
    if (rule) rule.left -= 1;
    const outcome = rule ? { state: rule.outcome.state ?? 'JOB_STATE_SUCCEEDED', error: clone(rule.outcome.error) } : undefined;
    jobs.set(resource.name, { kind, resource, outcome, held: Boolean(rule?.outcome.hold) });
    return resource;
  }

  function listOf(collection, parent, request, listField) {
    const test = parseFilter(request.filter);
    const all = [...collection.values()].map((v) => v.resource ?? v).filter((r) => r.name.startsWith(`${parent}/`) && test(r));
    const offset = readPageToken(request.pageToken);
    const size = request.pageSize > 0 ? Math.min(request.pageSize, 1000) : defaultPageSize;
    const page = all.slice(offset, offset + size);
    const response = { [listField]: page };
    if (offset + size < all.length) response.nextPageToken = pageToken(offset + size);
    return response;
  }

  const impl = { JobService: {}, ModelService: {}, EndpointService: {}, Operations: {} };

  for (const { kind, collection } of JOB_KINDS) {
    impl.JobService[`Create${kind}`] = (req) => createJob(kind, req);
    impl.JobService[`Get${kind}`] = (req) => {
      const job = findJob(kind, checkName(req.name, collection));
      if (advanceOnGet) step(job);
      return job.resource;
    };
    impl.JobService[`List${kind}s`] = (req) => {
      const parent = checkParent(req.parent);
      return listOf(new Map([...jobs].filter(([, j]) => j.kind === kind)), parent, req, collection);
    };
    impl.JobService[`Cancel${kind}`] = (req) => {
      const job = findJob(kind, checkName(req.name, collection));
      const state = job.resource.state;
      if (FINAL_STATES.has(state)) throw new RpcError(9, `Cannot cancel ${kind} "${job.resource.name}" because it is in a final state: ${state}.`);
      setState(job, 'JOB_STATE_CANCELLING');
      return {};
    };
    impl.JobService[`Delete${kind}`] = (req) => {
      const job = findJob(kind, checkName(req.name, collection));
      const state = job.resource.state;
      if (!FINAL_STATES.has(state)) throw new RpcError(9, `${kind} "${job.resource.name}" is in state ${state}; cancel it and wait for a final state before deleting it.`);
      return startOperation('JobService', `Delete${kind}`, job.resource.name, () => {
        jobs.delete(job.resource.name);
        return {};
      });
    };
  }

  // ---- models ------------------------------------------------------------------------------

  function findModel(name) {
    const canon = checkName(String(name ?? '').replace(/@[^/]*$/, ''), 'models');
    const model = models.get(canon);
    if (!model) throw new RpcError(5, `Model "${name}" not found.`);
    return model;
  }

  impl.ModelService.UploadModel = (req) => {
    const parent = checkParent(req.parent);
    validate('UploadModelRequest', req, labelErrors('model.labels', req.model?.labels));
    if (req.parentModel) throw new RpcError(12, 'vertex-fake does not model versions: upload without parent_model.');
    const name = `${parent}/models/${req.modelId || nextId()}`;
    if (models.has(name)) throw new RpcError(6, `Model "${name}" already exists.`);
    return startOperation('ModelService', 'UploadModel', name, () => {
      const now = timestamp();
      const model = resourceFrom('Model', req.model);
      Object.assign(model, {
        name,
        versionId: '1',
        versionAliases: ['default'],
        createTime: now,
        updateTime: now,
        versionCreateTime: now,
        versionUpdateTime: now,
        etag: etag(),
        supportedDeploymentResourcesTypes: ['DEDICATED_RESOURCES', 'SHARED_RESOURCES'],
      });
      models.set(name, model);
      return { model: name, modelVersionId: '1' };
    });
  };
  impl.ModelService.GetModel = (req) => findModel(req.name);
  impl.ModelService.ListModels = (req) => listOf(models, checkParent(req.parent), req, 'models');
  impl.ModelService.DeleteModel = (req) => {
    const model = findModel(req.name);
    if (model.deployedModels?.length) {
      throw new RpcError(9, `The Model "${model.name}" is deployed or being deployed at the following Endpoint(s): ${model.deployedModels.map((d) => d.endpoint).join(', ')}.`);
    }
    return startOperation('ModelService', 'DeleteModel', model.name, () => {
      models.delete(model.name);
      return {};
    });
  };

  // ---- endpoints ---------------------------------------------------------------------------

  function findEndpoint(name) {
    const endpoint = endpoints.get(checkName(name, 'endpoints'));
    if (!endpoint) throw new RpcError(5, `Endpoint "${name}" not found.`);
    return endpoint;
  }

  function trafficErrors(split, allowedIds) {
    const entries = Object.entries(split);
    const errors = entries.filter(([id]) => !allowedIds.includes(id)).map(([id]) => ({ field: 'traffic_split', message: `Traffic split references DeployedModel "${id}", which is not deployed to this Endpoint.` }));
    const sum = entries.reduce((total, [, pct]) => total + pct, 0);
    if (entries.length && sum !== 100) errors.push({ field: 'traffic_split', message: `The traffic split percentages must add up to 100, got ${sum}.` });
    return errors;
  }

  impl.EndpointService.CreateEndpoint = (req) => {
    const parent = checkParent(req.parent);
    validate('CreateEndpointRequest', req, labelErrors('endpoint.labels', req.endpoint?.labels));
    const name = `${parent}/endpoints/${req.endpointId || nextId()}`;
    if (endpoints.has(name)) throw new RpcError(6, `Endpoint "${name}" already exists.`);
    return startOperation('EndpointService', 'CreateEndpoint', name, () => {
      const now = timestamp();
      const endpoint = resourceFrom('Endpoint', req.endpoint);
      Object.assign(endpoint, { name, createTime: now, updateTime: now, etag: etag() });
      endpoints.set(name, endpoint);
      return endpoint;
    });
  };
  impl.EndpointService.GetEndpoint = (req) => findEndpoint(req.name);
  impl.EndpointService.ListEndpoints = (req) => listOf(endpoints, checkParent(req.parent), req, 'endpoints');
  impl.EndpointService.DeleteEndpoint = (req) => {
    const endpoint = findEndpoint(req.name);
    if (endpoint.deployedModels?.length) throw new RpcError(9, `Endpoint "${endpoint.name}" has deployed models; undeploy them before deleting it.`);
    return startOperation('EndpointService', 'DeleteEndpoint', endpoint.name, () => {
      endpoints.delete(endpoint.name);
      return {};
    });
  };

  impl.EndpointService.DeployModel = (req) => {
    validate('DeployModelRequest', req);
    const endpoint = findEndpoint(req.endpoint);
    const dm = req.deployedModel;
    if (!dm.model) throw new RpcError(3, fieldErrors([{ field: 'deployed_model.model', message: 'Required field is not set.' }]));
    const model = findModel(dm.model);
    if (!dm.dedicatedResources && !dm.automaticResources && !dm.sharedResources) {
      throw new RpcError(3, fieldErrors([{ field: 'deployed_model.prediction_resources', message: 'One of dedicated_resources, automatic_resources or shared_resources must be set.' }]));
    }
    const id = dm.id || nextId();
    const existing = (endpoint.deployedModels ?? []).map((d) => d.id);
    if (existing.includes(id)) throw new RpcError(6, `DeployedModel with ID "${id}" already exists on Endpoint "${endpoint.name}".`);
    const split = req.trafficSplit ?? {};
    const errors = trafficErrors(split, ['0', ...existing]);
    if (errors.length) throw new RpcError(3, fieldErrors(errors));
    return startOperation(
      'EndpointService',
      'DeployModel',
      endpoint.name,
      (metadata) => {
        if (endpoints.get(endpoint.name) !== endpoint) throw new RpcError(5, `Endpoint "${endpoint.name}" not found.`);
        const deployed = resourceFrom('DeployedModel', dm);
        Object.assign(deployed, { id, model: model.name, modelVersionId: model.versionId, createTime: timestamp() });
        endpoint.deployedModels = [...(endpoint.deployedModels ?? []), deployed];
        // The request's split replaces the endpoint's, "0" standing for the new model; with no
        // split the first model takes all traffic and later ones none.
        if (Object.keys(split).length) endpoint.trafficSplit = Object.fromEntries(Object.entries(split).map(([k, v]) => [k === '0' ? id : k, v]));
        else if (!Object.values(endpoint.trafficSplit ?? {}).some((v) => v > 0)) endpoint.trafficSplit = { [id]: 100 };
        endpoint.updateTime = timestamp();
        endpoint.etag = etag();
        model.deployedModels = [...(model.deployedModels ?? []), { endpoint: endpoint.name, deployedModelId: id }];
        metadata.deploymentStage = 'SUCCESSFULLY_DEPLOYED';
        return { deployedModel: deployed };
      },
      { deploymentStage: 'STARTING_DEPLOYMENT' },
    );
  };

  impl.EndpointService.UndeployModel = (req) => {
    validate('UndeployModelRequest', req);
    const endpoint = findEndpoint(req.endpoint);
    const id = req.deployedModelId;
    const remaining = (endpoint.deployedModels ?? []).filter((d) => d.id !== id);
    if (remaining.length === (endpoint.deployedModels ?? []).length) throw new RpcError(5, `DeployedModel "${id}" not found on Endpoint "${endpoint.name}".`);
    const requested = req.trafficSplit ?? {};
    let split;
    if (!remaining.length) split = {};
    else if (Object.keys(requested).length) {
      const errors = trafficErrors(requested, remaining.map((d) => d.id));
      if (errors.length) throw new RpcError(3, fieldErrors(errors));
      split = requested;
    } else {
      if ((endpoint.trafficSplit?.[id] ?? 0) > 0) {
        throw new RpcError(9, `DeployedModel "${id}" receives ${endpoint.trafficSplit[id]}% of the Endpoint's traffic; pass a traffic_split that assigns it none.`);
      }
      split = Object.fromEntries(Object.entries(endpoint.trafficSplit ?? {}).filter(([k]) => k !== id));
    }
    return startOperation('EndpointService', 'UndeployModel', endpoint.name, () => {
      const gone = endpoint.deployedModels.find((d) => d.id === id);
      endpoint.deployedModels = endpoint.deployedModels.filter((d) => d.id !== id);
      endpoint.trafficSplit = split;
      endpoint.updateTime = timestamp();
      endpoint.etag = etag();
      const model = gone && models.get(gone.model);
      if (model) model.deployedModels = (model.deployedModels ?? []).filter((d) => !(d.endpoint === endpoint.name && d.deployedModelId === id));
      return {};
    });
  };

  // ---- google.longrunning.Operations -------------------------------------------------------

  impl.Operations.GetOperation = (req) => {
    const entry = getOperation(req.name);
    if (!entry.op.done && options.operationDelayMs == null && --entry.pollsLeft <= 0) entry.finish();
    return entry.op;
  };
  impl.Operations.WaitOperation = (req) => {
    const entry = getOperation(req.name);
    entry.finish();
    return entry.op;
  };
  impl.Operations.CancelOperation = (req) => {
    const entry = getOperation(req.name);
    if (!entry.op.done) {
      entry.op.done = true;
      entry.op.error = { ...CANCELLED_ERROR };
    }
    return {};
  };
  impl.Operations.DeleteOperation = (req) => {
    getOperation(req.name);
    operations.delete(req.name);
    return {};
  };

  // ---- server ------------------------------------------------------------------------------

  const server = new grpcServer.Server();
  for (const [serviceKey, fullName] of Object.entries(SERVICES)) {
    const definition = packageDefinition[fullName];
    const handlers = {};
    for (const method of Object.keys(definition)) {
      handlers[method] = (call, callback) => {
        requests.push({ service: serviceKey, method, request: clone(call.request) });
        const fn = impl[serviceKey][method];
        if (!fn) {
          callback(new RpcError(12, `vertex-fake does not implement ${serviceKey}.${method}.`));
          return;
        }
        try {
          // Responses are encoded now, so later state changes cannot leak into this answer.
          callback(null, clone(fn(call.request)));
        } catch (err) {
          if (err instanceof RpcError) callback(err);
          else callback(new RpcError(13, `vertex-fake: ${err?.stack ?? err}`));
        }
      };
    }
    server.addService(definition, handlers);
  }

  const port = await new Promise((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', grpcServer.ServerCredentials.createInsecure(), (err, boundPort) => (err ? reject(err) : resolve(boundPort)));
  });

  if (options.stepMs != null) {
    ticker = setInterval(() => {
      for (const job of jobs.values()) step(job);
    }, options.stepMs);
    ticker.unref();
  }

  function jobByName(name) {
    const job = jobs.get(canonical(name));
    if (!job) throw new Error(`vertex-fake: no job named "${name}"`);
    return job;
  }

  return {
    address: `127.0.0.1:${port}`,
    port,
    clientOptions: {
      apiEndpoint: '127.0.0.1',
      port,
      sslCreds: grpcClient.credentials.createInsecure(),
      authClient: new PassThroughClient(),
    },
    requests,
    requestsFor(method) {
      return requests.filter((r) => r.method === method).map((r) => r.request);
    },
    get(name) {
      const canon = canonical(name);
      return clone(jobs.get(canon)?.resource ?? models.get(canon) ?? endpoints.get(canon) ?? operations.get(canon)?.op);
    },
    setOutcome(matcher, outcome) {
      if (outcome.state && !FINAL_STATES.has(outcome.state)) throw new Error(`vertex-fake: outcome state must be final, got ${outcome.state}`);
      outcomes.push({ matcher, outcome, left: outcome.times ?? Infinity });
    },
    clearOutcomes() {
      outcomes = [];
    },
    advance(name, state) {
      const job = jobByName(name);
      if (state) setState(job, state);
      else step(job, true);
      return clone(job.resource);
    },
    hold(name) {
      jobByName(name).held = true;
    },
    release(name) {
      jobByName(name).held = false;
    },
    completeOperations() {
      for (const entry of operations.values()) entry.finish();
    },
    reset() {
      requests.length = 0;
      jobs = new Map();
      models = new Map();
      endpoints = new Map();
      for (const t of operationTimers) clearTimeout(t);
      operationTimers.clear();
      operations = new Map();
      outcomes = [];
      seq = 0n;
    },
    async stop() {
      for (const t of operationTimers) clearTimeout(t);
      operationTimers.clear();
      clearInterval(ticker);
      // A client that keeps its channel open would hold a graceful shutdown forever.
      await new Promise((resolve) => {
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 1000);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
    },
  };
}

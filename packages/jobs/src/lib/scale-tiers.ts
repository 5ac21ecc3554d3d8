// AI Platform Training (the predecessor of Vertex AI training) sized jobs by scale tier and by legacy machine
// names; its tutorials still use them. Vertex AI has neither: a job lists worker pools, pool 0 the chief
// (AI Platform's master), 1 the workers, 2 the parameter servers, 3 the evaluators.
//
// What Google documents, as found in the stored reference (google.cloud.notebooks.v1 ExecutionTemplate.ScaleTier,
// which copies AI Platform's TrainingInput.ScaleTier, and gcloud's `ml-engine jobs submit` help):
//   BASIC       "A single worker instance."
//   STANDARD_1  "Many workers and a few parameter servers."
//   PREMIUM_1   "A large number of workers with many parameter servers."
//   BASIC_GPU   "A single worker instance with a K80 GPU."
//   BASIC_TPU   "A single worker instance with a Cloud TPU."
//   CUSTOM      masterType is required; workerCount needs workerType; parameterServerCount needs
//               parameterServerType (evaluators likewise).
//   standard_gpu / complex_model_m_gpu / complex_model_l_gpu: standard / complex_model_m / complex_model_l
//   "that also includes" 1 / 4 / 8 K80s; *_p100 and *_v100 likewise with P100s and V100s; cloud_tpu: a VM with a
//   Cloud TPU.
// The replica counts of STANDARD_1 (4 workers, 3 parameter servers) and PREMIUM_1 (19 workers, 11 parameter
// servers) and the Compute Engine equivalents of the legacy names are those of AI Platform's "Specifying machine
// types or scale tiers" page; that page was not among the stored copies, so they are best knowledge, not quoted.
// K80s reached end of support (AcceleratorType reference), so they become T4s here, with a note saying so.
import type { AcceleratorType, ContainerSpec, MachineSpec, PythonPackageSpec, WorkerPoolSpec } from '../generated/vertex-types.js';
import { JobsError } from './jobs-error.js';
import { didYouMean, nearest } from './suggest.js';

/** AI Platform Training's scale tiers. */
export type ScaleTier = 'BASIC' | 'STANDARD_1' | 'PREMIUM_1' | 'BASIC_GPU' | 'BASIC_TPU' | 'CUSTOM';

/** AI Platform Training's legacy machine names. */
export type LegacyMachineType =
  | 'standard'
  | 'large_model'
  | 'complex_model_s'
  | 'complex_model_m'
  | 'complex_model_l'
  | 'standard_gpu'
  | 'complex_model_m_gpu'
  | 'complex_model_l_gpu'
  | 'standard_p100'
  | 'complex_model_m_p100'
  | 'standard_v100'
  | 'large_model_v100'
  | 'complex_model_m_v100'
  | 'complex_model_l_v100'
  | 'cloud_tpu';

const CPU_EQUIVALENTS = {
  standard: 'n1-standard-4',
  large_model: 'n1-highmem-8',
  complex_model_s: 'n1-highcpu-8',
  complex_model_m: 'n1-highcpu-16',
  complex_model_l: 'n1-highcpu-32',
} as const;

/** Legacy name -> base machine and the GPUs it "also includes". */
const LEGACY_GPUS: Record<string, { base: keyof typeof CPU_EQUIVALENTS; gpu: AcceleratorType; count: number }> = {
  standard_gpu: { base: 'standard', gpu: 'NVIDIA_TESLA_K80', count: 1 },
  complex_model_m_gpu: { base: 'complex_model_m', gpu: 'NVIDIA_TESLA_K80', count: 4 },
  complex_model_l_gpu: { base: 'complex_model_l', gpu: 'NVIDIA_TESLA_K80', count: 8 },
  standard_p100: { base: 'standard', gpu: 'NVIDIA_TESLA_P100', count: 1 },
  complex_model_m_p100: { base: 'complex_model_m', gpu: 'NVIDIA_TESLA_P100', count: 4 },
  standard_v100: { base: 'standard', gpu: 'NVIDIA_TESLA_V100', count: 1 },
  large_model_v100: { base: 'large_model', gpu: 'NVIDIA_TESLA_V100', count: 1 },
  complex_model_m_v100: { base: 'complex_model_m', gpu: 'NVIDIA_TESLA_V100', count: 4 },
  complex_model_l_v100: { base: 'complex_model_l', gpu: 'NVIDIA_TESLA_V100', count: 8 },
};

/** Every legacy machine name, for "did you mean" and tables. */
export const LEGACY_MACHINE_TYPES: readonly LegacyMachineType[] = [
  ...(Object.keys(CPU_EQUIVALENTS) as LegacyMachineType[]),
  ...(Object.keys(LEGACY_GPUS) as LegacyMachineType[]),
  'cloud_tpu',
];

/** A Vertex machine spec for an AI Platform machine name, and what changed on the way. */
export interface MachineSpecConversion {
  machineSpec: MachineSpec;
  /** Why the result differs from the original (e.g. K80s replaced); empty when it is a plain equivalent. */
  notes: string[];
}

const NO_TPU_EQUIVALENT =
  'has no Vertex AI equivalent: AI Platform attached a Cloud TPU to the master VM; on Vertex AI choose a TPU VM ' +
  'machine type for pool 0 yourself (e.g. ct5lp-hightpu-4t with TPU_V5_LITEPOD, count 4) and adapt the trainer to TPU VMs';

/**
 * The Vertex AI machine spec for an AI Platform machine name: a legacy name (`complex_model_m_gpu`) or a
 * Compute Engine type (`n1-highcpu-16`, passed through). K80s become T4s (K80 support ended), at most 4 per
 * machine (T4's limit on n1), with a note.
 *
 * @throws JobsError INVALID_ARGUMENT for `cloud_tpu` (no equivalent) and unknown names (with "did you mean")
 */
export function legacyMachineTypeToMachineSpec(machineType: string): MachineSpecConversion {
  const cpu = CPU_EQUIVALENTS[machineType as keyof typeof CPU_EQUIVALENTS];
  if (cpu) return { machineSpec: { machineType: cpu }, notes: [] };
  const gpu = LEGACY_GPUS[machineType];
  if (gpu) {
    const machineSpec: MachineSpec = { machineType: CPU_EQUIVALENTS[gpu.base], acceleratorType: gpu.gpu, acceleratorCount: gpu.count };
    const notes: string[] = [];
    if (gpu.gpu === 'NVIDIA_TESLA_K80') {
      machineSpec.acceleratorType = 'NVIDIA_TESLA_T4';
      machineSpec.acceleratorCount = Math.min(gpu.count, 4);
      notes.push(
        `${machineType}: ${gpu.count} NVIDIA_TESLA_K80 (end of support) became ${machineSpec.acceleratorCount} NVIDIA_TESLA_T4` +
          (gpu.count > 4 ? ' (n1 machines take at most 4 T4s)' : ''),
      );
    }
    return { machineSpec, notes };
  }
  if (machineType === 'cloud_tpu') throw new JobsError('INVALID_ARGUMENT', `machine type cloud_tpu ${NO_TPU_EQUIVALENT}`);
  if (/^[a-z][a-z0-9]*(-[a-z0-9]+)+$/.test(machineType)) return { machineSpec: { machineType }, notes: [] };
  const hint = didYouMean(nearest(machineType, LEGACY_MACHINE_TYPES));
  throw new JobsError(
    'INVALID_ARGUMENT',
    `${JSON.stringify(machineType)} is neither an AI Platform legacy machine name nor a Compute Engine machine type${hint ? `; ${hint}` : ''}`,
  );
}

/** What every pool of the converted job runs: AI Platform ran the same trainer in every role. */
export type ScaleTierTask = { containerSpec: ContainerSpec } | { pythonPackageSpec: PythonPackageSpec };

/** The CUSTOM tier's cluster, as AI Platform's TrainingInput described it. */
export interface CustomScaleTier {
  /** Required: the master's machine, legacy (`complex_model_m`) or Compute Engine (`n1-highcpu-16`). */
  masterType: string;
  workerType?: string;
  workerCount?: number;
  parameterServerType?: string;
  parameterServerCount?: number;
  evaluatorType?: string;
  evaluatorCount?: number;
}

/** The worker pools of a scale tier, and what changed on the way. */
export interface ScaleTierConversion {
  /** Vertex worker pools: [chief, workers, parameter servers, evaluators], unused trailing roles left out. */
  workerPoolSpecs: WorkerPoolSpec[];
  notes: string[];
}

/** The documented tiers as [role machine, replicas] for master, workers and parameter servers. */
const TIERS: Record<'BASIC' | 'STANDARD_1' | 'PREMIUM_1' | 'BASIC_GPU', CustomScaleTier> = {
  BASIC: { masterType: 'standard' },
  BASIC_GPU: { masterType: 'standard_gpu' },
  STANDARD_1: { masterType: 'complex_model_s', workerType: 'complex_model_s', workerCount: 4, parameterServerType: 'standard', parameterServerCount: 3 },
  PREMIUM_1: { masterType: 'complex_model_m', workerType: 'complex_model_m', workerCount: 19, parameterServerType: 'large_model', parameterServerCount: 11 },
};

/**
 * Vertex AI worker pools for an AI Platform scale tier: BASIC, BASIC_GPU, STANDARD_1, PREMIUM_1, or CUSTOM with
 * AI Platform's masterType/workerType/... fields. Every pool runs `task`.
 *
 * @example scaleTierToWorkerPoolSpecs('BASIC_GPU', { task: { containerSpec: { imageUri } } })
 *   // { workerPoolSpecs: [{ machineSpec: { machineType: 'n1-standard-4', acceleratorType: 'NVIDIA_TESLA_T4',
 *   //   acceleratorCount: 1 }, replicaCount: 1, containerSpec: { imageUri } }], notes: ['standard_gpu: 1 ... K80 ...'] }
 * @throws JobsError INVALID_ARGUMENT for BASIC_TPU (no Vertex AI equivalent), an unknown tier, or a CUSTOM tier
 *   missing masterType or a role's machine type
 */
export function scaleTierToWorkerPoolSpecs(
  tier: ScaleTier | (string & Record<never, never>),
  options: { task: ScaleTierTask; custom?: CustomScaleTier },
): ScaleTierConversion {
  if (tier === 'BASIC_TPU') throw new JobsError('INVALID_ARGUMENT', `scale tier BASIC_TPU ${NO_TPU_EQUIVALENT}`);
  let cluster: CustomScaleTier;
  if (tier === 'CUSTOM') {
    if (!options.custom?.masterType) {
      throw new JobsError('INVALID_ARGUMENT', 'scale tier CUSTOM needs custom.masterType (and workerType / parameterServerType for their counts)');
    }
    cluster = options.custom;
  } else if (tier in TIERS) {
    cluster = TIERS[tier as keyof typeof TIERS];
  } else {
    const hint = didYouMean(nearest(tier, ['BASIC', 'STANDARD_1', 'PREMIUM_1', 'BASIC_GPU', 'BASIC_TPU', 'CUSTOM']));
    throw new JobsError('INVALID_ARGUMENT', `${JSON.stringify(tier)} is not an AI Platform scale tier${hint ? `; ${hint}` : ''}`);
  }
  const notes: string[] = [];
  const role = (name: string, machineType: string | undefined, count: number | undefined, typeField: string): WorkerPoolSpec | undefined => {
    if (!count) return undefined;
    if (!Number.isInteger(count) || count < 0) throw new JobsError('INVALID_ARGUMENT', `${name}Count must be a whole number >= 0, got ${count}`);
    if (!machineType) throw new JobsError('INVALID_ARGUMENT', `${name}Count ${count} needs ${typeField} (the machine of each ${name})`);
    const converted = legacyMachineTypeToMachineSpec(machineType);
    notes.push(...converted.notes);
    return { machineSpec: converted.machineSpec, replicaCount: count, ...options.task };
  };
  const pools = [
    role('master', cluster.masterType, 1, 'masterType'),
    role('worker', cluster.workerType, cluster.workerCount, 'workerType'),
    role('parameterServer', cluster.parameterServerType, cluster.parameterServerCount, 'parameterServerType'),
    role('evaluator', cluster.evaluatorType, cluster.evaluatorCount, 'evaluatorType'),
  ];
  while (pools.length > 1 && pools[pools.length - 1] === undefined) pools.pop();
  return { workerPoolSpecs: pools.map((pool) => pool ?? {}), notes: [...new Set(notes)] };
}

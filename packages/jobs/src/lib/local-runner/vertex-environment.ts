/**
 * The environment Vertex AI gives a custom job's replicas, rebuilt for a local run. From Google's docs:
 * "Distributed training" (CLUSTER_SPEC, TF_CONFIG) and CustomJobSpec.baseOutputDirectory (AIP_MODEL_DIR,
 * AIP_CHECKPOINT_DIR, AIP_TENSORBOARD_LOG_DIR).
 */

/** workerPoolSpecs[i]'s task name in TF_CONFIG: primary, workers, parameter servers, evaluator. */
const TF_TASK_TYPES = ['chief', 'worker', 'ps', 'evaluator'] as const;

export interface VertexEnvironmentParams {
  jobId: string;
  /** Replica counts of workerPoolSpecs[0..3] (0 for a skipped pool). */
  replicaCounts: number[];
  /** The replica this environment is for. */
  task: { pool: number; index: number };
  /** `<base>/`, where AIP_MODEL_DIR and friends go: a local folder or gs:// prefix. */
  baseOutputDir: string | undefined;
  /** Hosts of the local cluster (one port per replica), e.g. 127.0.0.1. */
  host: string;
  /** First port; replicas get consecutive ones. */
  basePort: number;
  /** CLUSTER_SPEC's `job`: the pool's python package spec, as Vertex passes it. */
  job?: Record<string, unknown>;
}

export function vertexEnvironment(params: VertexEnvironmentParams): Record<string, string> {
  let port = params.basePort;
  const pools: Record<string, string[]> = {};
  params.replicaCounts.forEach((count, pool) => {
    if (count > 0) pools[`workerpool${pool}`] = Array.from({ length: count }, () => `${params.host}:${port++}`);
  });
  const tfCluster: Record<string, string[]> = {};
  params.replicaCounts.forEach((count, pool) => {
    // TensorFlow keeps the evaluator out of the cluster it connects.
    if (count > 0 && pool < 3) tfCluster[TF_TASK_TYPES[pool]!] = pools[`workerpool${pool}`]!;
  });
  const env: Record<string, string> = {
    CLOUD_ML_JOB_ID: params.jobId,
    CLUSTER_SPEC: JSON.stringify({
      cluster: pools,
      environment: 'cloud',
      task: { type: `workerpool${params.task.pool}`, index: params.task.index },
      job: JSON.stringify(params.job ?? {}),
    }),
    TF_CONFIG: JSON.stringify({
      cluster: tfCluster,
      task: { type: TF_TASK_TYPES[params.task.pool] ?? 'worker', index: params.task.index },
      environment: 'cloud',
    }),
  };
  if (params.baseOutputDir !== undefined) {
    const base = params.baseOutputDir.endsWith('/') ? params.baseOutputDir : `${params.baseOutputDir}/`;
    env['AIP_MODEL_DIR'] = `${base}model/`;
    env['AIP_CHECKPOINT_DIR'] = `${base}checkpoints/`;
    env['AIP_TENSORBOARD_LOG_DIR'] = `${base}logs/`;
  }
  return env;
}

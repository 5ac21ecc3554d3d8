// AI Platform scale tiers and legacy machine names as Vertex AI worker pools.
import { describe, expect, test } from 'vitest';
import { findSpecIssues, JobsError, legacyMachineTypeToMachineSpec, scaleTierToWorkerPoolSpecs, LEGACY_MACHINE_TYPES } from '../src/index.js';

const task = { containerSpec: { imageUri: 'us-docker.pkg.dev/my-project/trainers/spam:1' } };
const machines = (tier: string, custom?: Parameters<typeof scaleTierToWorkerPoolSpecs>[1]['custom']): Array<[string | undefined, number | string | undefined]> =>
  scaleTierToWorkerPoolSpecs(tier, custom ? { task, custom } : { task }).workerPoolSpecs.map((pool) => [pool.machineSpec?.machineType, pool.replicaCount]);

describe('scale tiers', () => {
  test.each([
    ['BASIC', [['n1-standard-4', 1]]],
    ['BASIC_GPU', [['n1-standard-4', 1]]],
    ['STANDARD_1', [['n1-highcpu-8', 1], ['n1-highcpu-8', 4], ['n1-standard-4', 3]]],
    ['PREMIUM_1', [['n1-highcpu-16', 1], ['n1-highcpu-16', 19], ['n1-highmem-8', 11]]],
  ])('%s -> %j (machine, replicas) for chief, workers, parameter servers', (tier, expected) => {
    expect(machines(tier)).toEqual(expected);
  });

  test('BASIC_GPU: the K80 becomes a T4, and says so', () => {
    const { workerPoolSpecs, notes } = scaleTierToWorkerPoolSpecs('BASIC_GPU', { task });
    expect(workerPoolSpecs).toEqual([
      { machineSpec: { machineType: 'n1-standard-4', acceleratorType: 'NVIDIA_TESLA_T4', acceleratorCount: 1 }, replicaCount: 1, ...task },
    ]);
    expect(notes).toEqual(['standard_gpu: 1 NVIDIA_TESLA_K80 (end of support) became 1 NVIDIA_TESLA_T4']);
  });

  test('every tier makes a valid CustomJob', () => {
    for (const tier of ['BASIC', 'BASIC_GPU', 'STANDARD_1', 'PREMIUM_1']) {
      const { workerPoolSpecs } = scaleTierToWorkerPoolSpecs(tier, { task });
      expect(findSpecIssues('customJob', { displayName: tier, jobSpec: { workerPoolSpecs } }), tier).toEqual([]);
    }
  });

  test('BASIC_TPU has no Vertex AI equivalent', () => {
    expect(() => scaleTierToWorkerPoolSpecs('BASIC_TPU', { task })).toThrow(/BASIC_TPU has no Vertex AI equivalent/);
  });

  test('CUSTOM uses AI Platform masterType / workerType / parameterServerType / evaluatorType', () => {
    expect(
      machines('CUSTOM', {
        masterType: 'complex_model_m',
        workerType: 'n1-highcpu-16',
        workerCount: 9,
        parameterServerType: 'large_model',
        parameterServerCount: 3,
        evaluatorType: 'n1-highcpu-16',
        evaluatorCount: 1,
      }),
    ).toEqual([['n1-highcpu-16', 1], ['n1-highcpu-16', 9], ['n1-highmem-8', 3], ['n1-highcpu-16', 1]]);
    // A role without replicas in the middle stays as an empty pool: pool positions are roles.
    const { workerPoolSpecs } = scaleTierToWorkerPoolSpecs('CUSTOM', { task, custom: { masterType: 'standard', evaluatorType: 'standard', evaluatorCount: 1 } });
    expect(workerPoolSpecs.map((pool) => Object.keys(pool).length > 0)).toEqual([true, false, false, true]);
  });

  test('CUSTOM errors name what is missing', () => {
    expect(() => scaleTierToWorkerPoolSpecs('CUSTOM', { task })).toThrow(/CUSTOM needs custom.masterType/);
    expect(() => scaleTierToWorkerPoolSpecs('CUSTOM', { task, custom: { masterType: 'standard', workerCount: 2 } })).toThrow(
      /workerCount 2 needs workerType/,
    );
    expect(() => scaleTierToWorkerPoolSpecs('PREMIUM_2', { task })).toThrow(/"PREMIUM_2" is not an AI Platform scale tier; did you mean PREMIUM_1\?/);
  });
});

describe('legacy machine names', () => {
  test.each([
    ['standard', { machineType: 'n1-standard-4' }],
    ['large_model', { machineType: 'n1-highmem-8' }],
    ['complex_model_s', { machineType: 'n1-highcpu-8' }],
    ['complex_model_m', { machineType: 'n1-highcpu-16' }],
    ['complex_model_l', { machineType: 'n1-highcpu-32' }],
    ['standard_gpu', { machineType: 'n1-standard-4', acceleratorType: 'NVIDIA_TESLA_T4', acceleratorCount: 1 }],
    ['complex_model_m_gpu', { machineType: 'n1-highcpu-16', acceleratorType: 'NVIDIA_TESLA_T4', acceleratorCount: 4 }],
    ['complex_model_l_gpu', { machineType: 'n1-highcpu-32', acceleratorType: 'NVIDIA_TESLA_T4', acceleratorCount: 4 }],
    ['standard_p100', { machineType: 'n1-standard-4', acceleratorType: 'NVIDIA_TESLA_P100', acceleratorCount: 1 }],
    ['complex_model_m_p100', { machineType: 'n1-highcpu-16', acceleratorType: 'NVIDIA_TESLA_P100', acceleratorCount: 4 }],
    ['standard_v100', { machineType: 'n1-standard-4', acceleratorType: 'NVIDIA_TESLA_V100', acceleratorCount: 1 }],
    ['large_model_v100', { machineType: 'n1-highmem-8', acceleratorType: 'NVIDIA_TESLA_V100', acceleratorCount: 1 }],
    ['complex_model_m_v100', { machineType: 'n1-highcpu-16', acceleratorType: 'NVIDIA_TESLA_V100', acceleratorCount: 4 }],
    ['complex_model_l_v100', { machineType: 'n1-highcpu-32', acceleratorType: 'NVIDIA_TESLA_V100', acceleratorCount: 8 }],
  ])('%s -> %j', (name, machineSpec) => {
    const converted = legacyMachineTypeToMachineSpec(name);
    expect(converted.machineSpec).toEqual(machineSpec);
    const pool = { machineSpec: converted.machineSpec, replicaCount: 1, ...task };
    expect(findSpecIssues('customJob', { displayName: name, jobSpec: { workerPoolSpecs: [pool] } })).toEqual([]);
  });

  test('the table covers every legacy name but cloud_tpu', () => {
    expect(LEGACY_MACHINE_TYPES).toHaveLength(15);
    expect(() => legacyMachineTypeToMachineSpec('cloud_tpu')).toThrow(/no Vertex AI equivalent/);
  });

  test('Compute Engine types pass through; unknown names are refused with a suggestion', () => {
    expect(legacyMachineTypeToMachineSpec('n2-standard-8')).toEqual({ machineSpec: { machineType: 'n2-standard-8' }, notes: [] });
    let error: unknown;
    try {
      legacyMachineTypeToMachineSpec('complex_model_x');
    } catch (thrown) {
      error = thrown;
    }
    expect(JobsError.isInstance(error) && error.code).toBe('INVALID_ARGUMENT');
    expect((error as Error).message).toMatch(/did you mean complex_model_s or complex_model_m\?|did you mean complex_model_/);
  });
});

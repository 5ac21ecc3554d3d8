// The generic validator on its own: any message of the schema, every issue collected with its path.
import { describe, expect, test } from 'vitest';
import { validateResource } from '../src/index.js';

const paths = (issues: Array<{ path: string }>): string[] => issues.map((issue) => issue.path);

describe('validateResource', () => {
  test('accepts short and full type names', () => {
    expect(validateResource({ machineType: 'n1-standard-4' }, 'MachineSpec')).toEqual([]);
    expect(validateResource({ machineType: 'n1-standard-4' }, 'google.cloud.aiplatform.v1.MachineSpec')).toEqual([]);
    expect(validateResource({ metricId: 'a', goal: 'MAXIMIZE' }, 'StudySpec.MetricSpec')).toEqual([]);
    expect(() => validateResource({}, 'NoSuchMessage')).toThrow(/not a message of the schema/);
  });

  test('collects every issue, not the first', () => {
    const issues = validateResource(
      { machinType: 'x', acceleratorType: 'T4', acceleratorCount: 'two', tpuTopology: 5 },
      'MachineSpec',
    );
    expect(paths(issues)).toEqual(['machinType', 'acceleratorType', 'acceleratorCount', 'tpuTopology']);
    expect(issues[1]?.message).toBe('"T4" is not a Vertex accelerator type; did you mean NVIDIA_TESLA_T4?');
  });

  test('REQUIRED fields of nested messages count only when the parent is set', () => {
    expect(validateResource({ workerPoolSpecs: [{ machineSpec: { machineType: 'n1-standard-4' } }] }, 'CustomJobSpec')).toEqual([]);
    expect(paths(validateResource({ workerPoolSpecs: [{ containerSpec: {} }] }, 'CustomJobSpec'))).toEqual([
      'workerPoolSpecs[0].containerSpec.imageUri',
    ]);
    expect(paths(validateResource({ workerPoolSpecs: [] }, 'CustomJobSpec'))).toEqual(['workerPoolSpecs']);
  });

  test('REQUIRED recovered from the .proto sources where protos.json lost it', () => {
    // DedicatedResources.machine_spec is [(field_behavior) = REQUIRED, (field_behavior) = IMMUTABLE]; protos.json
    // keeps only IMMUTABLE.
    expect(validateResource({ minReplicaCount: 1 }, 'DedicatedResources')).toEqual([
      { path: 'machineSpec', message: 'machineSpec is required: machineSpec: { machineType: "n1-standard-2" }' },
    ]);
  });

  test('null is unset, as in proto3 JSON, but not inside lists', () => {
    expect(validateResource({ machineType: null }, 'MachineSpec')).toEqual([]);
    expect(validateResource({ command: [null] }, 'ContainerSpec').map((issue) => issue.message)).toEqual([
      'expected a string, got null; remove the entry instead',
      'imageUri is required: the image to run, e.g. us-docker.pkg.dev/my-project/trainers/trainer:latest',
    ]);
  });

  test('int64 takes a safe number or a decimal string; int32 a number in range', () => {
    expect(validateResource({ replicaCount: 3 }, 'WorkerPoolSpec')).toEqual([]);
    expect(validateResource({ replicaCount: '3' }, 'WorkerPoolSpec')).toEqual([]);
    expect(validateResource({ replicaCount: 2 ** 60 }, 'WorkerPoolSpec')[0]?.message).toMatch(/beyond 2\^53.*decimal string/);
    expect(validateResource({ replicaCount: 1.5 }, 'WorkerPoolSpec')[0]?.message).toBe('expected a whole number, got 1.5');
    expect(validateResource({ acceleratorCount: 2 ** 31 }, 'MachineSpec')[0]?.message).toBe(
      'expected a whole number from -2147483648 to 2147483647, got 2147483648',
    );
  });

  test('Duration takes text, seconds or { seconds, nanos }', () => {
    for (const timeout of ['2h', '30m', '90s', '1h30m', '1.5h', '3600s', 3600, { seconds: 60 }, { seconds: '60', nanos: 1 }]) {
      expect(validateResource({ timeout }, 'Scheduling'), JSON.stringify(timeout)).toEqual([]);
    }
    expect(validateResource({ timeout: { seconds: 60, millis: 5 } }, 'Scheduling')[0]?.message).toBe(
      'a { seconds, nanos } duration has no field millis',
    );
    expect(validateResource({ timeout: '1.0000000001s' }, 'Scheduling')[0]?.message).toMatch(/at most 9 decimals/);
  });

  test('Timestamp takes RFC 3339 or a Date', () => {
    expect(validateResource({ endTime: '2026-01-31T12:00:00Z' }, 'StudyTimeConstraint')).toEqual([]);
    expect(validateResource({ endTime: new Date() }, 'StudyTimeConstraint')).toEqual([]);
    expect(validateResource({ endTime: '31/01/2026' }, 'StudyTimeConstraint')[0]?.message).toMatch(/RFC 3339/);
  });

  test('google.protobuf.Value takes any JSON and reports what is not JSON', () => {
    const good = { modelParameters: { a: [1, 'x', null, { b: true }] } };
    expect(validateResource(good, 'BatchPredictionJob').filter((issue) => issue.path.startsWith('model'))).toEqual([]);
    const bad = validateResource({ modelParameters: { when: new Date(0), list: [undefined] } }, 'BatchPredictionJob');
    expect(bad.filter((issue) => issue.path.startsWith('modelParameters'))).toEqual([
      { path: 'modelParameters.when', message: 'a Date is not JSON; convert it to a string, number, boolean, list or object' },
      { path: 'modelParameters.list[0]', message: 'undefined is not JSON; use null' },
    ]);
  });

  test('maps: values checked per key, keys bracketed when not identifiers', () => {
    expect(validateResource({ displayName: 'e', trafficSplit: { '0': 50, 'a b': 'x' } }, 'Endpoint')).toEqual([
      { path: 'trafficSplit["a b"]', message: 'expected a whole number, got the string "x"' },
    ]);
    expect(validateResource({ displayName: 'e', labels: { team: 7 } }, 'Endpoint')).toEqual([
      { path: 'labels.team', message: 'expected a string, got the number 7; write "7"' },
    ]);
  });

  test('a non-object where a message belongs', () => {
    expect(validateResource('n1-standard-4', 'MachineSpec')).toEqual([
      { path: '', message: 'expected an object (MachineSpec), got the string "n1-standard-4"' },
    ]);
    expect(validateResource({ machineSpec: 'n1-standard-4' }, 'WorkerPoolSpec')).toEqual([
      { path: 'machineSpec', message: 'expected an object (MachineSpec), got the string "n1-standard-4"' },
    ]);
  });

  test('fields of other messages are listed when nothing is close', () => {
    expect(validateResource({ zzz: 1 }, 'DiskSpec')[0]?.message).toBe('unknown field "zzz" in DiskSpec; its fields are bootDiskType, bootDiskSizeGb');
  });

  test('the prefix option', () => {
    expect(paths(validateResource({ containerSpec: {} }, 'WorkerPoolSpec', { path: 'pools[2]' }))).toEqual(['pools[2].containerSpec.imageUri']);
  });
});

test('a spec that contains itself is reported, not recursed into forever', () => {
  const parameters: Record<string, unknown> = { a: 1 };
  parameters.self = parameters;
  const study: Record<string, unknown> = { parameterId: 'x', discreteValueSpec: { values: [1] } };
  study.conditionalParameterSpecs = [{ parameterSpec: study, parentDiscreteValues: { values: [1] } }];
  expect(validateResource({ modelParameters: parameters }, 'BatchPredictionJob').map((issue) => issue.path)).toContain('modelParameters.self');
  expect(validateResource(study, 'StudySpec.ParameterSpec')).toEqual([
    { path: 'conditionalParameterSpecs[0].parameterSpec', message: 'this object contains itself (a circular reference); a spec is a tree' },
  ]);
});

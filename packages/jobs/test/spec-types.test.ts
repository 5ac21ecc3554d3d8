// Types strict enough that obviously wrong literals fail `tsc` (npm run typecheck covers this file), not only the
// validator at run time: each `@ts-expect-error` below is a compile error the types must produce, and an unused
// one fails the typecheck. The spec validator still checks the same values for callers without types.
import { describe, expectTypeOf, test } from 'vitest';
import type {
  CustomJobSpec,
  DurationInput,
  HyperparameterTuningJobSpec,
  Int64Input,
  ModelUploadSpec,
  WorkerPoolSpec,
} from '../src/index.js';
import { IMAGE } from './fixtures/specs.js';

const pool = (extra: Partial<WorkerPoolSpec>): WorkerPoolSpec => ({
  machineSpec: { machineType: 'n1-standard-4' },
  containerSpec: { imageUri: IMAGE },
  ...extra,
});

describe('int64 fields (replicaCount, parameter ranges, ...) take a number or a decimal string', () => {
  test('numbers and decimal strings type-check', () => {
    expectTypeOf<1>().toExtend<Int64Input>();
    expectTypeOf<'9007199254740993'>().toExtend<Int64Input>();
    expectTypeOf<'-3'>().toExtend<Int64Input>();
    pool({ replicaCount: 2 });
    pool({ replicaCount: '9007199254740993' });
  });

  test('words, decimals and empty strings do not', () => {
    expectTypeOf<'one'>().not.toExtend<Int64Input>();
    expectTypeOf<'1.5'>().not.toExtend<Int64Input>();
    expectTypeOf<''>().not.toExtend<Int64Input>();
    expectTypeOf<string>().not.toExtend<Int64Input>();
    // @ts-expect-error -- 'one' is not a number of replicas
    pool({ replicaCount: 'one' });
    // @ts-expect-error -- a string of digits with a fraction is not an int64
    pool({ replicaCount: '1.5' });
    const tuning: HyperparameterTuningJobSpec['studySpec']['parameters'][number] = {
      parameterId: 'dim',
      // @ts-expect-error -- an integer range's bounds are whole numbers
      integerValueSpec: { minValue: 'low', maxValue: 64 },
    };
    void tuning;
  });
});

describe('durations (scheduling.timeout, deploymentTimeout, ...) take "2h", "1h30m", seconds or { seconds, nanos }', () => {
  test('the forms the validator accepts type-check', () => {
    expectTypeOf<'2h'>().toExtend<DurationInput>();
    expectTypeOf<'1h30m'>().toExtend<DurationInput>();
    expectTypeOf<'1.5h'>().toExtend<DurationInput>();
    expectTypeOf<'2d'>().toExtend<DurationInput>();
    expectTypeOf<'3600s'>().toExtend<DurationInput>();
    expectTypeOf<'1d2h3m4s'>().toExtend<DurationInput>();
    expectTypeOf<3600>().toExtend<DurationInput>();
    expectTypeOf<{ seconds: '7200'; nanos: 0 }>().toExtend<DurationInput>();
  });

  test('prose, bare numbers in quotes and units out of order do not', () => {
    expectTypeOf<'2 hours'>().not.toExtend<DurationInput>();
    expectTypeOf<'2'>().not.toExtend<DurationInput>();
    expectTypeOf<'30m1h'>().not.toExtend<DurationInput>();
    expectTypeOf<{ seconds: 'soon' }>().not.toExtend<DurationInput>();
    const spec: CustomJobSpec = {
      displayName: 'train',
      jobSpec: {
        workerPoolSpecs: [pool({ replicaCount: 1 })],
        // @ts-expect-error -- "2 hours" is not a duration: write "2h"
        scheduling: { timeout: '2 hours' },
      },
    };
    void spec;
    const upload: ModelUploadSpec = {
      model: {
        displayName: 'm',
        // @ts-expect-error -- a duration in words
        containerSpec: { imageUri: IMAGE, deploymentTimeout: 'ten minutes' },
      },
    };
    void upload;
  });
});

describe('what was already strict stays strict', () => {
  test('int32 counts are numbers, enums are their names', () => {
    // @ts-expect-error -- acceleratorCount is an int32: a number
    pool({ machineSpec: { machineType: 'n1-standard-4', acceleratorType: 'NVIDIA_TESLA_T4', acceleratorCount: '1' } });
    // @ts-expect-error -- not an AcceleratorType
    pool({ machineSpec: { machineType: 'n1-standard-4', acceleratorType: 'NVIDIA_TESLA_T5', acceleratorCount: 1 } });
    // @ts-expect-error -- label values are strings
    const labelled: CustomJobSpec = { displayName: 'x', labels: { epochs: 3 }, jobSpec: { workerPoolSpecs: [pool({})] } };
    void labelled;
  });
});

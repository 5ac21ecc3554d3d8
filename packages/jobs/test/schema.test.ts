// The schema generated from @google-cloud/aiplatform's protos: committed output matches a fresh generation (an
// upgrade of that package fails here until `node scripts/generate-schema.mjs` is run and the diff reviewed).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';
import type { VertexSchema } from '../src/lib/schema/vertex-schema.js';
import { VERTEX_SCHEMA_JSON } from '../src/generated/vertex-schema-text.js';

const packageDir = path.join(import.meta.dirname, '..');
const schema = JSON.parse(readFileSync(path.join(packageDir, 'src/generated/vertex-schema.json'), 'utf8')) as VertexSchema;
const V1 = 'google.cloud.aiplatform.v1';

test('the committed schema, schema text and types match a fresh generation', { timeout: 60_000 }, () => {
  const result = spawnSync(process.execPath, [path.join(packageDir, 'scripts/generate-schema.mjs'), '--check'], { encoding: 'utf8' });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  expect(VERTEX_SCHEMA_JSON).toBe(readFileSync(path.join(packageDir, 'src/generated/vertex-schema.json'), 'utf8'));
});

test('holds the resources this package creates and what they reference, but no output-only subtrees', () => {
  for (const root of ['CustomJob', 'HyperparameterTuningJob', 'BatchPredictionJob', 'Model', 'Endpoint', 'DeployedModel']) {
    expect(schema.messages[`${V1}.${root}`], root).toBeDefined();
  }
  expect(schema.messages[`${V1}.CustomJob`]?.fields.state).toEqual({ type: `${V1}.JobState`, outputOnly: true });
  // Trial is only reachable through HyperparameterTuningJob.trials, which is output only.
  expect(schema.messages[`${V1}.Trial`]).toBeUndefined();
  expect(schema.enums[`${V1}.AcceleratorType`]?.NVIDIA_TESLA_T4).toBe(5);
});

test('field behaviours come from the .proto sources: REQUIRED survives next to IMMUTABLE', () => {
  expect(schema.messages[`${V1}.DedicatedResources`]?.fields.machineSpec?.required).toBe(true);
  expect(schema.messages[`${V1}.ModelContainerSpec`]?.fields.imageUri?.required).toBe(true);
  expect(schema.messages[`${V1}.CustomJob`]?.fields.displayName?.required).toBe(true);
});

test('real oneofs are kept; proto3 optional fields are not choices', () => {
  expect(schema.messages[`${V1}.WorkerPoolSpec`]?.oneofs).toEqual({ task: ['containerSpec', 'pythonPackageSpec'] });
  expect(Object.keys(schema.messages[`${V1}.StudySpec`]?.oneofs ?? {})).toEqual(['automatedStoppingSpec']);
});

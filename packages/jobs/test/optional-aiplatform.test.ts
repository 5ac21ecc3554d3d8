// @google-cloud/aiplatform is an optional peer dependency: only `@vertexkit/jobs/client` needs it. Here it is made
// unresolvable (a module resolve hook answers as Node does for a package that is not installed), and then:
// everything of the main entry works, and createJobsClient says what to install. The release check does the same
// with the published tarball installed alone (scripts/lib/smoke-tests.mjs).
import { readFileSync } from 'node:fs';
import module from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AIPLATFORM_RANGE } from '../src/lib/client/load-clients.js';
import { IMAGE } from './fixtures/specs.js';

const packageDir = path.join(import.meta.dirname, '..');
const manifest = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as Record<string, Record<string, unknown> | undefined>;

/** Makes the listed specifiers (and files under them) unresolvable, as if not installed. */
function hideModules(hidden: (specifier: string) => boolean): { deregister(): void } {
  return module.registerHooks({
    resolve(specifier, context, nextResolve) {
      if (hidden(specifier)) {
        const error = new Error(`Cannot find module '${specifier}'\nRequire stack:\n- ${context.parentURL ?? ''}`);
        throw Object.assign(error, { code: 'MODULE_NOT_FOUND' });
      }
      return nextResolve(specifier, context);
    },
  });
}

const errorOf = async (run: () => unknown): Promise<{ code?: string; message: string }> => {
  try {
    await run();
  } catch (error) {
    return error as { code?: string; message: string };
  }
  throw new Error('expected an error');
};

describe('package.json', () => {
  it('lists @google-cloud/aiplatform as an optional peer dependency, not a dependency', () => {
    expect(manifest['dependencies']?.['@google-cloud/aiplatform']).toBeUndefined();
    expect(manifest['peerDependencies']?.['@google-cloud/aiplatform']).toBe(AIPLATFORM_RANGE);
    expect(manifest['peerDependenciesMeta']?.['@google-cloud/aiplatform']).toEqual({ optional: true });
  });

  it('exports the client as its own entry point, next to the main one', () => {
    expect(Object.keys(manifest['exports'] ?? {})).toEqual(['.', './client', './package.json']);
  });
});

describe('without @google-cloud/aiplatform installed', () => {
  let hooks: { deregister(): void };
  beforeAll(() => {
    hooks = hideModules((specifier) => specifier === '@google-cloud/aiplatform' || specifier.startsWith('@google-cloud/aiplatform/'));
  });
  afterAll(() => hooks.deregister());

  it('validates, renders gcloud commands, reads --worker-pool-spec and scale tiers, and runs a job locally', async () => {
    const jobs = await import('../src/index.js');
    const pool = jobs.parseWorkerPoolSpecFlag(`machine-type=n1-standard-4,container-image-uri=${IMAGE}`);
    const spec = jobs.validateCustomJobSpec({
      displayName: 'no-aiplatform',
      jobSpec: { workerPoolSpecs: [{ ...pool, containerSpec: { imageUri: IMAGE, command: [process.execPath, '-e', 'console.log("ran")'] } }] },
    });
    expect(jobs.renderGcloudCommand({ customJob: spec }, { project: 'p', region: 'us-central1' }).text).toMatch(/^gcloud ai custom-jobs create/);
    expect(jobs.scaleTierToWorkerPoolSpecs('BASIC', { task: { containerSpec: { imageUri: IMAGE } } }).workerPoolSpecs).toHaveLength(1);
    expect(jobs.findSpecIssues('customJob', { displayName: 'x' })).not.toEqual([]);
    const lines: string[] = [];
    const local = jobs.startLocalCustomJob(spec, { baseOutputDir: path.join(os.tmpdir(), `vertexkit-jobs-no-aiplatform-${process.pid}`), onLog: ({ line }) => lines.push(line) });
    expect((await local.wait({ pollIntervalMs: 10 })).state).toBe('JOB_STATE_SUCCEEDED');
    expect(lines).toEqual(['ran']);
  });

  it('createJobsClient fails at once with MISSING_DEPENDENCY, naming the package and the install command', async () => {
    const { createJobsClient } = await import('../src/client.js');
    const error = await errorOf(() => createJobsClient({ project: 'p', location: 'us-central1' }));
    expect(error.code).toBe('MISSING_DEPENDENCY');
    expect(error.message).toMatch(/^createJobsClient needs @google-cloud\/aiplatform, which is not installed/);
    expect(error.message).toMatch(/optional peer dependency/);
    expect(error.message).toContain(`npm install @google-cloud/aiplatform@${AIPLATFORM_RANGE}`);
  });
});

describe('with an @google-cloud/aiplatform that lacks a service module', () => {
  let hooks: { deregister(): void };
  beforeAll(() => {
    hooks = hideModules((specifier) => specifier === '@google-cloud/aiplatform/build/src/v1/job_service_client.js');
  });
  afterAll(() => hooks.deregister());

  it('the first call fails with MISSING_DEPENDENCY naming the version found and the one needed', async () => {
    const { createJobsClient } = await import('../src/client.js');
    const jobs = createJobsClient({ project: 'p', location: 'us-central1' });
    const error = await errorOf(() => jobs.job('projects/p/locations/us-central1/customJobs/1').get());
    expect(error.code).toBe('MISSING_DEPENDENCY');
    expect(error.message).toMatch(/^@google-cloud\/aiplatform@\d+\.\d+\.\d+\S* has no build\/src\/v1\/job_service_client\.js/);
    expect(error.message).toContain(`npm install @google-cloud/aiplatform@${AIPLATFORM_RANGE}`);
  });
});

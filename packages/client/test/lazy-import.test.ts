// google-auth-library is loaded only when a Google target needs a token. Each case runs in a fresh Node
// process that records every module resolution (imports and requires) while importing the client and
// making one prediction against a local server.
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const here = import.meta.dirname;
const CHILD = path.join(here, 'helpers', 'lazy-import-child.mjs');
const SOURCE = path.join(here, '..', 'src', 'index.ts');

interface ChildReport {
  afterImport: { resolved: number; required: number };
  afterUse: { resolved: number; required: number };
  outcome: { predictions?: string[]; error?: string };
  modules: number;
}

let scratch: string;
beforeAll(async () => {
  scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'vk-client-lazy-'));
});
afterAll(async () => {
  await fs.rm(scratch, { recursive: true, force: true });
});

async function runChild(mode: string): Promise<ChildReport> {
  // process.execPath: the Node 24 running vitest, which strips the types of the imported sources.
  const { stdout } = await promisify(execFile)(process.execPath, ['--disable-warning=ExperimentalWarning', CHILD, SOURCE, mode], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: scratch,
      CLOUDSDK_CONFIG: scratch,
      GOOGLE_APPLICATION_CREDENTIALS: path.join(scratch, 'no-such-key.json'),
    },
    timeout: 30_000,
  });
  const line = stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(line) as ChildReport;
}

const none = { resolved: 0, required: 0 };

describe('google-auth-library is loaded lazily', () => {
  test.each(['url', 'cloud-run-api-key', 'vertex-access-token'])('%s target: importing and predicting loads none of it', async (mode) => {
    const report = await runChild(mode);
    expect(report.outcome).toEqual({ predictions: ['A', 'B'] });
    expect(report.afterImport).toEqual(none);
    expect(report.afterUse).toEqual(none);
    // The recording works: the client's own modules were seen.
    expect(report.modules).toBeGreaterThan(5);
  });

  test('a Vertex target on Application Default Credentials loads it on the first request (the positive control)', async () => {
    const report = await runChild('vertex-adc');
    expect(report.afterImport).toEqual(none);
    expect(report.outcome).toEqual({ error: 'AUTH_FAILED' });
    expect(report.afterUse.resolved).toBeGreaterThan(0);
    expect(report.afterUse.required).toBeGreaterThan(0);
  });
});

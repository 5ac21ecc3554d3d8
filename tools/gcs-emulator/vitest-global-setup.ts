// Starts one Cloud Storage emulator (firebase-tools' storage server, tools/gcs-emulator) for the whole
// run and hands its URL to the test files. The emulator is a 300 MB install kept out of the workspace:
// it is installed here, on first use, into tools/gcs-emulator/node_modules.
import type { TestProject } from 'vitest/node';
// Use it from a package's vitest.config.ts: `globalSetup: ['../../tools/gcs-emulator/vitest-global-setup.ts']`,
// and in tests `process.env.STORAGE_EMULATOR_HOST = inject('gcsEmulatorUrl')` (declare the key in a
// `declare module 'vitest' { interface ProvidedContext { gcsEmulatorUrl: string } }`).
import { ensureInstalled } from './ensure.mjs';
import { startGcsEmulator } from './index.mjs';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  await ensureInstalled();
  const emulator = await startGcsEmulator();
  (project.provide as (key: string, value: unknown) => void)('gcsEmulatorUrl', emulator.url);
  return () => emulator.stop();
}

// Starts one Cloud Storage emulator (firebase-tools' storage server, tools/gcs-emulator) for the whole
// run and hands its URL to the test files. The emulator is a 300 MB install kept out of the workspace:
// it is installed here, on first use, into tools/gcs-emulator/node_modules.
import type { TestProject } from 'vitest/node';
// @ts-expect-error -- plain ESM module with a .d.ts beside it, outside this package's rootDir.
import { ensureInstalled } from '../../../tools/gcs-emulator/ensure.mjs';
// @ts-expect-error -- as above.
import { startGcsEmulator } from '../../../tools/gcs-emulator/index.mjs';

declare module 'vitest' {
  export interface ProvidedContext {
    gcsEmulatorUrl: string;
  }
}

interface Emulator {
  url: string;
  stop(): Promise<void>;
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  await (ensureInstalled as () => Promise<void>)();
  const emulator = await (startGcsEmulator as () => Promise<Emulator>)();
  project.provide('gcsEmulatorUrl', emulator.url);
  return () => emulator.stop();
}

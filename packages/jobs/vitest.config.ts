import { defineConfig } from 'vitest/config';
import { sharedTestConfig } from '../../vitest.shared.js';

export default defineConfig({
  // One Cloud Storage emulator for the whole run, for the gs:// batch prediction tests (tools/gcs-emulator).
  test: { ...sharedTestConfig, globalSetup: ['../../tools/gcs-emulator/vitest-global-setup.ts'] },
});

import { defineConfig } from 'vitest/config';
import { sharedTestConfig } from '../../vitest.shared.js';

export default defineConfig({
  test: {
    ...sharedTestConfig,
    // One Cloud Storage emulator for the gs:// tests (installed into tools/gcs-emulator on first use).
    globalSetup: ['../../tools/gcs-emulator/vitest-global-setup.ts'],
  },
});

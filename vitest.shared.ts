// Settings every package's vitest.config.ts shares. The JSON report is what scripts/test.mjs sums
// into the one summary line CI reads; nx caches it with the test target.
import type { ViteUserConfig } from 'vitest/config';

export const sharedTestConfig: NonNullable<ViteUserConfig['test']> = {
  include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
  reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
  testTimeout: 60_000,
  hookTimeout: 600_000,
};

import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { createStorage } from '../src/index.js';
import { describeStorageContract } from './contract.js';

// @google-cloud/storage reads the emulator address from the environment (apiEndpoint alone is not enough).
process.env.STORAGE_EMULATOR_HOST = inject('gcsEmulatorUrl');

describeStorageContract('gs:// (Cloud Storage emulator)', {
  root: () => `gs://vertexkit-test/contract-${randomUUID()}/`,
  storage: () => createStorage({ projectId: 'demo-vertexkit', retry: { retries: 2, minDelayMs: 10 } }),
});

// Shared inputs of the Cloud Run tests.
import type { CloudRunServiceOptions } from '../../src/lib/cloud-run/cloud-run-service-options.js';

export const IMAGE = 'us-central1-docker.pkg.dev/my-project/models/sentiment:1.0';

/** Every option set, none at its default. */
export const FULL: CloudRunServiceOptions & { region: string; project: string } = {
  name: 'sentiment',
  image: IMAGE,
  region: 'europe-west4',
  project: 'my-project',
  memory: '8Gi',
  cpu: 4,
  concurrency: 16,
  timeoutSeconds: 900,
  minInstances: 1,
  maxInstances: 5,
  port: 9000,
  healthRoute: '/ready',
  env: { MODEL_NAME: 'distilbert', LABELS: 'negative,positive' },
  secrets: { HF_TOKEN: 'hf-token:3', DB_PASSWORD: 'db-password' },
  serviceAccount: 'sentiment@my-project.iam.gserviceaccount.com',
  allowUnauthenticated: true,
  cpuAlwaysAllocated: true,
  startupCpuBoost: false,
  executionEnvironment: 'gen2',
  ingress: 'internal-and-cloud-load-balancing',
  labels: { team: 'ml', env: 'prod' },
  startupProbe: { initialDelaySeconds: 5, periodSeconds: 20, timeoutSeconds: 10, failureThreshold: 12 },
  livenessProbe: { path: '/live', periodSeconds: 60, timeoutSeconds: 3, failureThreshold: 5 },
};

export { errorOf } from '../helpers.js';

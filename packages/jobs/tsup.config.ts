import { packageBuild } from '../../tsup.shared.js';

export default packageBuild({
  // `@vertexkit/jobs/client` is its own entry: the only code that loads @google-cloud/aiplatform (an optional peer).
  entry: ['src/index.ts', 'src/client.ts'],
  // Shared chunks in the CJS build too, so both entries use one JobsError class and one job-handle module.
  splitting: true,
  // shims: the CJS build needs import.meta.url, from which the Vertex clients are required lazily.
  shims: true,
});

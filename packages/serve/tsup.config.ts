import { packageBuild } from '../../tsup.shared.js';

export default packageBuild({
  // The worker threads' scripts are loaded by path, not imported: each gets an entry of its own,
  // built beside index.js / index.cjs, which find it relative to their own URL (hence the CJS shim for
  // import.meta.url). Only the package's entry has types.
  entry: { index: 'src/index.ts', 'onnx-worker': 'src/lib/model/onnx-worker.ts', 'generation-worker': 'src/lib/generation/generation-worker.ts' },
  shims: true,
  dts: { entry: { index: 'src/index.ts' }, compilerOptions: { ignoreDeprecations: '6.0' } },
});

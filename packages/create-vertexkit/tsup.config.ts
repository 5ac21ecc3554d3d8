import { packageBuild } from '../../tsup.shared.js';

export default [
  // The library, ESM and CommonJS; import.meta.url is shimmed in the CommonJS build, which finds templates/ by it.
  packageBuild({ shims: true, clean: false }),
  // The bin (dist/cli.js): ESM only, as npm runs it. Neither cleans dist/ (they build at once): npm run build does.
  packageBuild({ entry: ['src/cli.ts'], format: ['esm'], dts: false, clean: false }),
];

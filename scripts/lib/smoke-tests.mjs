// Per-package smoke tests run by scripts/release-check.mjs against the INSTALLED tarball.
//
// Each entry is an async function `({ mod, assert, tmpdir, format }) => void`:
// - mod:    the package as loaded by a consumer: `import * as mod from '<pkg>'` (format 'esm')
//           or `const mod = require('<pkg>')` (format 'cjs'); the same function runs for both;
// - assert: node:assert/strict;
// - tmpdir: an empty scratch directory (absolute path) for this run;
// - format: 'esm' | 'cjs'.
//
// The functions are serialised with Function#toString() into a fresh project, so they must be
// self-contained: use only their arguments and globals, no imports or closures from this file.
//
// A package without an entry still gets the generic check (loads from ESM and CJS with the same,
// non-empty set of exports). Add an entry when you add a package.

/** @type {Record<string, (ctx: { mod: any, assert: typeof import('node:assert/strict'), tmpdir: string, format: 'esm' | 'cjs' }) => Promise<void>>} */
export const smokeTests = {
  '@vertexkit/storage': async ({ mod, assert, tmpdir }) => {
    const { writeText, readText, StorageError } = mod;
    assert.equal(typeof StorageError, 'function', 'StorageError is exported as a class');
    assert.ok(StorageError.prototype instanceof Error, 'StorageError extends Error');
    const file = `${tmpdir}/hello.txt`;
    await writeText({ to: file, text: 'hello' });
    assert.equal(await readText({ from: file }), 'hello');
  },
};

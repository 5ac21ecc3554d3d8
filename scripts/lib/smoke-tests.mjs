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
  '@vertexkit/serve': async ({ mod, assert }) => {
    // A real server on loopback with a handler of our own: the installed package (fastify, the
    // batcher, the routes) works from a consumer's project. onnxruntime-node loads with the package.
    const { createPredictionServer } = mod;
    const server = createPredictionServer({
      handler: { parseInstance: (instance) => String(instance), run: async (texts) => texts.map((t) => t.toUpperCase()) },
      port: 0,
      host: '127.0.0.1',
      logger: false,
      handleSignals: false,
    });
    const { url } = await server.listen();
    try {
      await server.ready;
      const response = await fetch(`${url}/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ instances: ['a', 'b'] }),
      });
      assert.equal(response.status, 200);
      assert.deepEqual(await response.json(), { predictions: ['A', 'B'] });
      assert.equal((await fetch(`${url}/health`)).status, 200);
    } finally {
      await server.close();
    }
  },
};

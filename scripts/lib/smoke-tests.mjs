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
  '@vertexkit/client': async ({ mod, assert, tmpdir }) => {
    // One node:http server on loopback plays a model server (POST /predict, and the Vertex AI REST path)
    // and the GCE metadata server (where Application Default Credentials get tokens on Google Cloud).
    // The installed client calls it from a consumer's project: a plain URL first, which must not load
    // google-auth-library, then a Vertex target, which loads it (the package's only dependency) lazily.
    const http = process.getBuiltinModule('node:http');
    const { createRequire } = process.getBuiltinModule('node:module');
    const { createPredictionClient, PredictionError } = mod;
    const googleModules = () => Object.keys(createRequire(`${tmpdir}/`).cache).filter((f) => f.includes('google-auth-library'));
    const seen = [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        const json = (status, value, headers = {}) => {
          res.writeHead(status, { 'content-type': 'application/json', ...headers });
          res.end(JSON.stringify(value));
        };
        if (req.url.startsWith('/computeMetadata/v1/')) {
          const flavor = { 'Metadata-Flavor': 'Google' };
          if (req.url.startsWith('/computeMetadata/v1/instance/service-accounts/default/token')) {
            return json(200, { access_token: 'smoke-token', expires_in: 3600, token_type: 'Bearer' }, flavor);
          }
          return json(req.url === '/computeMetadata/v1/instance' ? 200 : 404, {}, flavor);
        }
        seen.push({ path: req.url, authorization: req.headers.authorization });
        const { instances, parameters } = JSON.parse(body);
        if (instances.includes('bad')) return json(400, { error: { code: 400, status: 'INVALID_ARGUMENT', message: 'bad instance' } });
        json(200, { predictions: instances.map((x) => String(x).toUpperCase() + (parameters?.suffix ?? '')), deployedModelId: 'dm-1' });
      });
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${server.address().port}`;
    try {
      const client = createPredictionClient({ target: { url: `${origin}/predict` } });
      assert.deepEqual((await client.predict(['a', 'b'], { suffix: '!' })).predictions, ['A!', 'B!']);
      const texts = Array.from({ length: 10 }, (_, i) => `t${i}`);
      const many = await client.predictMany(texts, { maxInstancesPerRequest: 3, concurrency: 2 });
      assert.equal(many.requests, 4);
      assert.deepEqual(many.predictions, texts.map((t) => t.toUpperCase()));
      const error = await client.predict(['bad']).then(() => undefined, (e) => e);
      assert.ok(PredictionError.isInstance(error), 'a failed request rejects with a PredictionError');
      assert.deepEqual([error.code, error.status, error.serverMessage, error.attempts], ['HTTP_ERROR', 400, 'bad instance', 1]);
      assert.deepEqual(googleModules(), [], 'a plain URL target loads no google-auth-library');

      // Application Default Credentials as on Google Cloud: the metadata server above hands out the token.
      delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
      Object.assign(process.env, { GCE_METADATA_HOST: origin.slice('http://'.length), GOOGLE_CLOUD_PROJECT: 'smoke', CLOUDSDK_CONFIG: tmpdir });
      const vertex = createPredictionClient({ target: { vertexEndpoint: 'projects/p/locations/us-central1/endpoints/1', baseUrl: origin } });
      const result = await vertex.predict(['v']);
      assert.deepEqual([result.predictions, result.deployedModelId], [['V'], 'dm-1']);
      assert.deepEqual(seen.at(-1), { path: '/v1/projects/p/locations/us-central1/endpoints/1:predict', authorization: 'Bearer smoke-token' });
      assert.ok(googleModules().length > 0, 'the Vertex target loaded google-auth-library');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  },
  '@vertexkit/trainer': async ({ mod, assert, tmpdir }) => {
    // Trains a tiny classifier, exports it, reloads the checkpoint: the installed package (and onnx-proto,
    // its one dependency) builds a real model.onnx from a consumer's project.
    const fs = process.getBuiltinModule('node:fs');
    const { trainTextClassifier, exportModelDirectory, saveCheckpoint, loadCheckpoint, TrainerError } = mod;
    const spam = ['win a free prize now', 'free cash click here', 'claim your free prize'];
    const ham = ['lunch at noon tomorrow', 'the meeting notes are attached', 'see you at the office'];
    const train = [...spam.map((text) => ({ text, labels: ['spam'] })), ...ham.map((text) => ({ text, labels: ['ham'] }))];
    const { best } = await trainTextClassifier({ train, dev: train, epochs: 30, minCount: 1, buckets: 64 });
    assert.deepEqual(best.predict('free prize'), ['spam']);
    await exportModelDirectory(best, `${tmpdir}/model`);
    assert.deepEqual(fs.readdirSync(`${tmpdir}/model`).sort(), ['config.json', 'model.onnx', 'tokenizer.json', 'tokenizer_config.json']);
    assert.ok(fs.statSync(`${tmpdir}/model/model.onnx`).size > 64 * 64 * 4, 'model.onnx holds the embedding table');
    await saveCheckpoint(best, `${tmpdir}/best.safetensors`);
    const { model } = await loadCheckpoint(`${tmpdir}/best.safetensors`);
    assert.deepEqual([...model.predictProbabilities('free prize')], [...best.predictProbabilities('free prize')]);
    const error = await trainTextClassifier({ train, epochs: 0 }).then(() => undefined, (e) => e);
    assert.ok(TrainerError.isInstance(error) && error.code === 'INVALID_OPTION', 'bad options reject with a TrainerError');
  },
};


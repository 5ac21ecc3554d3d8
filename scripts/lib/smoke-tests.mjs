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

/* global process, fetch, Buffer */
/** @type {Record<string, (ctx: { mod: any, assert: typeof import('node:assert/strict'), tmpdir: string, format: 'esm' | 'cjs' }) => Promise<void>>} */
export const smokeTests = {
  'create-vertexkit': async ({ mod, assert, tmpdir }) => {
    // The templates ship in the tarball (templates/), found from the installed dist/ in ESM and CJS alike.
    const path = process.getBuiltinModule('node:path');
    const fs = process.getBuiltinModule('node:fs');
    const { scaffoldProject, listTemplates, CreateVertexkitError } = mod;
    assert.deepEqual(listTemplates().map((t) => t.name), ['train', 'serve', 'translate', 'train-python']);
    const dir = path.join(tmpdir, 'my-spam-filter');
    const written = [];
    const result = await scaffoldProject({ dir, template: 'serve', onFile: (file) => written.push(file) });
    assert.deepEqual(written.sort(), result.files);
    for (const file of ['package.json', 'Dockerfile', 'service.yaml', 'model/model.onnx', 'src/main.ts', 'test/serve.test.ts']) assert.ok(fs.existsSync(path.join(dir, file)), file);
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    assert.equal(manifest.name, 'my-spam-filter');
    assert.match(manifest.dependencies['@vertexkit/serve'], /^\^\d+\.\d+\.\d+/);
    const again = await scaffoldProject({ dir, template: 'serve' }).catch((error) => error);
    assert.ok(CreateVertexkitError.isInstance(again), 'a folder with files in it is refused');
    assert.equal(again.code, 'DIRECTORY_NOT_EMPTY');
  },
  '@vertexkit/containers': async ({ mod, assert }) => {
    // Renders and checks through the installed package and its parser, validator and YAML dependencies.
    const { renderNodeServeImage, checkDockerfile, renderCloudRunService, checkCloudRunService, renderPythonTrainingImage, ContainersError } = mod;
    const image = renderNodeServeImage({ model: { uri: 'gs://my-bucket/models/spam/' } });
    assert.match(image.dockerfile, /^USER node$/m);
    assert.deepEqual(checkDockerfile(image.dockerfile, { dockerignore: image.dockerignore }), []);
    assert.equal(checkDockerfile('FROM node\n').length, 2, 'an untagged root image is reported twice (DL3006, DL3002)');
    const yaml = renderCloudRunService({ name: 'spam', image: 'us-central1-docker.pkg.dev/p/r/spam:1' });
    assert.deepEqual(checkCloudRunService(yaml), []);
    const error = (() => {
      try {
        renderPythonTrainingImage({ framework: 'pytorch', frameworkVersion: '2.1', cuda: '12.4', packageDir: 'trainer', module: 'trainer.task' });
      } catch (caught) {
        return caught;
      }
    })();
    assert.ok(ContainersError.isInstance(error), 'an impossible combination is a ContainersError');
    assert.equal(error.code, 'INCOMPATIBLE_VERSIONS');
    assert.match(error.message, /PyTorch 2\.1 supports CUDA 11\.8 and 12\.1, not 12\.4/);
  },
  '@vertexkit/storage': async ({ mod, assert, tmpdir }) => {
    const { writeText, readText, StorageError } = mod;
    assert.equal(typeof StorageError, 'function', 'StorageError is exported as a class');
    assert.ok(StorageError.prototype instanceof Error, 'StorageError extends Error');
    const file = `${tmpdir}/hello.txt`;
    await writeText({ to: file, text: 'hello' });
    assert.equal(await readText({ from: file }), 'hello');
  },
  '@vertexkit/serve': async ({ mod, assert, tmpdir }) => {
    // 1. A real server on loopback with a handler of our own: the installed package (fastify, the batcher, the
    // routes) works from a consumer's project.
    // 2. The text classifier on a tiny model directory written by @vertexkit/trainer (embedded below): ONNX
    // Runtime and the worker thread it runs in load from the installed files, in ESM and in CJS.
    const fs = process.getBuiltinModule('node:fs');
    const { createPredictionServer, createTextClassificationHandler } = mod;
    const post = (url, body) => fetch(`${url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
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
      const response = await post(url, { instances: ['a', 'b'] });
      assert.equal(response.status, 200);
      assert.deepEqual(await response.json(), { predictions: ['A', 'B'] });
      assert.equal((await fetch(`${url}/health`)).status, 200);
    } finally {
      await server.close();
    }

    const modelDir = `${tmpdir}/model`;
    fs.mkdirSync(modelDir);
    fs.writeFileSync(`${modelDir}/model.onnx`, Buffer.from([
        'CAgSEkB2ZXJ0ZXhraXQvdHJhaW5lcjJMZmFzdFRleHQtc3R5bGUgdGV4dCBjbGFzc2lmaWVyOiBtZWFuIG9mIHdvcmQgZW1iZWRk',
        'aW5ncywgdGhlbiBhIGxpbmVhciBsYXllcjrFCQotCg5hdHRlbnRpb25fbWFzaxIEbWFzaxoEbWFzayIEQ2FzdCoJCgJ0bxgBoAEC',
        'CkAKCWVtYmVkZGluZwoJaW5wdXRfaWRzEg93b3JkX2VtYmVkZGluZ3MaD3dvcmRfZW1iZWRkaW5ncyIGR2F0aGVyCi8KBG1hc2sK',
        'BmF4aXNfMhIJd29yZF9tYXNrGgl3b3JkX21hc2siCVVuc3F1ZWV6ZQo9Cg93b3JkX2VtYmVkZGluZ3MKCXdvcmRfbWFzaxIMbWFz',
        'a2VkX3dvcmRzGgxtYXNrZWRfd29yZHMiA011bApGCgxtYXNrZWRfd29yZHMKBmF4aXNfMRIId29yZF9zdW0aCHdvcmRfc3VtIglS',
        'ZWR1Y2VTdW0qDwoIa2VlcGRpbXMYAKABAgpCCgRtYXNrCgZheGlzXzESCndvcmRfY291bnQaCndvcmRfY291bnQiCVJlZHVjZVN1',
        'bSoPCghrZWVwZGltcxgBoAECCigKCndvcmRfY291bnQKA29uZRIHZGl2aXNvchoHZGl2aXNvciIDTWF4CigKCHdvcmRfc3VtCgdk',
        'aXZpc29yEgZwb29sZWQaBnBvb2xlZCIDRGl2CjsKBnBvb2xlZAoGd2VpZ2h0CgRiaWFzEgZsb2dpdHMaBmxvZ2l0cyIER2VtbSoN',
        'CgZ0cmFuc0IYAaABAhIPdGV4dF9jbGFzc2lmaWVyKpQDCgIYBBABQgllbWJlZGRpbmdKgAN8D089R83TvGZ2ND7Dzq09y34mvprY',
        'WTzsNui9IHp/PZ1KAb52VaW+J0TevgACAD/MI90+zrlZPtCIIT6uC56+DepcvlPzgb6GpA6/WcCWPiGC9D6IMq09D9O1PvAJC78D',
        '4tm+PjkHvwG67r4o0OY+S+ylPuCPlD3K+BQ+UdwMvr0Emz6HTu0+JvVfPjT8qr4dSQq/AoUIv620j75767Y+2HXfvgzvcb40oei+',
        'QulXPiMjQr40uwS+9CWcvgfcJD4RZtW+lTDTvmqJBb/KFMc+8JLMPlPEzz547gU/rOMDv2vgBz9rkYw+RbYHP5QC+75dy+o9i5GJ',
        'PWY4dT5B+qK+JM+6Puo9Aj8PO8g9/OFLvgSXu73oB9e+EsFSvrNqGD7YVKM+GpPwPr8q9D2L/Hm9ETWuPjlZBD+HRY0+PgyKvnEe',
        'aT46+bY+yQZiPhcjR75yptK+vh+rvnXYDL5lKdA+dkwOP9AHAT/5u4w+qI6SvpN30r5TOAK/qs5XvoLdXD4qMAoCAgQQAUIGd2Vp',
        'Z2h0SiD5dqg+/COoPvckqD44dqi++XaovvwjqL73JKi+OHaoPioVCgECEAFCBGJpYXNKCCxDlzwsQ5e8Kg0QAUIDb25lSgQAAIA/',
        'KhcKAQEQB0IGYXhpc18xSggBAAAAAAAAACoXCgEBEAdCBmF4aXNfMkoIAgAAAAAAAABaNAoJaW5wdXRfaWRzEicKJQgHEiEKDBIK',
        'YmF0Y2hfc2l6ZQoREg9zZXF1ZW5jZV9sZW5ndGhaOQoOYXR0ZW50aW9uX21hc2sSJwolCAcSIQoMEgpiYXRjaF9zaXplChESD3Nl',
        'cXVlbmNlX2xlbmd0aGIiCgZsb2dpdHMSGAoWCAESEgoMEgpiYXRjaF9zaXplCgIIAkIECgAQEXIYCgZsYWJlbHMSDlsiaGFtIiwi',
        'c3BhbSJdcisKDHByb2JsZW1fdHlwZRIbc2luZ2xlX2xhYmVsX2NsYXNzaWZpY2F0aW9u'
      ].join(''), 'base64'));
    fs.writeFileSync(`${modelDir}/config.json`, "{\n  \"model_type\": \"vertexkit-fasttext\",\n  \"id2label\": {\n    \"0\": \"ham\",\n    \"1\": \"spam\"\n  },\n  \"label2id\": {\n    \"ham\": 0,\n    \"spam\": 1\n  },\n  \"num_labels\": 2,\n  \"problem_type\": \"single_label_classification\",\n  \"vocab_size\": 24,\n  \"hidden_size\": 4,\n  \"ngrams\": 1,\n  \"buckets\": 0,\n  \"max_position_embeddings\": 512\n}");
    fs.writeFileSync(`${modelDir}/tokenizer.json`, "{\"version\":\"1.0\",\"truncation\":{\"direction\":\"Right\",\"max_length\":512,\"strategy\":\"LongestFirst\",\"stride\":0},\"padding\":{\"strategy\":\"BatchLongest\",\"direction\":\"Right\",\"pad_to_multiple_of\":null,\"pad_id\":0,\"pad_type_id\":0,\"pad_token\":\"[PAD]\"},\"added_tokens\":[],\"normalizer\":{\"type\":\"Lowercase\"},\"pre_tokenizer\":{\"type\":\"Whitespace\"},\"post_processor\":null,\"decoder\":null,\"model\":{\"type\":\"WordLevel\",\"vocab\":{\"[PAD]\":0,\"[UNK]\":1,\"free\":2,\"at\":3,\"prize\":4,\"the\":5,\"a\":6,\"are\":7,\"attached\":8,\"cash\":9,\"claim\":10,\"click\":11,\"here\":12,\"lunch\":13,\"meeting\":14,\"noon\":15,\"notes\":16,\"now\":17,\"office\":18,\"see\":19,\"tomorrow\":20,\"win\":21,\"you\":22,\"your\":23},\"unk_token\":\"[UNK]\"}}");
    fs.writeFileSync(`${modelDir}/tokenizer_config.json`, "{\n  \"tokenizer_class\": \"PreTrainedTokenizerFast\",\n  \"model_max_length\": 512,\n  \"truncation_side\": \"right\",\n  \"padding_side\": \"right\",\n  \"pad_token\": \"[PAD]\",\n  \"unk_token\": \"[UNK]\",\n  \"model_input_names\": [\n    \"input_ids\",\n    \"attention_mask\"\n  ]\n}");
    const classifier = createPredictionServer({
      handler: createTextClassificationHandler({ modelDir }),
      port: 0,
      host: '127.0.0.1',
      logger: false,
      handleSignals: false,
    });
    const served = await classifier.listen();
    try {
      await classifier.ready;
      const response = await post(served.url, { instances: ['free prize', { text: 'lunch at noon' }] });
      assert.equal(response.status, 200);
      const { predictions } = await response.json();
      assert.equal(predictions[0].labels[0].label, 'spam');
      // The trainer's own probability for this text, to 1e-5.
      assert.ok(Math.abs(predictions[0].labels[0].score - 0.7009762) < 1e-5, `score ${predictions[0].labels[0].score}`);
      assert.equal(predictions[1].labels[0].label, 'ham');
    } finally {
      await classifier.close();
    }
  },
  '@vertexkit/jobs': async ({ mod, assert, tmpdir, format }) => {
    // 1. Installed alone, @google-cloud/aiplatform (an optional peer dependency) is not there, and everything but
    // the API client works: validation against the Vertex schema shipped in the package, gcloud rendering,
    // --worker-pool-spec, scale tiers, and the local runner (a real process with the Vertex environment).
    // 2. @vertexkit/jobs/client without it: createJobsClient fails with MISSING_DEPENDENCY naming what to install.
    // 3. A second project installs @vertexkit/jobs with @google-cloud/aiplatform: the client loads the official
    // JobService client on its first call (not before) and gets a job from a loopback server over REST.
    const fs = process.getBuiltinModule('node:fs');
    const http = process.getBuiltinModule('node:http');
    const path = process.getBuiltinModule('node:path');
    const { execFileSync } = process.getBuiltinModule('node:child_process');
    const { createRequire } = process.getBuiltinModule('node:module');
    const { pathToFileURL } = process.getBuiltinModule('node:url');
    const { validateCustomJobSpec, renderGcloudCommand, startLocalCustomJob, parseWorkerPoolSpecFlag, scaleTierToWorkerPoolSpecs, JobsError } = mod;
    const requireHere = createRequire(`${tmpdir}/`);
    assert.throws(() => requireHere.resolve('@google-cloud/aiplatform'), { code: 'MODULE_NOT_FOUND' }, 'npm install @vertexkit/jobs does not install @google-cloud/aiplatform');
    assert.equal(mod.createJobsClient, undefined, 'the API client is not in the main entry point');

    const spec = {
      displayName: 'smoke',
      jobSpec: {
        workerPoolSpecs: [{
          machineSpec: { machineType: 'n1-standard-4' },
          replicaCount: 1,
          containerSpec: { imageUri: 'us-docker.pkg.dev/p/r/train:1', command: [process.execPath, '-e', 'console.log(process.env.AIP_MODEL_DIR)'] },
        }],
      },
    };
    assert.equal(validateCustomJobSpec(spec), spec);
    const errorOf = (run) => {
      try {
        run();
      } catch (e) {
        return e;
      }
      assert.fail('expected an error');
    };
    const error = errorOf(() => validateCustomJobSpec({ ...spec, jobSpec: { ...spec.jobSpec, workerPoolSpecs: [{ ...spec.jobSpec.workerPoolSpecs[0], machineSpec: { machineType: 'n1-standard-4', acceleratorType: 'NVIDIA_TESLA_T5', acceleratorCount: 1 } }] } }));
    assert.ok(JobsError.isInstance(error) && error.code === 'INVALID_SPEC', 'a bad accelerator is an INVALID_SPEC JobsError');
    assert.match(error.message, /NVIDIA_TESLA_T4/);
    assert.match(renderGcloudCommand({ customJob: spec }, { project: 'p', region: 'us-central1' }).text, /^gcloud ai custom-jobs create/);
    assert.deepEqual(parseWorkerPoolSpecFlag('machine-type=n1-standard-4,container-image-uri=gcr.io/p/t:1').containerSpec, { imageUri: 'gcr.io/p/t:1' });
    const flagError = errorOf(() => parseWorkerPoolSpecFlag('machine-typ=n1-standard-4,replica-count=two'));
    assert.deepEqual(flagError.issues.map((issue) => issue.path), ['machine-typ', 'replica-count', 'container-image-uri'], 'every problem of a --worker-pool-spec at once');
    assert.equal(scaleTierToWorkerPoolSpecs('BASIC_GPU', { task: { containerSpec: { imageUri: 'gcr.io/p/t:1' } } }).workerPoolSpecs[0].machineSpec.acceleratorCount, 1);
    const lines = [];
    const job = startLocalCustomJob(spec, { baseOutputDir: `${tmpdir}/run`, onLog: ({ line }) => lines.push(line) });
    assert.equal((await job.wait({ pollIntervalMs: 10 })).state, 'JOB_STATE_SUCCEEDED');
    assert.deepEqual(lines, [`${tmpdir}/run/model/`]);

    // `@vertexkit/jobs/client` as a consumer in `from` loads it: import() (through the exports map's `import`
    // entry, since a dynamic import here would resolve from this file) or require().
    const loadClient = async (from) => {
      const fromHere = createRequire(`${from}/`);
      if (format === 'cjs') return fromHere('@vertexkit/jobs/client');
      const manifestPath = fromHere.resolve('@vertexkit/jobs/package.json');
      const entry = JSON.parse(fs.readFileSync(manifestPath, 'utf8')).exports['./client'].import.default;
      return import(pathToFileURL(path.join(path.dirname(manifestPath), entry)).href);
    };
    const client = await loadClient(tmpdir);
    const missing = errorOf(() => client.createJobsClient({ project: 'p', location: 'us-central1' }));
    assert.ok(JobsError.isInstance(missing) && missing.code === 'MISSING_DEPENDENCY', `createJobsClient without @google-cloud/aiplatform: ${missing}`);
    assert.ok(missing instanceof JobsError, 'both entry points share one JobsError class');
    assert.match(missing.message, /optional peer dependency/);
    assert.match(missing.message, /npm install @google-cloud\/aiplatform@\^\d/);

    const withPeer = `${tmpdir}/with-aiplatform`;
    fs.mkdirSync(withPeer);
    const installed = JSON.parse(fs.readFileSync(requireHere.resolve('@vertexkit/jobs/package.json'), 'utf8'));
    const range = installed.peerDependencies['@google-cloud/aiplatform'];
    fs.writeFileSync(`${withPeer}/package.json`, JSON.stringify({ name: 'with-aiplatform', version: '0.0.0', private: true }));
    // The consumer's .npmrc routes the @vertexkit scope to the local registry the release check publishes to.
    fs.copyFileSync(path.join(path.dirname(tmpdir), '.npmrc'), `${withPeer}/.npmrc`);
    execFileSync('npm', ['install', `@vertexkit/jobs@${installed.version}`, `@google-cloud/aiplatform@${range}`, '--no-audit', '--no-fund', '--prefer-offline'], { cwd: withPeer, stdio: 'pipe' });
    const { createJobsClient } = await loadClient(withPeer);
    const seen = [];
    const server = http.createServer((req, res) => {
      seen.push(`${req.method} ${req.url.split('?')[0]}`);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ name: 'projects/p/locations/us-central1/customJobs/7', displayName: 'smoke', state: 'JOB_STATE_SUCCEEDED' }));
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    const requirePeer = createRequire(`${withPeer}/`);
    const aiplatformFiles = () => Object.keys(requirePeer.cache).filter((f) => f.includes('@google-cloud/aiplatform') && f.endsWith('.js'));
    try {
      // No credentials: google-gax's own copy of google-auth-library's PassThroughClient, as tools/vertex-fake does.
      const fromGax = createRequire(createRequire(requirePeer.resolve('@google-cloud/aiplatform')).resolve('google-gax'));
      const { PassThroughClient } = fromGax('google-auth-library');
      const jobs = createJobsClient({
        project: 'p',
        location: 'us-central1',
        clientOptions: { fallback: 'rest', protocol: 'http', apiEndpoint: '127.0.0.1', port: server.address().port, authClient: new PassThroughClient() },
      });
      assert.deepEqual(aiplatformFiles(), [], 'creating a client loads no Vertex client yet');
      const snapshot = await jobs.job('projects/p/locations/us-central1/customJobs/7').get();
      assert.deepEqual([snapshot.state, snapshot.displayName], ['JOB_STATE_SUCCEEDED', 'smoke']);
      assert.deepEqual(seen, ['GET /v1/projects/p/locations/us-central1/customJobs/7']);
      assert.ok(aiplatformFiles().some((f) => f.endsWith('job_service_client.js')), 'the first call loaded the JobService client');
      await jobs.close();
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
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
    // The table, the linear layer folded into it: one float32 per label for every word and bigram bucket.
    assert.ok(fs.statSync(`${tmpdir}/model/model.onnx`).size > (best.vocabulary.size + 64) * 2 * 4, 'model.onnx holds the table');
    await saveCheckpoint(best, `${tmpdir}/best.safetensors`);
    const { model } = await loadCheckpoint(`${tmpdir}/best.safetensors`);
    assert.deepEqual([...model.predictProbabilities('free prize')], [...best.predictProbabilities('free prize')]);
    const error = await trainTextClassifier({ train, epochs: 0 }).then(() => undefined, (e) => e);
    assert.ok(TrainerError.isInstance(error) && error.code === 'INVALID_OPTION', 'bad options reject with a TrainerError');
  },
};


// What each package's README example needs around it when the release check runs it in a fresh project
// (installed from the tarballs): the environment it reads, and lines its output must contain. Examples not
// listed need nothing and only have to exit 0 without writing to stderr.
/* global console */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/**
 * Starts what the examples call (a text classifier served on loopback for @vertexkit/client's), from this
 * checkout's built packages. Returns `{ byPackage, close }`; `byPackage[name]` is `{ env, expect }`.
 */
export async function startReadmeFixtures({ root }) {
  const dist = (name) => path.join(root, 'packages', name, 'dist', 'index.js');
  const { createPredictionServer, createTextClassificationHandler } = await import(dist('serve'));
  const { exportModelDirectory, trainTextClassifier } = await import(dist('trainer'));

  // The client README calls a spam filter: train a small one, as the trainer README does, and serve it.
  const modelDir = await fs.mkdtemp(path.join(os.tmpdir(), 'vertexkit-readme-model-'));
  const spam = ['free money now', 'win free cash now', 'claim your free prize money', 'free money, click now'];
  const ham = ['lunch at noon?', 'see you at lunch', 'the meeting is at noon', 'lunch tomorrow at noon?'];
  const examples = [...spam.map((text) => ({ text, labels: ['spam'] })), ...ham.map((text) => ({ text, labels: ['ham'] }))];
  const { best } = await trainTextClassifier({ train: examples, dev: examples, epochs: 30, minCount: 1 });
  await exportModelDirectory(best, modelDir);
  const server = createPredictionServer({
    handler: createTextClassificationHandler({ modelDir, worker: false }),
    port: 0,
    host: '127.0.0.1',
    logger: false,
    handleSignals: false,
  });
  const { url } = await server.listen();
  await server.ready;

  return {
    byPackage: {
      '@vertexkit/client': { env: { PREDICT_URL: `${url}/predict` }, expect: ["[ 'spam', 'ham' ]", '1000 predictions in 16 requests'] },
      '@vertexkit/trainer': { expect: ["[ 'spam' ]"] },
      '@vertexkit/storage': { expect: ['uploaded 1 file(s), 0 unchanged', 'spam <- free money now', 'ham <- lunch at noon?'] },
      // Its server listens on PORT (Cloud Run's variable): any free port.
      '@vertexkit/serve': { env: { PORT: '0' }, expect: ['{ predictions: [ { length: 5 } ] }'] },
      'create-vertexkit': { expect: ['wrote service.yaml', 'my-spam-filter: 17 files from apps/serve-cloud-run'] },
    },
    async close() {
      await server.close().catch((error) => console.error(`could not stop the README fixture server: ${error.message}`));
      await fs.rm(modelDir, { recursive: true, force: true });
    },
  };
}

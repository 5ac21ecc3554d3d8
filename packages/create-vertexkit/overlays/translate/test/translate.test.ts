// This project's own test: the server npm start runs (src/main.ts on the translator in model/) answers translation
// requests in Vertex AI's shape, refuses a malformed generation parameter with a 400 that names it, and stops on
// SIGTERM with exit code 0.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startServer } from './start-server.ts';

test('npm start\'s server: translations, a 400 for a bad parameter, SIGTERM exits 0', async () => {
  const server = await startServer();
  try {
    const response = await server.post({ instances: ['Bu odun yanmaz.', 'Merhaba dünya.'], parameters: { num_beams: 2, max_new_tokens: 16 } });
    assert.equal(response.status, 200, server.output());
    const { predictions } = (await response.json()) as { predictions: string[][] };
    assert.equal(predictions.length, 2);
    for (const prediction of predictions) {
      assert.equal(prediction.length, 1, 'one translation per instance');
      assert.ok(typeof prediction[0] === 'string' && prediction[0].length > 0, `a translation: ${JSON.stringify(prediction)}`);
    }
    // Greedy decoding is deterministic: the same request, the same text.
    const greedy = { instances: ['Bu odun yanmaz.'], parameters: { num_beams: 1, max_new_tokens: 16 } };
    assert.deepEqual(await (await server.post(greedy)).json(), await (await server.post(greedy)).json());

    const bad = await server.post({ instances: ['Bu odun yanmaz.'], parameters: { num_beams: -1 } });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: { message: string } }).error.message, /parameters\.num_beams/);
  } finally {
    assert.equal(await server.stop(), 0, server.output());
  }
});

// This project's own test: the server npm start runs (src/main.ts on model/) answers as Cloud Run and Vertex AI call
// it, refuses a malformed request with a 400 that names the field, and stops on SIGTERM with exit code 0.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startServer } from './start-server.ts';

test('npm start\'s server: predictions for model/, a 400 for a bad request, SIGTERM exits 0', async () => {
  const server = await startServer();
  try {
    const response = await server.post({ instances: ['Get a FREE quote on your MORTGAGE now!', 'Re: patch for the build script'] });
    assert.equal(response.status, 200, server.output());
    const { predictions } = (await response.json()) as { predictions: Array<{ labels: Array<{ label: string; score: number }> }> };
    assert.equal(predictions.length, 2);
    for (const prediction of predictions) {
      assert.deepEqual(prediction.labels.map((l) => l.label).sort(), ['ham', 'spam']);
      const total = prediction.labels.reduce((sum, l) => sum + l.score, 0);
      assert.ok(Math.abs(total - 1) < 1e-4, `single-label scores sum to 1, got ${total}`);
    }
    assert.equal(predictions[0]?.labels[0]?.label, 'spam', JSON.stringify(predictions[0]));
    assert.equal(predictions[1]?.labels[0]?.label, 'ham', JSON.stringify(predictions[1]));

    const bad = await server.post({ instances: [42] });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: { message: string } }).error.message, /instances\[0\]/);
  } finally {
    assert.equal(await server.stop(), 0, server.output());
  }
});

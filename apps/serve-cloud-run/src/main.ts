// Serves a text classifier over HTTP, the same way on Cloud Run, on a Vertex AI endpoint and on localhost.
//
//   MODEL_URI   the model directory: gs://bucket/models/v1/ or a local path (on Vertex AI, AIP_STORAGE_URI
//               is used when MODEL_URI is unset: Vertex copies the uploaded model's artifacts there)
//   PORT        Cloud Run's port (Vertex AI: AIP_HTTP_PORT, with AIP_PREDICT_ROUTE and AIP_HEALTH_ROUTE)
//   API_KEY     optional: require `x-api-key` (leave unset behind Cloud Run IAM)
//   HOST        optional: the address to listen on (default 0.0.0.0, which Cloud Run and Vertex AI need;
//               127.0.0.1 keeps a local run off the network)
//
// The server listens at once and loads the model in the background (health answers 503 until then),
// batches concurrent requests into shared model runs, and drains in-flight requests on SIGTERM.
import { createPredictionServer, createTextClassificationHandler } from '@vertexkit/serve';

const modelDir = process.env.MODEL_URI ?? process.env.AIP_STORAGE_URI;
if (!modelDir) {
  console.error('MODEL_URI is not set: point it at a model directory (gs://bucket/models/v1/ or a local path).');
  process.exit(2);
}

const server = createPredictionServer({
  handler: createTextClassificationHandler({ modelDir }),
  ...(process.env.API_KEY ? { apiKey: process.env.API_KEY } : {}),
  ...(process.env.HOST ? { host: process.env.HOST } : {}),
});

await server.listen();

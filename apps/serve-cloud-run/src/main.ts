// Serves a model directory over HTTP, the same way on Cloud Run, on a Vertex AI endpoint and on localhost: a text
// classifier (model.onnx), or an encoder-decoder model such as a MarianMT translator (encoder_model.onnx).
//
//   MODEL_URI   the model directory: gs://bucket/models/v1/ or a local path (on Vertex AI, AIP_STORAGE_URI
//               is used when MODEL_URI is unset: Vertex copies the uploaded model's artifacts there)
//   PORT        Cloud Run's port (Vertex AI: AIP_HTTP_PORT, with AIP_PREDICT_ROUTE and AIP_HEALTH_ROUTE)
//   API_KEY     optional: require `x-api-key` (leave unset behind Cloud Run IAM)
//   HOST        optional: the address to listen on (default 0.0.0.0, which Cloud Run and Vertex AI need;
//               127.0.0.1 keeps a local run off the network)
//
// The server listens at once and loads the model in the background (health answers 503 until then),
// batches concurrent requests into shared model runs (a translator decodes them together, step by step),
// and drains in-flight requests on SIGTERM. A model that cannot load is one ERROR line and exit code 1, so a
// Cloud Run revision with it fails to deploy.
import path from 'node:path';
import { createModelHandler, createPredictionServer } from '@vertexkit/serve';

const uri = process.env.MODEL_URI ?? process.env.AIP_STORAGE_URI;
if (!uri) {
  console.error('MODEL_URI is not set: point it at a model directory (gs://bucket/models/v1/ or a local path).');
  process.exit(2);
}
// `npm start -w` runs this in the app's folder: a relative path means the folder npm was started in.
const modelDir = /^[a-z][a-z\d+.-]*:\/\//i.test(uri) ? uri : path.resolve(process.env.INIT_CWD ?? process.cwd(), uri);

const server = createPredictionServer({
  handler: createModelHandler({ modelDir }),
  ...(process.env.API_KEY ? { apiKey: process.env.API_KEY } : {}),
  ...(process.env.HOST ? { host: process.env.HOST } : {}),
});

await server.listen().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});

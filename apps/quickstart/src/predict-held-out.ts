// Sends the held-out messages to the running server through @vertexkit/client, as any caller would,
// timing each HTTP request.
import { createPredictionClient, type TextClassificationParameters, type TextClassificationPrediction } from '@vertexkit/client';

/** Parameters of {@link predictHeldOut}. */
export interface PredictHeldOutParams {
  /** The server's base URL. */
  url: string;
  texts: readonly string[];
  /** Messages per request. Default 1: each request is one message, as a mail filter would send it. */
  perRequest?: number;
  /** Requests in flight. Default: the client's (4); the server batches concurrent requests together. */
  concurrency?: number;
}

/** The predicted label of each text, with the time each request took. */
export interface HeldOutPredictions {
  labels: string[];
  /** Milliseconds per request, from sending to the whole answer read. */
  latencies: number[];
  requests: number;
  seconds: number;
}

/** Predict every text; the client splits them into requests and retries what fails transiently. */
export async function predictHeldOut(params: PredictHeldOutParams): Promise<HeldOutPredictions> {
  const latencies: number[] = [];
  // The client takes a fetch: wrapping it times each request without touching the client.
  const timedFetch: typeof fetch = async (input, init) => {
    const started = performance.now();
    const response = await fetch(input, init);
    const body = await response.arrayBuffer();
    latencies.push(performance.now() - started);
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
  const client = createPredictionClient<string, TextClassificationPrediction, TextClassificationParameters>({
    target: { url: `${params.url}/predict` },
    fetch: timedFetch,
  });
  const started = performance.now();
  const result = await client.predictMany(params.texts, {
    parameters: { top_k: 1 },
    maxInstancesPerRequest: params.perRequest ?? 1,
    ...(params.concurrency === undefined ? {} : { concurrency: params.concurrency }),
  });
  const seconds = (performance.now() - started) / 1000;
  const labels = result.predictions.map((prediction, i) => {
    const top = prediction.labels[0];
    if (top === undefined) throw new Error(`prediction ${i} has no labels: ${JSON.stringify(prediction)}`);
    return top.label;
  });
  return { labels, latencies, requests: result.requests, seconds };
}

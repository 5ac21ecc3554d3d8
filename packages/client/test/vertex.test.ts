// A local node:http server stands in for the Vertex AI REST API (`/v1/projects/.../endpoints/ID:predict`)
// and checks what Vertex checks: path, method, bearer token, content type and body shape.
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { PredictionError, createPredictionClient } from '../src/index.js';
import type { AccessTokenClient } from '../src/index.js';
import { rejectionOf, sendJson, startTestServer } from './helpers/http-server.js';
import type { RecordedRequest, TestServer } from './helpers/http-server.js';

const PREDICT_PATH = '/v1/projects/p/locations/us-central1/endpoints/123:predict';
const RAW_PREDICT_PATH = '/v1/projects/p/locations/us-central1/endpoints/123:rawPredict';

/** An injected auth client that hands out numbered tokens and counts the calls. */
function countingAuthClient(): AccessTokenClient & { calls: number } {
  const client = {
    calls: 0,
    getAccessToken() {
      client.calls += 1;
      return Promise.resolve(`token-${client.calls}`);
    },
  };
  return client;
}

/** What the fake Vertex API answers: 401 without the token, 404 for another path, 400 for a bad body. */
function vertexApi(expectedToken: () => string) {
  return (request: RecordedRequest, res: ServerResponse) => {
    const deny = (status: number, code: string, message: string) => sendJson(res, status, { error: { code: status, message, status: code } });
    if (request.method !== 'POST') return deny(405, 'UNIMPLEMENTED', `method ${request.method} not allowed`);
    if (request.path !== PREDICT_PATH && request.path !== RAW_PREDICT_PATH) return deny(404, 'NOT_FOUND', `no route ${request.path}`);
    if (request.headers.authorization !== `Bearer ${expectedToken()}`) {
      return deny(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials. Expected OAuth 2 access token.');
    }
    if (request.headers['content-type'] !== 'application/json') return deny(400, 'INVALID_ARGUMENT', `content-type ${request.headers['content-type']}`);
    const body = request.json as { instances?: unknown; parameters?: unknown };
    const keys = Object.keys(body ?? {}).sort();
    if (!Array.isArray(body?.instances) || keys.some((k) => k !== 'instances' && k !== 'parameters')) {
      return deny(400, 'INVALID_ARGUMENT', `Invalid JSON payload received. Body keys: ${keys.join(',')}`);
    }
    const predictions = (body.instances as unknown[]).map((instance) => ({ echo: instance, parameters: body.parameters ?? null }));
    if (request.path === RAW_PREDICT_PATH) {
      return sendJson(res, 200, { predictions }, { 'X-Vertex-AI-Endpoint-Id': '123', 'X-Vertex-AI-Deployed-Model-Id': 'raw-dm-9' });
    }
    return sendJson(res, 200, {
      predictions,
      deployedModelId: 'dm-1',
      model: 'projects/p/locations/us-central1/models/777',
      modelDisplayName: 'spam-classifier',
      modelVersionId: '2',
    });
  };
}

describe('Vertex AI endpoint target', () => {
  let api: TestServer;
  let token = 'token-1';
  beforeAll(async () => {
    api = await startTestServer(vertexApi(() => token));
  });
  beforeEach(() => {
    api.requests.length = 0;
    token = 'token-1';
  });
  afterAll(async () => {
    await api.close();
  });

  test(':predict with the resource name: path, method, bearer token, content type and body shape', async () => {
    const auth = countingAuthClient();
    const client = createPredictionClient<string, { echo: string; parameters: unknown }, { top_k: number }>({
      target: { vertexEndpoint: 'projects/p/locations/us-central1/endpoints/123', authClient: auth, baseUrl: api.origin },
    });
    expect(client.url).toBe(`${api.origin}${PREDICT_PATH}`);
    expect(client.targetKind).toBe('vertex');
    const result = await client.predict(['free money', 'lunch'], { top_k: 1 });
    expect(result).toEqual({
      predictions: [
        { echo: 'free money', parameters: { top_k: 1 } },
        { echo: 'lunch', parameters: { top_k: 1 } },
      ],
      deployedModelId: 'dm-1',
      model: 'projects/p/locations/us-central1/models/777',
      modelDisplayName: 'spam-classifier',
      modelVersionId: '2',
      requestId: expect.stringMatching(/^[0-9a-f-]{36}$/) as unknown,
      attempts: 1,
    });
    expect(api.requests).toHaveLength(1);
    const [sent] = api.requests;
    expect(sent?.method).toBe('POST');
    expect(sent?.path).toBe(PREDICT_PATH);
    expect(sent?.headers.authorization).toBe('Bearer token-1');
    expect(sent?.headers['content-type']).toBe('application/json');
    expect(sent?.headers['user-agent']).toMatch(/^vertexkit-client\/\d+\.\d+\.\d+/);
    expect(sent?.body).toBe('{"instances":["free money","lunch"],"parameters":{"top_k":1}}');
    expect(auth.calls).toBe(1);
  });

  test('{ project, location, endpointId } and no parameters: the body has no parameters key', async () => {
    const auth = countingAuthClient();
    const client = createPredictionClient({ target: { project: 'p', location: 'us-central1', endpointId: '123', authClient: auth, baseUrl: api.origin } });
    await client.predict([{ text: 'a' }]);
    expect(api.requests[0]?.body).toBe('{"instances":[{"text":"a"}]}');
  });

  test('endpointId may be the whole resource name gcloud prints (project number and all): its parts are used', () => {
    const auth = countingAuthClient();
    const client = createPredictionClient({
      target: { project: 'my-project', location: 'us-central1', endpointId: 'projects/123456789/locations/us-central1/endpoints/4455', authClient: auth, baseUrl: api.origin },
    });
    expect(client.url).toBe(`${api.origin}/v1/projects/123456789/locations/us-central1/endpoints/4455:predict`);
  });

  test('a token is asked for before every request (the auth client caches and refreshes it)', async () => {
    const auth = countingAuthClient();
    const client = createPredictionClient({ target: { vertexEndpoint: 'projects/p/locations/us-central1/endpoints/123', authClient: auth, baseUrl: api.origin } });
    await client.predict(['a']);
    token = 'token-2';
    await client.predict(['b']);
    expect(api.requests.map((r) => r.headers.authorization)).toEqual(['Bearer token-1', 'Bearer token-2']);
  });

  test('an OAuth2Client-style { token } answer and an accessToken function both work', async () => {
    const viaObject = createPredictionClient({
      target: { vertexEndpoint: 'projects/p/locations/us-central1/endpoints/123', baseUrl: api.origin, authClient: { getAccessToken: () => Promise.resolve({ token: 'token-1' }) } },
    });
    await viaObject.predict(['a']);
    const viaFunction = createPredictionClient({ target: { vertexEndpoint: 'projects/p/locations/us-central1/endpoints/123', baseUrl: api.origin, accessToken: () => 'token-1' } });
    await viaFunction.predict(['b']);
    expect(api.requests.map((r) => r.headers.authorization)).toEqual(['Bearer token-1', 'Bearer token-1']);
  });

  test(':rawPredict: same body, and the deployed model id from the X-Vertex-AI-Deployed-Model-Id header', async () => {
    const client = createPredictionClient({
      target: { vertexEndpoint: 'projects/p/locations/us-central1/endpoints/123', rawPredict: true, accessToken: 'token-1', baseUrl: api.origin },
    });
    expect(client.url).toBe(`${api.origin}${RAW_PREDICT_PATH}`);
    const result = await client.predict(['x']);
    expect(result.deployedModelId).toBe('raw-dm-9');
    expect(result.predictions).toEqual([{ echo: 'x', parameters: null }]);
    expect(api.requests[0]?.path).toBe(RAW_PREDICT_PATH);
  });

  test("Vertex's error body: status, message, status name, and a hint for 401", async () => {
    const client = createPredictionClient({ target: { vertexEndpoint: 'projects/p/locations/us-central1/endpoints/123', accessToken: 'stale', baseUrl: api.origin } });
    const error = await rejectionOf(client.predict(['a']));
    expect(PredictionError.isInstance(error)).toBe(true);
    const e = error as PredictionError;
    expect(e.code).toBe('HTTP_ERROR');
    expect(e.status).toBe(401);
    expect(e.serverStatus).toBe('UNAUTHENTICATED');
    expect(e.serverMessage).toBe('Request had invalid authentication credentials. Expected OAuth 2 access token.');
    expect(e.url).toBe(`${api.origin}${PREDICT_PATH}`);
    expect(e.attempts).toBe(1);
    expect(e.failedInstances).toEqual([0]);
    expect(e.message).toBe(
      `HTTP 401 UNAUTHENTICATED from ${api.origin}${PREDICT_PATH}: Request had invalid authentication credentials. Expected OAuth 2 access token. ` +
        '(the access token was rejected; check the credentials google-auth-library found (gcloud auth application-default print-access-token)) ' +
        `[request id ${e.requestId}, 1 attempt]`,
    );
    expect(e.body).toEqual({ error: { code: 401, message: 'Request had invalid authentication credentials. Expected OAuth 2 access token.', status: 'UNAUTHENTICATED' } });
  });

  test('a failing token source is AUTH_FAILED, with nothing sent', async () => {
    const client = createPredictionClient({
      target: { vertexEndpoint: 'projects/p/locations/us-central1/endpoints/123', baseUrl: api.origin, authClient: { getAccessToken: () => Promise.reject(new Error('invalid_grant')) } },
    });
    const error = (await rejectionOf(client.predict(['a']))) as PredictionError;
    expect(error.code).toBe('AUTH_FAILED');
    expect(error.message).toMatch(/^could not get an access token for Vertex AI: invalid_grant \(run `gcloud auth application-default login`/);
    expect(error.url).toBe(`${api.origin}${PREDICT_PATH}`);
    expect(api.requests).toHaveLength(0);
  });
});

describe('Vertex AI URLs', () => {
  const auth = { getAccessToken: () => Promise.resolve('t') };
  test('the regional host by default', () => {
    const client = createPredictionClient({ target: { vertexEndpoint: 'projects/my-project/locations/europe-west4/endpoints/456', authClient: auth } });
    expect(client.url).toBe('https://europe-west4-aiplatform.googleapis.com/v1/projects/my-project/locations/europe-west4/endpoints/456:predict');
  });

  test('a dedicated endpoint domain, v1beta1, rawPredict', () => {
    const client = createPredictionClient({
      target: { project: '567', location: 'us-central1', endpointId: '1234', dedicatedEndpointDomain: '1234.us-central1-567.prediction.vertexai.goog', apiVersion: 'v1beta1', rawPredict: true, authClient: auth },
    });
    expect(client.url).toBe('https://1234.us-central1-567.prediction.vertexai.goog/v1beta1/projects/567/locations/us-central1/endpoints/1234:rawPredict');
  });

  test('a baseUrl with a path prefix keeps it', () => {
    const client = createPredictionClient({ target: { vertexEndpoint: 'projects/p/locations/us-central1/endpoints/1', baseUrl: 'http://127.0.0.1:9/proxy/', authClient: auth } });
    expect(client.url).toBe('http://127.0.0.1:9/proxy/v1/projects/p/locations/us-central1/endpoints/1:predict');
  });

  test('bad targets fail at creation, naming the field and the fix', () => {
    const cases: [unknown, string][] = [
      [{ vertexEndpoint: 'projects/p/endpoints/1' }, 'target.vertexEndpoint: "projects/p/endpoints/1" is not an endpoint resource name; expected projects/{project}/locations/{location}/endpoints/{endpointId}'],
      [{ project: 'p', location: 'us-central1' , endpointId: 'a/b' }, `target.endpointId: "a/b" is not a valid endpointId; expected e.g. '1234567890'`],
      [
        { project: 'p', location: 'europe-west4', endpointId: 'projects/1/locations/us-central1/endpoints/2' },
        'target.endpointId: "projects/1/locations/us-central1/endpoints/2" is an endpoint in us-central1, but target.location is "europe-west4"; make them agree, or pass { vertexEndpoint: "projects/1/locations/us-central1/endpoints/2" } alone',
      ],
      [{ vertexEndpoint: 'projects/p/locations/l/endpoints/1', project: 'p' }, 'target.project: name the endpoint either by vertexEndpoint or by project, location and endpointId, not both'],
      [{ url: 'http://x/predict', cloudRunUrl: 'https://x.run.app' }, 'target: names more than one kind of target (url, cloud-run)'],
      [{ endpoint: '123' }, 'target: has none of url, cloudRunUrl, vertexEndpoint, endpointId'],
      [{ url: 'ftp://x/predict' }, `target.url: "ftp://x/predict" is not an http(s) URL; pass one like 'http://127.0.0.1:8080/predict'`],
      [{ url: 'http://x/predict', rawPredict: true }, 'target.rawPredict: is not an option of a url target; known options: url, apiKey'],
      [{ vertexEndpoint: 'projects/p/locations/l/endpoints/1', apiVersion: 'v2' }, `target.apiVersion: "v2" is not a Vertex AI API version; pass 'v1' (default) or 'v1beta1'`],
    ];
    for (const [target, message] of cases) {
      const error = (() => {
        try {
          createPredictionClient({ target: target as never });
        } catch (e) {
          return e as PredictionError;
        }
        throw new Error(`accepted ${JSON.stringify(target)}`);
      })();
      expect(error.code).toBe('INVALID_ARGUMENT');
      expect(error.message.startsWith(message), `${error.message}\n  should start with\n${message}`).toBe(true);
    }
  });
});

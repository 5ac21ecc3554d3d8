// A Cloud Run target: an ID token for the service URL in Authorization (from an injected GoogleAuth-like
// factory or token function), or an API key instead; the service stands in as a local server.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { PredictionError, createPredictionClient } from '../src/index.js';
import type { IdTokenClientFactory } from '../src/index.js';
import { echoPredictions, rejectionOf, startTestServer } from './helpers/http-server.js';
import type { TestServer } from './helpers/http-server.js';

/** Stands in for GoogleAuth: records the audiences asked for and the URLs headers were made for. */
function fakeGoogleAuth(): IdTokenClientFactory & { audiences: string[]; urls: (string | undefined)[] } {
  const auth = {
    audiences: [] as string[],
    urls: [] as (string | undefined)[],
    getIdTokenClient(audience: string) {
      auth.audiences.push(audience);
      return Promise.resolve({
        getRequestHeaders(url?: string) {
          auth.urls.push(url);
          return Promise.resolve(new Headers({ authorization: `Bearer id-token-for-${audience}` }));
        },
      });
    },
  };
  return auth;
}

describe('Cloud Run target', () => {
  let service: TestServer;
  beforeAll(async () => {
    service = await startTestServer(echoPredictions((x) => `ok:${String(x)}`));
  });
  beforeEach(() => {
    service.requests.length = 0;
  });
  afterAll(async () => {
    await service.close();
  });

  test('an ID token whose audience is the service URL, one ID-token client per client', async () => {
    const auth = fakeGoogleAuth();
    const client = createPredictionClient<string, string>({ target: { cloudRunUrl: service.origin, authClient: auth } });
    expect(client.url).toBe(`${service.origin}/predict`);
    expect(client.targetKind).toBe('cloud-run');
    expect((await client.predict(['a'])).predictions).toEqual(['ok:a']);
    await client.predict(['b']);
    expect(auth.audiences).toEqual([service.origin]);
    expect(auth.urls).toEqual([`${service.origin}/predict`, `${service.origin}/predict`]);
    expect(service.requests.map((r) => [r.path, r.headers.authorization, r.headers['x-api-key']])).toEqual([
      ['/predict', `Bearer id-token-for-${service.origin}`, undefined],
      ['/predict', `Bearer id-token-for-${service.origin}`, undefined],
    ]);
  });

  test('a custom audience, a predict route, and an idToken function', async () => {
    const seen: string[] = [];
    const client = createPredictionClient({
      target: { cloudRunUrl: `${service.origin}/`, predictRoute: '/v1/classify', audience: 'https://custom.example.com', idToken: (aud) => (seen.push(aud), `fn-${aud}`) },
    });
    expect(client.url).toBe(`${service.origin}/v1/classify`);
    await client.predict(['x']);
    expect(seen).toEqual(['https://custom.example.com']);
    expect(service.requests[0]?.path).toBe('/v1/classify');
    expect(service.requests[0]?.headers.authorization).toBe('Bearer fn-https://custom.example.com');
  });

  test('a cloudRunUrl with a path is the predict URL itself; the audience stays the origin', async () => {
    const auth = fakeGoogleAuth();
    const client = createPredictionClient({ target: { cloudRunUrl: `${service.origin}/models/spam:predict`, authClient: auth } });
    await client.predict(['x']);
    expect(service.requests[0]?.path).toBe('/models/spam:predict');
    expect(auth.audiences).toEqual([service.origin]);
  });

  test('apiKey: x-api-key and no Authorization; apiKey with idToken: both', async () => {
    await createPredictionClient({ target: { cloudRunUrl: service.origin, apiKey: 'k-123' } }).predict(['a']);
    await createPredictionClient({ target: { cloudRunUrl: service.origin, apiKey: 'k-123', idToken: 'tok' } }).predict(['b']);
    expect(service.requests.map((r) => [r.headers['x-api-key'], r.headers.authorization])).toEqual([
      ['k-123', undefined],
      ['k-123', 'Bearer tok'],
    ]);
  });

  test("Google's HTML 403 page: the status, the page title as the message, and the IAM hint", async () => {
    service.handle((_request, res) => {
      res.writeHead(403, { 'content-type': 'text/html; charset=UTF-8' });
      res.end('<html><head><title>403 Forbidden</title></head><body><h1>Error: Forbidden</h1><h2>Your client does not have permission to get URL /predict</h2></body></html>');
    });
    try {
      const client = createPredictionClient({ target: { cloudRunUrl: service.origin, idToken: 'tok' } });
      const error = (await rejectionOf(client.predict(['a']))) as PredictionError;
      expect(PredictionError.isInstance(error)).toBe(true);
      expect(error.status).toBe(403);
      expect(error.serverMessage).toBe('403 Forbidden');
      expect(error.message).toContain('(the caller needs the Cloud Run Invoker role (roles/run.invoker) on the service)');
      expect(error.body).toMatch(/^<html>/);
    } finally {
      service.handle(echoPredictions((x) => `ok:${String(x)}`));
    }
  });

  test('an ID-token source that fails is AUTH_FAILED and is asked again on the next call', async () => {
    let calls = 0;
    const client = createPredictionClient({
      target: {
        cloudRunUrl: service.origin,
        authClient: {
          getIdTokenClient: () => {
            calls += 1;
            return calls === 1 ? Promise.reject(new Error('no service account')) : fakeGoogleAuth().getIdTokenClient(service.origin);
          },
        },
      },
    });
    const error = (await rejectionOf(client.predict(['a']))) as PredictionError;
    expect(error.code).toBe('AUTH_FAILED');
    expect(error.message).toMatch(new RegExp(`^could not get an ID token for ${service.origin}: no service account \\(Application Default Credentials mint ID tokens from a service account key`));
    expect(service.requests).toHaveLength(0);
    await client.predict(['b']);
    expect(calls).toBe(2);
    expect(service.requests).toHaveLength(1);
  });
});

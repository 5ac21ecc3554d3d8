// The real google-auth-library against local servers standing in for Google's: an OAuth token endpoint
// (a UserRefreshClient passed as target.authClient) and the GCE metadata server (Application Default
// Credentials as on Cloud Run / GCE, where the client loads google-auth-library itself, for access and
// ID tokens).
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { GoogleAuth, UserRefreshClient } from 'google-auth-library';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createPredictionClient } from '../src/index.js';
import type { AccessTokenClient, IdTokenClientFactory } from '../src/index.js';
import { echoPredictions, sendJson, startTestServer } from './helpers/http-server.js';
import type { TestServer } from './helpers/http-server.js';

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
/** An unsigned JWT-shaped ID token: google-auth-library reads `exp` from it to cache it. */
const fakeIdToken = (audience: string) => `${b64url({ alg: 'RS256', typ: 'JWT' })}.${b64url({ aud: audience, exp: Math.floor(Date.now() / 1000) + 3600 })}.c2ln`;

let google: TestServer;
let model: TestServer;
let configDir: string;
const savedEnv = { ...process.env };

beforeAll(async () => {
  google = await startTestServer((request, res) => {
    const url = new URL(request.path, 'http://x');
    if (request.method === 'POST' && url.pathname === '/token') {
      const form = new URLSearchParams(request.body);
      if (form.get('grant_type') !== 'refresh_token' || form.get('refresh_token') !== 'refresh-1') return sendJson(res, 400, { error: 'invalid_grant' });
      const audience = form.get('target_audience');
      if (audience) return sendJson(res, 200, { id_token: fakeIdToken(audience), expires_in: 3600, token_type: 'Bearer' });
      return sendJson(res, 200, { access_token: 'ya29.from-refresh-token', expires_in: 3600, token_type: 'Bearer' });
    }
    if (request.headers['metadata-flavor'] !== 'Google') return sendJson(res, 403, { error: 'missing Metadata-Flavor' });
    const flavor = { 'Metadata-Flavor': 'Google' };
    if (url.pathname === '/computeMetadata/v1/instance') {
      res.writeHead(200, flavor);
      return res.end('attributes/\nid\nservice-accounts/\n');
    }
    if (url.pathname === '/computeMetadata/v1/instance/service-accounts/default/token') {
      return sendJson(res, 200, { access_token: 'ya29.from-metadata', expires_in: 3600, token_type: 'Bearer' }, flavor);
    }
    if (url.pathname === '/computeMetadata/v1/instance/service-accounts/default/identity') {
      res.writeHead(200, { ...flavor, 'content-type': 'text/plain' });
      return res.end(fakeIdToken(url.searchParams.get('audience') ?? ''));
    }
    res.writeHead(404, flavor);
    res.end('not found');
  }, '');
  model = await startTestServer(echoPredictions((x) => String(x).length));
  // Application Default Credentials, as on Google Cloud: no key file, no gcloud login, a metadata server.
  configDir = await fs.mkdtemp(path.join(os.tmpdir(), 'vk-client-gcloud-'));
  delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
  process.env.CLOUDSDK_CONFIG = configDir;
  process.env.GCE_METADATA_HOST = `127.0.0.1:${google.port}`;
  // Else google-auth-library spends over a second looking for a project id the token does not need.
  process.env.GOOGLE_CLOUD_PROJECT = 'p';
});

afterAll(async () => {
  process.env = savedEnv;
  await Promise.all([google.close(), model.close(), fs.rm(configDir, { recursive: true, force: true })]);
});

const vertexPath = '/v1/projects/p/locations/us-central1/endpoints/123:predict';

describe('google-auth-library, loaded by the client', () => {
  test('the option types accept google-auth-library objects as they are', () => {
    const auth: AccessTokenClient & IdTokenClientFactory = new GoogleAuth();
    const client: AccessTokenClient = new UserRefreshClient();
    expect([typeof auth.getIdTokenClient, typeof client.getAccessToken]).toEqual(['function', 'function']);
  });

  test('Vertex AI: a UserRefreshClient as authClient -> refresh at the token endpoint -> Bearer access token, cached', async () => {
    const authClient = new UserRefreshClient({
      clientId: 'client-1',
      clientSecret: 'secret-1',
      refreshToken: 'refresh-1',
      endpoints: { oauth2TokenUrl: `${google.origin}/token` },
    });
    const client = createPredictionClient({ target: { vertexEndpoint: 'projects/p/locations/us-central1/endpoints/123', baseUrl: model.origin, authClient } });
    expect((await client.predict(['abc'])).predictions).toEqual([3]);
    await client.predict(['de']);
    const toModel = model.requests.filter((r) => r.path === vertexPath);
    expect(toModel.map((r) => r.headers.authorization)).toEqual(['Bearer ya29.from-refresh-token', 'Bearer ya29.from-refresh-token']);
    expect(google.requests.filter((r) => r.path === '/token')).toHaveLength(1);
  });

  test('Cloud Run: a GoogleAuth over user credentials as authClient -> an ID token for the service URL', async () => {
    model.requests.length = 0;
    const authClient = new GoogleAuth({
      authClient: new UserRefreshClient({ clientId: 'client-1', clientSecret: 'secret-1', refreshToken: 'refresh-1', endpoints: { oauth2TokenUrl: `${google.origin}/token` } }),
    });
    const client = createPredictionClient({ target: { cloudRunUrl: model.origin, authClient } });
    await client.predict(['a']);
    const sent = model.requests[0]?.headers.authorization ?? '';
    expect(JSON.parse(Buffer.from(sent.split('.')[1] ?? '', 'base64url').toString())).toMatchObject({ aud: model.origin });
    const asked = google.requests.filter((r) => r.path === '/token' && r.body.includes('target_audience'));
    expect(asked.map((r) => new URLSearchParams(r.body).get('target_audience'))).toEqual([model.origin]);
  });

  test('Vertex AI: Application Default Credentials from the metadata server', async () => {
    model.requests.length = 0;
    const client = createPredictionClient({ target: { vertexEndpoint: 'projects/p/locations/us-central1/endpoints/123', baseUrl: model.origin } });
    await client.predict(['x']);
    expect(model.requests[0]?.headers.authorization).toBe('Bearer ya29.from-metadata');
  });

  test('Cloud Run: an ID token for the service URL from the metadata server, fetched once', async () => {
    model.requests.length = 0;
    const client = createPredictionClient({ target: { cloudRunUrl: model.origin } });
    await client.predict(['a']);
    await client.predict(['b']);
    const identity = google.requests.filter((r) => r.path.startsWith('/computeMetadata/v1/instance/service-accounts/default/identity'));
    expect(identity.map((r) => new URL(r.path, 'http://x').searchParams.get('audience'))).toEqual([model.origin]);
    const [first, second] = model.requests.map((r) => r.headers.authorization);
    expect(first).toMatch(/^Bearer [\w-]+\.[\w-]+\.c2ln$/);
    expect(second).toBe(first);
    const payload = JSON.parse(Buffer.from(first?.split('.')[1] ?? '', 'base64url').toString()) as { aud: string };
    expect(payload.aud).toBe(model.origin);
  });
});

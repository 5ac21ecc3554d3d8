// Media requests bypass the official client's request stack (see gcs-media.ts), so they must carry
// the same credentials it would: a real google-auth-library client, its token on every request.
import { randomUUID } from 'node:crypto';
import { Storage as GcsClient } from '@google-cloud/storage';
import { GoogleAuth, OAuth2Client } from 'google-auth-library';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
// @ts-expect-error -- plain ESM module with a .d.ts beside it, outside this package's rootDir.
import { startFaultProxy } from '../../../tools/fault-proxy/index.mjs';
import type { FaultProxy } from '../../../tools/fault-proxy/index.d.ts';
import { createStorage, readText, stat, writeText } from '../src/index.js';

let proxy: FaultProxy;
beforeAll(async () => {
  proxy = await (startFaultProxy as (o: { target: string }) => Promise<FaultProxy>)({ target: inject('gcsEmulatorUrl') });
});
afterAll(() => proxy.stop());

test('uploads, downloads and metadata calls all send the OAuth token of the configured credentials', async () => {
  delete process.env.STORAGE_EMULATOR_HOST;
  const oauth = new OAuth2Client();
  oauth.setCredentials({ access_token: 'test-token-123', expiry_date: Date.now() + 3_600_000 });
  const client = new GcsClient({
    projectId: 'demo-vertexkit',
    apiEndpoint: proxy.url,
    // An apiEndpoint other than Google's skips auth unless told otherwise; production never sets it.
    useAuthWithCustomEndpoint: true,
    authClient: new GoogleAuth({ authClient: oauth }),
  });
  const storage = createStorage({ client });
  const uri = `gs://vertexkit-test/auth-${randomUUID()}/hello.txt`;
  await writeText({ to: uri, text: 'hi', storage });
  expect(await readText({ from: uri, storage })).toBe('hi');
  expect((await stat({ from: uri, storage })).size).toBe(2);
  const kinds = proxy.requests.map((r) => `${r.method} ${r.url.split('?')[0]?.replace(/\/o\/.*/, '/o/…')}`);
  expect(kinds).toContain('POST /upload/storage/v1/b/vertexkit-test/o');
  expect(kinds).toContain('GET /storage/v1/b/vertexkit-test/o/…');
  expect(proxy.requests.length).toBeGreaterThanOrEqual(3);
  for (const request of proxy.requests) expect(request.authorization, `${request.method} ${request.url}`).toBe('Bearer test-token-123');
});

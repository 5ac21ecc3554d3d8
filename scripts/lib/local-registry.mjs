// A throwaway npm registry (verdaccio, in this process) for release checks.
//
// Offline by construction: no uplinks, so it serves only what is published to it, unless `upstream` is given: then
// every name outside `ownPackages` is proxied to that registry (what npm uses anyway), so that a client can use this
// registry for everything, as `npm create vertexkit` does, while the own packages still come only from here (they
// have no proxy). Storage, config and htpasswd live in `dir`. Anyone may publish `@vertexkit/*` packages, but npm itself refuses to
// publish without credentials, so clients still need a (dummy) `_authToken` for the registry URL.
/* global fetch, URL, AbortSignal, setTimeout */
import fs from 'node:fs/promises';
import path from 'node:path';

/**
 * @param {{ dir: string, scope?: string, ownPackages?: string[], upstream?: string, logLevel?: string }} options
 * @returns {Promise<{ url: string, port: number, stop: () => Promise<void> }>}
 */
export async function startLocalRegistry({ dir, scope = '@vertexkit', ownPackages = [], upstream, logLevel = 'warn' }) {
  const storage = path.join(dir, 'storage');
  await fs.mkdir(storage, { recursive: true });
  const config = {
    storage,
    auth: { htpasswd: { file: path.join(dir, 'htpasswd'), max_users: -1 } },
    uplinks: upstream ? { upstream: { url: upstream, cache: false, timeout: '120s', max_fails: 5 } } : {},
    packages: {
      [`${scope}/*`]: { access: '$all', publish: '$all', unpublish: '$all' },
      ...Object.fromEntries(ownPackages.map((name) => [name, { access: '$all', publish: '$all', unpublish: '$all' }])),
      ...(upstream ? { '**': { access: '$all', proxy: 'upstream' } } : {}),
    },
    web: { enable: false },
    middlewares: { audit: { enabled: false } },
    max_body_size: '200mb',
    log: { type: 'stdout', format: 'pretty', level: logLevel },
  };
  // YAML is a superset of JSON, so JSON is a valid config.yaml.
  const configPath = path.join(dir, 'config.yaml');
  await fs.writeFile(configPath, JSON.stringify(config, null, 2));

  // Loaded lazily: verdaccio is a large CommonJS tree that only this step needs.
  const { runServer } = await import('verdaccio');
  const server = await runServer(configPath);
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    // Port 0: the OS picks a free port, so there is no race between choosing and binding it.
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address();
  const url = `http://127.0.0.1:${port}/`;

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    server.closeAllConnections?.();
    await new Promise((resolve) => server.close(() => resolve()));
  };

  try {
    await waitForPing(url, 15_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, port, stop };
}

async function waitForPing(url, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(new URL('-/ping', url), { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return;
      lastError = new Error(`HTTP ${res.status}`);
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`local registry at ${url} did not answer /-/ping within ${timeoutMs} ms: ${lastError?.message}`);
}

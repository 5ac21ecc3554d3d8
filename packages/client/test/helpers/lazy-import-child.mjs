// Run by lazy-import.test.ts in a fresh Node process: records every module Node resolves (ESM imports
// and CommonJS requires alike, through a resolve hook) while it imports the client and makes one
// prediction against a local server, then prints what it saw as one JSON line.
//
//   node lazy-import-child.mjs <entry: the package's src/index.ts or dist file> <mode>
//
// The hook also maps the `.js` suffixes of relative imports to the `.ts` sources (Node 24 strips types).
/* global process, console */
import http from 'node:http';
import { createRequire, registerHooks } from 'node:module';

const resolved = [];
registerHooks({
  resolve(specifier, context, nextResolve) {
    let result;
    try {
      result = nextResolve(specifier, context);
    } catch (error) {
      if (!((specifier.startsWith('./') || specifier.startsWith('../')) && specifier.endsWith('.js'))) throw error;
      result = nextResolve(`${specifier.slice(0, -3)}.ts`, context);
    }
    resolved.push(result.url);
    return result;
  },
});

const require = createRequire(import.meta.url);
const googleModules = () => ({
  resolved: resolved.filter((url) => url.includes('/google-auth-library/')).length,
  required: Object.keys(require.cache).filter((file) => file.includes('/google-auth-library/')).length,
});

const [entry, mode] = process.argv.slice(2);
const { createPredictionClient } = await import(entry);
const afterImport = googleModules();

const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    const { instances } = JSON.parse(body);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ predictions: instances.map((x) => String(x).toUpperCase()) }));
  });
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const origin = `http://127.0.0.1:${server.address().port}`;

const targets = {
  url: { url: `${origin}/predict` },
  'cloud-run-api-key': { cloudRunUrl: origin, apiKey: 'key-1' },
  'vertex-access-token': { vertexEndpoint: 'projects/p/locations/us-central1/endpoints/1', baseUrl: origin, accessToken: 'token-1' },
  // Application Default Credentials with a key file that does not exist: google-auth-library must be
  // loaded to find that out (the positive control: proves the recording sees it when it happens).
  'vertex-adc': { vertexEndpoint: 'projects/p/locations/us-central1/endpoints/1', baseUrl: origin },
};
let outcome;
try {
  const client = createPredictionClient({ target: targets[mode], retry: false });
  outcome = { predictions: (await client.predict(['a', 'b'])).predictions };
} catch (error) {
  outcome = { error: error.code ?? error.message };
}
server.close();
console.log(JSON.stringify({ afterImport, afterUse: googleModules(), outcome, modules: resolved.length }));

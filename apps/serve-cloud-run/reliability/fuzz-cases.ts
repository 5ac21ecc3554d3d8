// Kinds of bad requests a server meets, each a generator of variants (seeded), with what the error must name.
import net from 'node:net';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';

/** One request to send. */
export interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
}

/** A kind of bad request. */
export interface FuzzKind {
  name: string;
  /** The `n`-th variant, from a seeded random source in [0, 1). */
  make(random: () => number, n: number): FuzzRequest;
  /** What the error message must contain (its field or the problem); undefined: any non-empty message. */
  names?: RegExp;
  /** The server may answer before the body is sent and close the connection (an oversized body). */
  earlyAnswer?: boolean;
}

/** Sends `request` on a socket of its own and reads the answer even if the server closes while the body is being written. */
export function rawRequest(base: string, request: FuzzRequest): Promise<Response | Error> {
  const url = new URL(base);
  const body = request.body === undefined ? Buffer.alloc(0) : Buffer.from(request.body);
  return new Promise((resolve) => {
    const socket = net.connect(Number(url.port), url.hostname);
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString();
      const [head = '', ...rest] = text.split('\r\n\r\n');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]);
      if (!status) {
        resolve(new Error(`no answer before the connection closed (${text.length} bytes read)`));
        return;
      }
      const headers = new Headers(head.split('\r\n').slice(1).map((line) => line.split(/:\s*/, 2) as [string, string]));
      resolve(new Response(rest.join('\r\n\r\n'), { status, headers }));
    });
    const headers = Object.entries({ host: url.host, ...request.headers, 'content-length': String(body.length), connection: 'close' }).map(([k, v]) => `${k}: ${v}`);
    socket.write(`${request.method} ${request.path} HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\n`);
    socket.end(body);
  });
}

const json = (body: unknown): FuzzRequest => ({ method: 'POST', path: '/predict', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const pick = <T>(random: () => number, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const garbage = (random: () => number, length: number): string => Array.from({ length }, () => String.fromCodePoint(Math.floor(random() * 0xd7ff) + 1)).join('');

/** Seeded uniform numbers in [0, 1). */
export function seeded(seed: number): () => number {
  const generator = xoroshiro128plus(seed);
  return () => uniformFloat64(generator);
}

export const FUZZ_KINDS: FuzzKind[] = [
  { name: 'not JSON', make: (r) => ({ method: 'POST', path: '/predict', headers: { 'content-type': 'application/json' }, body: `{"instances": [${garbage(r, 20)}` }), names: /body|JSON/i },
  { name: 'random bytes', make: (r) => ({ method: 'POST', path: '/predict', headers: { 'content-type': 'application/json' }, body: Buffer.from(Array.from({ length: 64 }, () => Math.floor(r() * 256))) }), names: /body|JSON|UTF|unexpected/i },
  { name: 'empty body', make: () => ({ method: 'POST', path: '/predict', headers: { 'content-type': 'application/json' }, body: '' }), names: /body/i },
  { name: 'wrong content type', make: (r) => ({ method: 'POST', path: '/predict', headers: { 'content-type': pick(r, ['text/plain', 'application/xml', 'multipart/form-data; boundary=x']) }, body: '{"instances": ["hi"]}' }), names: /content type|Content-Type/i },
  { name: 'body is not an object', make: (r) => json(pick(r, [[1, 2], 'text', 42, null, true])), names: /body/ },
  { name: 'no instances', make: (r) => json(pick(r, [{}, { instance: ['a'] }, { inputs: ['a'] }, { instances: [] }])), names: /instances/ },
  { name: 'instances not an array', make: (r) => json({ instances: pick(r, ['a text', 7, { text: 'a' }, null]) }), names: /instances/ },
  { name: 'instance of the wrong type', make: (r) => json({ instances: ['fine', pick(r, [1, true, null, ['nested'], { txt: 'x' }, { text: 5 }])] }), names: /instances\[1\]/ },
  { name: 'parameters of the wrong type', make: (r) => json({ instances: ['a'], parameters: pick(r, [[1], 'top_k', 3]) }), names: /parameters/ },
  { name: 'bad top_k', make: (r) => json({ instances: ['a'], parameters: { top_k: pick(r, [0, -1, 1.5, '2', 1e308, 'x']) } }), names: /parameters\.top_k/ },
  { name: 'unknown parameter', make: (r) => json({ instances: ['a'], parameters: { [pick(r, ['topk', 'k', 'num_beams', 'temperature'])]: 1 } }), names: /parameters\./ },
  { name: 'threshold on a single-label model', make: (r) => json({ instances: ['a'], parameters: { threshold: r() } }), names: /parameters\.threshold/ },
  { name: 'too many instances', make: () => json({ instances: Array.from({ length: 5000 }, (_, i) => `text ${i}`) }), names: /instances/ },
  { name: 'oversized body', make: (r) => json({ instances: [garbage(r, 8) + 'x'.repeat(2 * 1024 * 1024)] }), names: /body|bytes/i, earlyAnswer: true },
  { name: 'deeply nested', make: () => ({ method: 'POST', path: '/predict', headers: { 'content-type': 'application/json' }, body: `{"instances": [${'['.repeat(5000)}${']'.repeat(5000)}]}` }), names: /instances|body/ },
  { name: 'unicode and control characters', make: (r) => json({ instances: [garbage(r, 200), '\u0000\u0001\u200b\ud83d\ude00', { text: garbage(r, 50) }], parameters: { top_k: 9 } }) },
  { name: 'wrong route', make: (r) => ({ method: 'POST', path: pick(r, ['/predic', '/v1/predict', '/predict/x', '/%ZZ']), headers: { 'content-type': 'application/json' }, body: '{"instances": ["a"]}' }), names: /route|path|URL/i },
  { name: 'wrong method', make: (r) => ({ method: pick(r, ['GET', 'PUT', 'DELETE', 'PATCH']), path: '/predict', headers: {} }), names: /(GET|PUT|DELETE|PATCH) is not allowed on \/predict; use POST/ },
  { name: 'duplicate and odd keys', make: () => ({ method: 'POST', path: '/predict', headers: { 'content-type': 'application/json' }, body: '{"instances": ["a"], "instances": 5, "__proto__": {"x": 1}}' }), names: /instances|__proto__/ },
  { name: 'huge numbers and exponents', make: (r) => ({ method: 'POST', path: '/predict', headers: { 'content-type': 'application/json' }, body: `{"instances": ["a"], "parameters": {"top_k": 1e${Math.floor(r() * 400)}}}` }), names: /parameters\.top_k/ },
];

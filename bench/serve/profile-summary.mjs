// Summarizes a .cpuprofile of the server child (SERVER_CPU_PROF=<dir> node bench/serve/run.mjs writes one per
// load point, covering its measured window, and prints this summary):
// where the main thread's time went, by package / Node subsystem, plus the heaviest functions.
//
//   node bench/serve/profile-summary.mjs <file.cpuprofile, or a dir: its last one> [top=25]
//
// "By component" counts each sample once, native code (writev, regexps, the ONNX Runtime binding) with the JS that
// called it; "self time" is the code that was on the CPU; "inclusive" lines add callees, for a few entry points
// worth knowing. Only the main thread is sampled: ONNX Runtime's extra intra-op threads (if any) and V8's GC
// helper threads do not show up. onnxruntime-node 1.30 runs session.run synchronously on the main thread, so with
// one intra-op thread the whole model run is in this profile.
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SPECIAL = new Set(['(idle)', '(garbage collector)', '(program)', '(root)']);

/** Coarser groups of {@link category}. */
function COMPONENTS(cat) {
  if (['node:http', 'node:net + streams', 'node:events', 'node:internal/http', 'node:internal/dns'].includes(cat)) return 'node HTTP + sockets (parser, streams, writev)';
  if (/^(fastify|@fastify\/.*|find-my-way|avvio|light-my-request|fast-json-stringify|secure-json-parse|toad-cache|process-warning|abstract-logging|fast-querystring|fast-decode-uri-component|pino.*)$/.test(cat)) return 'fastify (routing, hooks, reply)';
  if (cat === '@huggingface/tokenizers') return 'tokenizing (@huggingface/tokenizers)';
  if (cat.startsWith('onnxruntime')) return 'ONNX Runtime (session.run, synchronous on this thread)';
  if (cat === 'prom-client' || cat === 'bintrees' || cat === 'tdigest') return 'metrics (prom-client)';
  if (cat === '@vertexkit/serve') return '@vertexkit/serve (server, batcher, handler)';
  if (cat === 'node: timers + microtasks') return 'node timers + nextTick/microtask queues';
  if (cat === 'node:internal/crypto') return 'crypto (request ids)';
  if (cat === 'node:internal/abort_controller' || cat === 'node:internal/event_target') return 'AbortController + EventTarget';
  if (cat === 'GC' || cat === '(idle)') return cat;
  if (cat === '(program: native, not JS)') return '(program: native, not attributed)';
  return `other: ${cat}`;
}

/** Which bucket a call frame's self time goes to. */
function category({ url, functionName }) {
  if (!url) {
    if (functionName === '(idle)') return '(idle)';
    if (functionName === '(garbage collector)') return 'GC';
    if (functionName === '(program)') return '(program: native, not JS)';
    if (functionName === '(root)') return '(root)';
    return `native: ${functionName || '(anonymous)'}`;
  }
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (match) {
    const pkg = match[1];
    if (pkg === '@vertexkit/serve' || url.includes('packages/serve/')) return '@vertexkit/serve';
    return pkg;
  }
  if (url.includes('packages/serve/')) return '@vertexkit/serve';
  if (url.startsWith('node:')) {
    const module = url.slice(5);
    if (/^(_http_|http)/.test(module)) return 'node:http';
    if (/^(net|stream|internal\/streams|internal\/stream_base_commons)/.test(module)) return 'node:net + streams';
    if (/^internal\/(timers|process\/task_queues|async_hooks|process\/promises)/.test(module) || module === 'timers') return 'node: timers + microtasks';
    return `node:${module.split('/').slice(0, 2).join('/')}`;
  }
  return url;
}

export function summarize(profile, { top = 25, file = '' } = {}) {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    self.set(id, (self.get(id) ?? 0) + dt);
    total += dt;
  });

  const byCategory = new Map();
  const byFunction = new Map();
  for (const [id, us] of self) {
    const frame = nodes.get(id).callFrame;
    const cat = category(frame);
    byCategory.set(cat, (byCategory.get(cat) ?? 0) + us);
    const key = `${frame.functionName || '(anonymous)'}  ${frame.url ? `${frame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/packages\//, 'packages/')}:${frame.lineNumber + 1}` : ''}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
  }
  const idle = byCategory.get('(idle)') ?? 0;
  const busy = total - idle;
  const pct = (us, of) => `${((100 * us) / of).toFixed(1).padStart(5)}%`;

  // Components: native frames (writev, regexps, the ORT binding) folded into the JS that called them.
  const byComponent = new Map();
  profile.samples.forEach((id, i) => {
    let at = id;
    while (parent.has(at) && !nodes.get(at).callFrame.url && !SPECIAL.has(nodes.get(at).callFrame.functionName)) at = parent.get(at);
    const component = COMPONENTS(category(nodes.get(at).callFrame));
    byComponent.set(component, (byComponent.get(component) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });

  console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy (${pct(busy, total).trim()} of the main thread)`);
  console.log('\nby component (native code counted with its JS caller; share of busy time)');
  for (const [component, us] of [...byComponent].filter(([c]) => c !== '(idle)').sort((a, b) => b[1] - a[1])) {
    console.log(`  ${pct(us, busy)}  ${(us / 1e3).toFixed(0).padStart(7)} ms  ${component}`);
  }
  console.log('\nself time by package / subsystem');
  for (const [cat, us] of [...byCategory].filter(([c]) => c !== '(idle)').sort((a, b) => b[1] - a[1]).slice(0, 12)) {
    console.log(`  ${pct(us, busy)}  ${(us / 1e3).toFixed(0).padStart(7)} ms  ${cat}`);
  }
  console.log(`\ntop ${top} functions by self time`);
  for (const [key, us] of [...byFunction].filter(([k]) => !k.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`  ${pct(us, busy)}  ${key}`);
  }

  // Inclusive time of frames matching a predicate (each sample counted once, even under recursion).
  const inclusive = (predicate) => {
    let us = 0;
    profile.samples.forEach((id, i) => {
      for (let at = id; at !== undefined; at = parent.get(at)) {
        if (predicate(nodes.get(at).callFrame)) {
          us += profile.timeDeltas[i] ?? 0;
          break;
        }
      }
    });
    return us;
  };
  const entries = [
    ['tokenizing (@huggingface/tokenizers)', (f) => f.url.includes('@huggingface/tokenizers')],
    ['ONNX Runtime (session.run, tensors)', (f) => f.url.includes('onnxruntime-')],
    ['handler.run (tokenizing, tensors, session.run, logits)', (f) => f.functionName === 'run' && /packages\/serve\//.test(f.url)],
    ['the predict route (parse instances, submit, postprocess)', (f) => f.functionName === 'predict' && /packages\/serve\//.test(f.url)],
    ['prom-client (metrics)', (f) => f.url.includes('prom-client')],
    ['socket writes (writev/writeGeneric)', (f) => /^(writevGeneric|writeGeneric|handleWriteReq)$/.test(f.functionName)],
    ['GC', (f) => f.functionName === '(garbage collector)'],
  ];
  console.log('\ninclusive time (callees included; overlapping)');
  for (const [label, predicate] of entries) {
    const us = inclusive(predicate);
    if (us > 0) console.log(`  ${pct(us, busy)}  ${label}`);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [target, topArg] = process.argv.slice(2);
  if (!target) {
    console.error('usage: node bench/serve/profile-summary.mjs <dir or file.cpuprofile> [top]');
    process.exit(2);
  }
  let file = target;
  if ((await fs.stat(target)).isDirectory()) {
    const files = (await fs.readdir(target)).filter((f) => f.endsWith('.cpuprofile')).sort();
    if (files.length === 0) throw new Error(`no .cpuprofile in ${target}`);
    file = path.join(target, files[files.length - 1]);
  }
  summarize(JSON.parse(await fs.readFile(file, 'utf8')), { top: Number(topArg ?? 25), file });
}

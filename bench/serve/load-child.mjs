// The load generator, in a process of its own so it never shares an event loop with the server: a closed loop of
// `concurrency` keep-alive HTTP/1.1 connections, each sending one request, waiting for its answer, sending the
// next (as autocannon and wrk do; so latencies are service times under that concurrency, not open-loop arrival
// latencies). One text per request, cycling through the bench texts.
//
// The default client writes pre-encoded requests straight to net.Socket and reads just enough of the response
// (status line, Content-Length) to know where it ends: it costs a few microseconds per request, so it leaves as
// much of the machine as possible to the server. LOADGEN=http uses node:http with a keep-alive Agent instead (a
// cross-check, and what most Node clients cost).
//
// IPC from bench/serve/run.mjs: { type: 'run', url, path, concurrency, warmupMs, durationMs, bodies }.
// To it: { type: 'window-start' } and { type: 'window-end' } around the measured window, then
// { type: 'result', ... } and exit.
import http from 'node:http';
import net from 'node:net';

const DRAIN_TIMEOUT_MS = 60_000;
const RAMP_LIMIT_MS = 30_000;

process.once('message', (message) => {
  run(message).then(
    (result) => {
      process.send({ type: 'result', ...result }, () => process.exit(0));
    },
    (error) => {
      process.send({ type: 'error', message: String(error?.stack ?? error) }, () => process.exit(1));
    },
  );
});

async function run({ url, path, concurrency, warmupMs, durationMs, bodies, client = process.env.LOADGEN ?? 'raw' }) {
  const { hostname, port } = new URL(url);
  const state = {
    phase: 'warmup',
    windowStart: 0,
    windowEnd: 0,
    next: 0,
    latencies: [],
    statuses: {},
    checked: 0,
    badBodies: 0,
    connectionErrors: 0,
    cpuStart: undefined,
    cpuEnd: undefined,
  };
  const pickBody = () => bodies[state.next++ % bodies.length];
  const record = (worker, status, latencyMs, bodyText) => {
    worker.firstAnswerAt ??= performance.now();
    if (state.phase !== 'measure') return;
    worker.answered++;
    state.statuses[status] = (state.statuses[status] ?? 0) + 1;
    if (status === 200) state.latencies.push(latencyMs);
    // Spot-check that answers are predictions, not error pages that happen to be fast.
    if (bodyText !== undefined) {
      state.checked++;
      try {
        const parsed = JSON.parse(bodyText());
        if (!Array.isArray(parsed.predictions) || parsed.predictions.length !== 1 || !Array.isArray(parsed.predictions[0].labels)) state.badBodies++;
      } catch {
        state.badBodies++;
      }
    }
  };

  const workers = [];
  const start = performance.now();
  for (let i = 0; i < concurrency; i++) {
    const worker = client === 'http' ? httpWorker({ hostname, port, path, concurrency, state, pickBody, record }) : rawWorker({ hostname, port, path, state, pickBody, record });
    worker.answered = 0;
    workers.push(worker);
  }

  // Warm-up lasts at least warmupMs and until every connection has had an answer (up to RAMP_LIMIT_MS more): a
  // server whose event loop is blocked accepts new connections slowly, and the window should see all of them.
  await sleep(warmupMs);
  while (workers.some((w) => w.firstAnswerAt === undefined) && performance.now() - start < warmupMs + RAMP_LIMIT_MS) await sleep(50);
  const unanswered = workers.filter((w) => w.firstAnswerAt === undefined).length;
  state.phase = 'measure';
  state.windowStart = performance.now();
  state.cpuStart = process.cpuUsage();
  process.send({ type: 'window-start' });
  await sleep(durationMs);
  state.windowEnd = performance.now();
  state.cpuEnd = process.cpuUsage(state.cpuStart);
  state.phase = 'stopping';
  process.send({ type: 'window-end' });

  // Let requests in flight finish, so the next point starts on an idle server.
  const drained = await Promise.race([Promise.all(workers.map((w) => w.done)).then(() => true), sleep(DRAIN_TIMEOUT_MS).then(() => false)]);
  for (const worker of workers) worker.close();

  const seconds = (state.windowEnd - state.windowStart) / 1000;
  const sorted = Float64Array.from(state.latencies).sort();
  const pct = (p) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]);
  const ok = sorted.length;
  const total = Object.values(state.statuses).reduce((a, b) => a + b, 0);
  return {
    client,
    concurrency,
    seconds,
    requests: total,
    ok,
    requestsPerSecond: ok / seconds,
    statuses: state.statuses,
    connectionErrors: state.connectionErrors,
    checkedBodies: state.checked,
    badBodies: state.badBodies,
    latencyMs: { p50: pct(50), p90: pct(90), p99: pct(99), max: sorted[sorted.length - 1] ?? NaN, mean: ok ? sorted.reduce((a, b) => a + b, 0) / ok : NaN },
    // The load generator's own CPU: on a 2-core machine it is taken from the server.
    cpuSeconds: (state.cpuEnd.user + state.cpuEnd.system) / 1e6,
    drained,
    // From the first connect to the first answer on the last connection; connections still unanswered when the
    // window started (after the longest warm-up).
    allAnsweredMs: unanswered ? NaN : Math.max(...workers.map((w) => w.firstAnswerAt)) - start,
    unanswered,
    // Fairness: answers per connection in the window (a starved connection shows as a low minimum).
    perConnection: { min: Math.min(...workers.map((w) => w.answered)), max: Math.max(...workers.map((w) => w.answered)) },
    startedAfterMs: state.windowStart - start,
  };
}

/** One keep-alive connection written to directly: pre-encoded request bytes, minimal response framing. */
function rawWorker({ hostname, port, path, state, pickBody, record }) {
  const requests = new Map();
  const requestFor = (body) => {
    let bytes = requests.get(body);
    if (!bytes) {
      const payload = Buffer.from(body);
      const head = `POST ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Type: application/json\r\nContent-Length: ${payload.length}\r\n\r\n`;
      bytes = Buffer.concat([Buffer.from(head, 'latin1'), payload]);
      requests.set(body, bytes);
    }
    return bytes;
  };

  let resolveDone;
  const done = new Promise((resolve) => (resolveDone = resolve));
  let socket;
  let buffer;
  let headerEnd = -1;
  let total = 0;
  let status = 0;
  let closeAfter = false;
  let sentAt = 0;
  let inFlight = false;
  let responses = 0;

  const send = () => {
    if (state.phase === 'stopping') {
      resolveDone();
      return;
    }
    inFlight = true;
    sentAt = performance.now();
    socket.write(requestFor(pickBody()));
  };
  const connect = () => {
    buffer = undefined;
    headerEnd = -1;
    socket = net.connect({ host: hostname, port: Number(port), noDelay: true });
    socket.once('connect', send);
    socket.on('data', onData);
    socket.on('error', () => undefined);
    socket.once('close', () => {
      if (inFlight) {
        inFlight = false;
        state.connectionErrors++;
      }
      if (state.phase === 'stopping') resolveDone();
      else setTimeout(connect, 10);
    });
  };
  const onData = (chunk) => {
    buffer = buffer ? Buffer.concat([buffer, chunk]) : chunk;
    if (headerEnd < 0) {
      headerEnd = buffer.indexOf('\r\n\r\n');
      if (headerEnd < 0) return;
      const head = buffer.toString('latin1', 0, headerEnd);
      status = Number(head.slice(9, 12));
      const length = /\r\ncontent-length:[ \t]*(\d+)/i.exec(head);
      if (!length) throw new Error(`load-child: a response without Content-Length:\n${head}`);
      total = headerEnd + 4 + Number(length[1]);
      closeAfter = /\r\nconnection:[ \t]*close/i.test(head);
    }
    if (buffer.length < total) return;
    const latency = performance.now() - sentAt;
    inFlight = false;
    const body = buffer;
    const bodyStart = headerEnd + 4;
    // Parse every 500th body per connection (and the first): cheap enough not to load the client.
    record(self, status, latency, responses++ % 500 === 0 ? () => body.toString('utf8', bodyStart, total) : undefined);
    if (buffer.length > total) throw new Error('load-child: more bytes than one response; the server answered something not asked for');
    buffer = undefined;
    headerEnd = -1;
    if (closeAfter) socket.destroy();
    else send();
  };
  connect();
  const self = { done, close: () => socket.destroy() };
  return self;
}

/** The same closed loop through node:http and a keep-alive Agent. */
function httpWorker({ hostname, port, path, concurrency, state, pickBody, record }) {
  const agent = (httpWorker.agent ??= new http.Agent({ keepAlive: true, maxSockets: concurrency }));
  let resolveDone;
  const done = new Promise((resolve) => (resolveDone = resolve));
  let responses = 0;
  const send = () => {
    if (state.phase === 'stopping') {
      resolveDone();
      return;
    }
    const body = pickBody();
    const sentAt = performance.now();
    const request = http.request(
      { host: hostname, port, path, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (response) => {
        const chunks = [];
        response.on('data', (chunk) => chunks.push(chunk));
        response.on('end', () => {
          const latency = performance.now() - sentAt;
          record(self, response.statusCode, latency, responses++ % 500 === 0 ? () => Buffer.concat(chunks).toString('utf8') : undefined);
          send();
        });
      },
    );
    request.on('error', () => {
      state.connectionErrors++;
      setTimeout(send, 10);
    });
    request.end(body);
  };
  const self = { done, close: () => agent.destroy() };
  send();
  return self;
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

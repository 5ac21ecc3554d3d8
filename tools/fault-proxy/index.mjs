// A reverse proxy on 127.0.0.1 that forwards to `target` and injects faults chosen by rules
// the test swaps at runtime: error statuses, connection resets before a request or in the
// middle of a response body, throttled bodies and corrupted bytes. No dependencies.
import http from 'node:http';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';

// Hop-by-hop headers describe one connection and must not be forwarded (RFC 9110 7.6.1).
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'upgrade'];

function stripHopByHop(headers) {
  const out = { ...headers };
  for (const name of String(headers.connection ?? '').split(',')) delete out[name.trim().toLowerCase()];
  for (const name of HOP_BY_HOP) delete out[name];
  return out;
}

function matches(rule, req) {
  const m = rule.match ?? {};
  if (m.method && m.method.toUpperCase() !== req.method) return false;
  if (m.path instanceof RegExp) {
    m.path.lastIndex = 0; // a /g or /y regexp would otherwise remember the previous match
    if (!m.path.test(req.url)) return false;
  } else if (m.path != null && !req.url.includes(m.path)) return false;
  return true;
}

// Resolves when `res` can take more data, or is gone (a plain once('drain') would hang then).
function writable(res) {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done).off('close', done);
      resolve();
    };
    res.on('drain', done).on('close', done);
  });
}

/** @param {{ target: string }} options */
export async function startFaultProxy({ target }) {
  const upstream = new URL(target);
  const basePath = upstream.pathname.replace(/\/$/, '');
  // A fresh upstream connection per request: a reused keep-alive socket that the target has
  // just timed out would fail with a 502 that no rule asked for.
  const agent = new http.Agent({ keepAlive: false });
  /** @type {{ rule: any, left: number }[]} */
  let active = [];
  const requests = [];
  let proxyOrigin = '';

  function takeFault(req) {
    const hit = active.find((a) => a.left > 0 && matches(a.rule, req));
    if (!hit) return undefined;
    hit.left -= 1;
    return hit.rule.fault;
  }

  const server = http.createServer((req, res) => {
    const fault = takeFault(req);
    const entry = { method: req.method, url: req.url, authorization: req.headers.authorization, ...(fault && { fault: fault.type }) };
    requests.push(entry);

    if (fault?.type === 'reset-before') {
      // resetAndDestroy sends a TCP RST, so the client sees ECONNRESET rather than a clean close.
      if (req.socket.resetAndDestroy) req.socket.resetAndDestroy();
      else req.socket.destroy();
      return;
    }
    if (fault?.type === 'status') {
      entry.status = fault.status;
      req.resume(); // drain the upload so the client can read our answer
      const body = JSON.stringify({
        error: { code: fault.status, message: `fault-proxy: injected ${fault.status}`, errors: [{ reason: 'injected', message: 'fault-proxy' }] },
      });
      const headers = { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(body) };
      if (fault.retryAfter != null) headers['retry-after'] = String(fault.retryAfter);
      res.writeHead(fault.status, headers).end(body);
      return;
    }

    if (fault?.type === 'delay') {
      // A network round trip, modelled: hold the request, then forward it untouched.
      req.pause();
      setTimeout(() => forward(req, res, entry, undefined), fault.ms);
      return;
    }
    forward(req, res, entry, fault);
  });

  function forward(req, res, entry, fault) {
    const up = http.request({
      agent,
      protocol: upstream.protocol,
      hostname: upstream.hostname,
      port: upstream.port,
      method: req.method,
      path: basePath + req.url,
      headers: { ...stripHopByHop(req.headers), host: upstream.host },
    });
    req.pipe(up); // uploads stream through unchanged; node re-chunks when the client sent chunked
    // Client went away (req 'close' fires on a normal end of the upload too, so watch res).
    res.on('close', () => {
      if (!res.writableFinished) up.destroy();
    });
    up.on('error', (err) => {
      entry.error = err.message;
      if (!res.headersSent) {
        entry.status = 502;
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 502, message: `fault-proxy: upstream error: ${err.message}` } }));
      } else res.destroy();
    });
    up.on('response', (upRes) => {
      entry.status = upRes.statusCode;
      const headers = stripHopByHop(upRes.headers);
      // Upstream builds absolute URLs (resumable upload sessions) from the Host we sent it;
      // point them back at the proxy so follow-up requests also pass through it.
      if (headers.location?.startsWith(upstream.origin)) headers.location = proxyOrigin + headers.location.slice(upstream.origin.length);
      res.writeHead(upRes.statusCode, upRes.statusMessage, headers);
      if (!fault) {
        upRes.pipe(res);
        return;
      }
      pump(upRes, res, fault).catch((err) => {
        entry.error = err.message;
        res.destroy();
        upRes.destroy();
      });
    });
  }

  // Copies the response body chunk by chunk, applying a body fault.
  async function pump(upRes, res, fault) {
    let sent = 0;
    const started = Date.now();
    res.flushHeaders();
    for await (let chunk of upRes) {
      if (res.destroyed) break;
      if (fault.type === 'corrupt' && fault.atByte >= sent && fault.atByte < sent + chunk.length) {
        chunk = Buffer.from(chunk); // do not mutate a buffer someone else may hold
        chunk[fault.atByte - sent] ^= 0xff;
      }
      if (fault.type === 'reset-after-bytes' && sent + chunk.length >= fault.bytes) {
        const head = chunk.subarray(0, fault.bytes - sent);
        // Close only after the allowed bytes reached the socket, so the client gets exactly those.
        if (head.length) await new Promise((resolve) => res.write(head, resolve));
        res.socket?.destroy();
        upRes.destroy();
        return;
      }
      if (fault.type === 'slow') {
        // Send slices of ~1/10 s worth of bytes, each only once the byte rate allows it, so the
        // last byte arrives at about size / bytesPerSecond.
        const slice = Math.max(1, Math.floor(fault.bytesPerSecond / 10));
        for (let i = 0; i < chunk.length && !res.destroyed; i += slice) {
          const part = chunk.subarray(i, i + slice);
          const due = started + ((sent + i + part.length) / fault.bytesPerSecond) * 1000;
          await sleep(Math.max(0, due - Date.now()));
          if (!res.write(part)) await writable(res);
        }
      } else if (!res.write(chunk)) {
        await writable(res);
      }
      sent += chunk.length;
    }
    res.end();
  }

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  proxyOrigin = `http://127.0.0.1:${port}`;

  return {
    url: proxyOrigin,
    port,
    requests,
    setFaults(rules) {
      active = rules.map((rule) => ({ rule, left: rule.times ?? Infinity }));
    },
    clearFaults() {
      active = [];
    },
    async stop() {
      server.closeAllConnections();
      agent.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

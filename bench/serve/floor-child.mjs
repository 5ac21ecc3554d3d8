// The HTTP floor: what plain node:http does on this machine with the same load, no framework and no model. It
// reads the body, JSON.parses it, checks there is one instance, and answers a fixed prediction of the same shape
// and size as the text classifier's. Same IPC as server-child.mjs (listening, ready, stats, close), and an empty
// GET /metrics, so bench/serve/run.mjs drives it the same way.
import http from 'node:http';

const answer = JSON.stringify({ predictions: [{ labels: [{ label: 'negative', score: 0.5123456789 }, { label: 'positive', score: 0.4876543211 }] }] });
const server = http.createServer((request, response) => {
  if (request.method === 'GET') {
    response.writeHead(200, { 'content-type': 'text/plain' }).end(request.url === '/health' ? '{"status":"ok"}' : '');
    return;
  }
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    let body;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      body = undefined;
    }
    if (!Array.isArray(body?.instances) || body.instances.length !== 1) {
      response.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"expected one instance"}');
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(answer) }).end(answer);
  });
});
server.keepAliveTimeout = 72_000;
server.listen(0, '127.0.0.1', () => {
  const listenMs = performance.now();
  process.send({ type: 'listening', url: `http://127.0.0.1:${server.address().port}`, startedMs: 0, importMs: listenMs, listenMs });
  process.send({ type: 'ready', readyMs: listenMs });
});
process.on('message', (message) => {
  if (message.type === 'stats') {
    process.send({ type: 'stats', cpu: process.cpuUsage(), elu: performance.eventLoopUtilization(), at: performance.now() });
  } else if (message.type === 'close') {
    server.close();
    server.closeAllConnections();
    process.disconnect();
    process.exit(0);
  }
});

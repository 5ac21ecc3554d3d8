// close(): drain in-flight and queued requests, refuse new connections, then handler.close(); and what
// happens when the grace period runs out.
import net from 'node:net';
import { describe, expect, test } from 'vitest';
import { createToyHandler, sleep, waitUntil } from './helpers/toy-handler.js';
import { createPredictionServer } from '../src/lib/server/create-prediction-server.js';
import { connectError, startServer, testOptions } from './helpers/test-server.js';

/** Poll until connecting is refused (the listening socket closes a moment after close() starts). */
async function refusedConnection(port: number): Promise<string | undefined> {
  let code: string | undefined;
  for (let attempt = 0; attempt < 100 && code !== 'ECONNREFUSED'; attempt++) {
    code = await connectError(port);
    if (code !== 'ECONNREFUSED') await sleep(10);
  }
  return code;
}

/** Write raw HTTP/1.1 on one socket and collect everything the server sends until it closes. */
function rawConnection(port: number) {
  const socket = net.connect(port, '127.0.0.1');
  let received = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (received += chunk));
  const closed = new Promise<string>((resolve) => socket.once('close', () => resolve(received)));
  return {
    send: (text: string) => socket.write(text),
    closed,
  };
}

const predictRequest = (body: string) =>
  `POST /predict HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

describe('close()', () => {
  test('finishes the request running and the one queued, refuses new connections, then closes the handler once', async () => {
    const toy = createToyHandler({ runDelayMs: 200 });
    const { post, port, server, logs } = await startServer({ handler: toy.handler, batching: { maxBatchSize: 1, maxQueueDelayMs: 0 } });
    await server.ready;
    const running = post({ instances: ['running'] });
    await waitUntil(() => toy.runs.length === 1, 'the first run');
    const queued = post({ instances: ['queued'] });
    await waitUntil(() => toy.parsed.includes('queued'), 'the second request to be queued');

    const closing = server.close();
    expect(server.status).toBe('draining');
    expect(await refusedConnection(port)).toBe('ECONNREFUSED');
    expect(toy.runs).toEqual([['running']]);
    expect(toy.closeCalls).toBe(0);

    const [first, second] = await Promise.all([running, queued]);
    expect([first.status, await first.json()]).toEqual([200, { predictions: ['RUNNING'] }]);
    expect([second.status, await second.json()]).toEqual([200, { predictions: ['QUEUED'] }]);
    // The client keeps its connections alive; draining closes them once idle instead of waiting out
    // the 10 s grace period.
    const answered = performance.now();
    await closing;
    expect(performance.now() - answered).toBeLessThan(2000);
    expect(server.status).toBe('closed');
    expect(toy.closeCalls).toBe(1);
    expect(toy.runs).toEqual([['running'], ['queued']]);
    expect(server.close()).toBe(closing);
    await server.close();
    expect(toy.closeCalls).toBe(1);
    expect(logs.map((line) => line.message)).toEqual(
      expect.arrayContaining(['draining: no new connections; finishing requests in flight and queued', 'closed']) as unknown,
    );
  });

  test('queued instances run at once when draining, without waiting for maxQueueDelayMs', async () => {
    const toy = createToyHandler();
    const { post, server } = await startServer({ handler: toy.handler, batching: { maxQueueDelayMs: 60_000 } });
    await server.ready;
    const waiting = post({ instances: ['patient'] });
    await waitUntil(() => toy.parsed.includes('patient'), 'the request to be queued');
    const started = performance.now();
    await server.close();
    expect(performance.now() - started).toBeLessThan(2000);
    expect(await (await waiting).json()).toEqual({ predictions: ['PATIENT'] });
  });

  test('on a connection that was already open, health says "draining" and predict 503 while requests finish', async () => {
    const toy = createToyHandler({ runDelayMs: 300 });
    const { port, server } = await startServer({ handler: toy.handler, batching: { maxQueueDelayMs: 200 } });
    await server.ready;
    const first = rawConnection(port);
    const second = rawConnection(port);
    first.send(predictRequest('{"instances": ["slow"]}'));
    second.send(predictRequest('{"instances": ["slower"]}'));
    await waitUntil(() => toy.parsed.length === 2, 'both requests to be queued');
    const closing = server.close();
    // Pipelined behind the requests in flight: answered after them, on the same connections, which
    // then close.
    first.send('GET /health HTTP/1.1\r\nHost: test\r\n\r\n');
    second.send(predictRequest('{"instances": ["too late"]}'));
    const [firstText, secondText] = await Promise.all([first.closed, second.closed]);
    await closing;
    const statusLines = (text: string) => text.match(/HTTP\/1\.1 \d{3} [^\r]*/g);
    expect(statusLines(firstText)).toEqual(['HTTP/1.1 200 OK', 'HTTP/1.1 503 Service Unavailable']);
    expect(firstText).toContain('{"predictions":["SLOW"]}');
    expect(firstText).toMatch(/\r\nConnection: close\r\n[^]*\{"status":"draining"\}$/);
    expect(statusLines(secondText)).toEqual(['HTTP/1.1 200 OK', 'HTTP/1.1 503 Service Unavailable']);
    expect(secondText).toContain('{"predictions":["SLOWER"]}');
    expect(secondText).toContain('"message":"the server is shutting down; retry and another instance will answer"');
    expect(secondText).toContain('retry-after: 1');
    expect(toy.runs.flat().sort()).toEqual(['slow', 'slower']);
  });

  test('when shutdownGraceMs runs out, queued requests get 503, connections close, and the handler still closes', async () => {
    const toy = createToyHandler();
    const { post, server, logs } = await startServer({
      handler: toy.handler,
      shutdownGraceMs: 150,
      batching: { maxBatchSize: 1, maxQueueDelayMs: 0 },
    });
    await server.ready;
    const release = toy.holdRuns();
    const stuck = post({ instances: ['stuck'] }).then(
      (response) => response.status,
      (error: Error) => error.name,
    );
    await waitUntil(() => toy.runs.length === 1, 'the first run');
    const queued = post({ instances: ['queued'] });
    await waitUntil(() => toy.parsed.includes('queued'), 'the second request to be queued');
    const started = performance.now();
    await server.close();
    const took = performance.now() - started;
    expect(took).toBeGreaterThanOrEqual(140);
    expect(took).toBeLessThan(1000);
    const queuedResponse = await queued;
    expect(queuedResponse.status).toBe(503);
    expect(((await queuedResponse.json()) as { error: { message: string } }).error.message).toBe(
      'the server is shutting down and could not run these instances in time; retry and another instance will answer',
    );
    // The request whose run never finished lost its connection.
    expect(await stuck).toBe('TypeError');
    expect(toy.closeCalls).toBe(1);
    const warning = logs.find((line) => line.severity === 'WARNING' && line.message.startsWith('shutdown grace'));
    expect(warning?.message).toBe(
      'shutdown grace of 150 ms ran out: answered 503 to 1 queued instances and closed the remaining connections',
    );
    release();
  });

  test('close() during a load waits for it before closing the handler; close() before listen() leaves the handler alone', async () => {
    const toy = createToyHandler({ holdLoad: true });
    const { server } = await startServer({ handler: toy.handler, shutdownGraceMs: 5_000 });
    const closing = server.close();
    await sleep(50);
    // close() waits for the load to settle before closing the handler.
    expect(toy.closeCalls).toBe(0);
    toy.releaseLoad();
    await closing;
    expect(toy.closeCalls).toBe(1);
    expect(server.status).toBe('closed');

    const unused = createToyHandler();
    const never = createPredictionServer(testOptions({ handler: unused.handler }));
    await never.close();
    expect(never.status).toBe('closed');
    expect(unused.closeCalls).toBe(0);
  });
});

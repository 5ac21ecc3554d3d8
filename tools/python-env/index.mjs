// A Python 3 that can make virtual environments and build setuptools packages offline, for the tests of Python
// trainer packages (@vertexkit/jobs, apps/train-python). Debian splits these out of python3: python3-venv (venv's
// ensurepip), python3-setuptools and python3-wheel. As root with apt-get they are installed when missing, as .ci/run installs
// them; elsewhere the caller gets the reason and skips, saying so.
/* global process */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const PACKAGES = ['python3-venv', 'python3-setuptools', 'python3-wheel'];
// venv with ensurepip (pip into a new environment), and setuptools with wheel to build an sdist without build
// isolation: pip 23.1 and later build every sdist through bdist_wheel, which setuptools before 70.1 lacks without wheel.
const PROBE = 'import ensurepip, setuptools, venv, wheel, sys; print("%d.%d" % sys.version_info[:2])';

function onPath(command) {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const file = path.join(dir, command);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return file;
    } catch {
      // next
    }
  }
  return undefined;
}

function probe(python) {
  try {
    return execFileSync(python, ['-c', PROBE], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 30_000 }).trim();
  } catch {
    return undefined;
  }
}

let cached;

/**
 * `{ python, version }` for a python3 with venv, ensurepip, setuptools and wheel (the one on PATH, else Debian's
 * /usr/bin/python3), installing python3-venv, python3-setuptools and python3-wheel with apt-get first when none has them and
 * this is root; or `{ missing }`, the reason there is none.
 */
export function findPythonTools() {
  if (cached) return cached;
  const candidates = () => [...new Set([onPath('python3'), '/usr/bin/python3'].filter((file) => file && fs.existsSync(file)))];
  const usable = () => {
    for (const python of candidates()) {
      const version = probe(python);
      if (version) return { python, version };
    }
    return undefined;
  };
  let found = usable();
  if (!found && process.platform === 'linux' && process.getuid?.() === 0 && onPath('apt-get')) {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const install = () => execFileSync('apt-get', ['install', '-y', '-q', ...PACKAGES], { env, stdio: 'ignore', timeout: 600_000 });
    try {
      install();
    } catch {
      try {
        execFileSync('apt-get', ['update', '-q'], { env, stdio: 'ignore', timeout: 600_000 });
        install();
      } catch {
        // reported below
      }
    }
    found = usable();
  }
  cached = found ?? {
    missing: `no python3 with venv, ensurepip, setuptools and wheel (${candidates().join(', ') || 'no python3 at all'}), and ${PACKAGES.join(' and ')} could not be installed here (apt-get install -y ${PACKAGES.join(' ')} as root)`,
  };
  return cached;
}

// packagePythonTrainer with real files and a real pip: the archive is the same bytes on every build, leaves out
// caches, version control, virtual environments and secrets, installs with `pip install --no-deps
// --no-build-isolation` into a fresh venv and runs as `python -m`; bad packages are refused before staging.
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobsError, packagePythonTrainer } from '../src/index.js';
import { createVenv, pipInstall, pythonTools, readArchive, runModule, SETUP_PY_TRAINER, writeTree } from './helpers/python-packages.js';

if (pythonTools.missing) console.warn(`pip install tests SKIPPED: ${pythonTools.missing}`);

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'vertexkit-py-package-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const dir = (name: string): string => path.join(root, name);

describe('packagePythonTrainer: the archive', () => {
  it('is byte-identical on every build, and wherever the folder is', async () => {
    const first = await writeTree(dir('same-a'), SETUP_PY_TRAINER);
    const one = await packagePythonTrainer({ dir: first, pythonModule: 'trainer.task' });
    const two = await packagePythonTrainer({ dir: first, pythonModule: 'trainer.task' });
    const elsewhere = dir('same-b/deeper/copy');
    await cp(first, elsewhere, { recursive: true });
    const three = await packagePythonTrainer({ dir: elsewhere, pythonModule: 'trainer.task' });
    expect(Buffer.compare(one.bytes, two.bytes)).toBe(0);
    expect(Buffer.compare(one.bytes, three.bytes)).toBe(0);
    expect(one.sha256).toBe(sha256(one.bytes));
    expect(three.sha256).toBe(one.sha256);
    expect(one).toMatchObject({ name: 'trainer', version: '0.1', fileName: 'trainer-0.1.tar.gz', metadataFrom: 'setup.py', pythonModule: 'trainer.task' });
  });

  it('fixes every header: path order, one time, owner 0, 0644 files and 0755 folders, gzip without time or OS', async () => {
    const source = await writeTree(dir('headers'), { ...SETUP_PY_TRAINER, 'trainer/data/words.txt': 'free\nmoney\n', 'README.md': '# trainer\n' });
    const built = await packagePythonTrainer({ dir: source });
    const entries = await readArchive(built.bytes);
    const names = entries.map((entry) => entry.header.name);
    expect(names).toEqual([...names].sort());
    expect(names).toEqual([
      'trainer-0.1/',
      'trainer-0.1/PKG-INFO',
      'trainer-0.1/README.md',
      'trainer-0.1/setup.py',
      'trainer-0.1/trainer/',
      'trainer-0.1/trainer/__init__.py',
      'trainer-0.1/trainer/data/',
      'trainer-0.1/trainer/data/words.txt',
      'trainer-0.1/trainer/task.py',
    ]);
    for (const { header } of entries) {
      expect(header.mtime?.toISOString()).toBe('1980-01-01T00:00:00.000Z');
      expect([header.uid, header.gid, header.uname, header.gname]).toEqual([0, 0, '', '']);
      expect(header.mode).toBe(header.type === 'directory' ? 0o755 : 0o644);
    }
    expect([...built.bytes.subarray(4, 10)]).toEqual([0, 0, 0, 0, 2, 0xff]);
    const pkgInfo = entries.find((entry) => entry.header.name.endsWith('PKG-INFO'))?.content.toString();
    expect(pkgInfo).toBe('Metadata-Version: 2.1\nName: trainer\nVersion: 0.1\n');
  });

  it('leaves out caches, version control, virtual environments (by their pyvenv.cfg) and secrets, and says why', async () => {
    const source = await writeTree(dir('excluded'), {
      ...SETUP_PY_TRAINER,
      'trainer/__pycache__/task.cpython-311.pyc': 'cached',
      'trainer/old.pyc': 'cached',
      '.git/config': '[core]',
      'build/lib/trainer/task.py': 'stale',
      'trainer.egg-info/PKG-INFO': 'stale',
      'py311/pyvenv.cfg': 'home = /usr/bin',
      'py311/lib/site.py': 'x = 1',
      '.env': 'API_KEY=1',
      'trainer/service-account.json': '{}',
      'keys/id_rsa': 'PRIVATE',
      'secrets/token': 'x',
      'trainer/config.yaml': 'epochs: 3',
    });
    const built = await packagePythonTrainer({ dir: source });
    expect(built.files).toEqual(['PKG-INFO', 'setup.py', 'trainer/__init__.py', 'trainer/config.yaml', 'trainer/task.py']);
    expect(Object.fromEntries(built.excluded.map((item) => [item.path, item.reason]))).toEqual({
      '.env': 'a secret',
      '.git': 'a cache, build output or version control',
      build: 'a cache, build output or version control',
      'keys/id_rsa': 'a secret',
      py311: 'a virtual environment',
      secrets: 'a secret',
      'trainer.egg-info': 'a cache, build output or version control',
      'trainer/__pycache__': 'a cache, build output or version control',
      'trainer/old.pyc': 'a cache, build output or version control',
      'trainer/service-account.json': 'a secret',
    });
  });

  it('reads name and version from pyproject.toml with a TOML parser, from setup.cfg (attr:), or generates a setup.py', async () => {
    const pyproject = await writeTree(dir('pyproject'), {
      'pyproject.toml': '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n\n[project]\nname = "text-trainer"\nversion = "1.2.0"\ndescription = """A trainer\nthat trains."""\ndependencies = [\n  "numpy>=1.21", # arrays\n]\nrequires-python = ">=3.9"\n\n[tool.setuptools]\npackages = { find = {} }\n',
      'text_trainer/__init__.py': '',
      'text_trainer/task.py': 'print("ok")\n',
    });
    const fromToml = await packagePythonTrainer({ dir: pyproject, pythonModule: 'text_trainer.task' });
    expect(fromToml).toMatchObject({ name: 'text-trainer', version: '1.2.0', fileName: 'text_trainer-1.2.0.tar.gz', metadataFrom: 'pyproject.toml' });
    const info = (await readArchive(fromToml.bytes)).find((entry) => entry.header.name === 'text_trainer-1.2.0/PKG-INFO')?.content.toString();
    expect(info).toBe('Metadata-Version: 2.1\nName: text-trainer\nVersion: 1.2.0\nSummary: A trainer that trains.\nRequires-Python: >=3.9\nRequires-Dist: numpy>=1.21\n');

    const cfg = await writeTree(dir('setup-cfg'), {
      'setup.cfg': '[metadata]\nname = cfg_trainer\nversion = attr: cfg_trainer.__version__\n\n[options]\npackages = find:\ninstall_requires =\n    pandas>=2\n    # comment\n    scikit-learn\n',
      'setup.py': 'from setuptools import setup\nsetup()\n',
      'cfg_trainer/__init__.py': "__version__ = '2.0.1'\n",
    });
    expect(await packagePythonTrainer({ dir: cfg })).toMatchObject({ name: 'cfg_trainer', version: '2.0.1', metadataFrom: 'setup.cfg' });

    const bare = await writeTree(dir('bare/my-trainer'), { 'trainer/__init__.py': '', 'trainer/task.py': 'print(1)\n', 'trainer/vocab.txt': 'a\n', 'requirements.txt': 'numpy\n# dev only below\n' });
    const generated = await packagePythonTrainer({ dir: bare, requirements: ['pandas>=2'], pythonModule: 'trainer.task' });
    expect(generated).toMatchObject({ name: 'my-trainer', version: '0.1', fileName: 'my_trainer-0.1.tar.gz', metadataFrom: 'generated setup.py' });
    const setupPy = (await readArchive(generated.bytes)).find((entry) => entry.header.name === 'my_trainer-0.1/setup.py')?.content.toString();
    expect(setupPy).toContain('packages=["trainer"],');
    expect(setupPy).toContain('package_data={"trainer": ["vocab.txt"]},');
    expect(setupPy).toContain('install_requires=["numpy", "pandas>=2"],');
  });

  it.skipIf(Boolean(pythonTools.missing))('runs `python3 setup.py --name --version` only for a computed name or version, and says so', async () => {
    const computed = await writeTree(dir('computed'), {
      'setup.py': "from setuptools import setup\nVERSION = '.'.join(['3', '1'])\nsetup(name='computed', version=VERSION, py_modules=['task'])\n",
      'task.py': 'print(1)\n',
    });
    expect(await packagePythonTrainer({ dir: computed, python: pythonTools.python })).toMatchObject({ version: '3.1', metadataFrom: 'python3 setup.py --name --version' });
    const error = await packagePythonTrainer({ dir: computed, python: false }).catch((caught: unknown) => caught);
    expect(JobsError.isInstance(error) && error.code).toBe('INVALID_PACKAGE');
    expect((error as JobsError).issues).toEqual([{ path: 'setup.py', message: "its version is not a string literal and there is no python3 to run `setup.py --name --version`; write version='0.1' in setup(), or install python3" }]);
  });
});

describe('packagePythonTrainer: checked before anything is staged', () => {
  it.skipIf(Boolean(pythonTools.missing))('a syntax error names the file, line and code, and nothing is staged', async () => {
    const source = await writeTree(dir('syntax'), { ...SETUP_PY_TRAINER, 'trainer/model.py': 'def train(:\n    pass\n' });
    const staging = dir('syntax-staging');
    const error = await packagePythonTrainer({ dir: source, pythonModule: 'trainer.task', staging, python: pythonTools.python }).catch((caught: unknown) => caught);
    expect(JobsError.isInstance(error) && error.code).toBe('INVALID_PACKAGE');
    expect((error as JobsError).issues).toHaveLength(1);
    expect((error as JobsError).issues[0]?.path).toMatch(/^trainer\/model\.py:1:\d+$/);
    expect((error as Error).message).toContain('in `def train(:`');
    await expect(readdir(staging)).rejects.toThrow(/ENOENT/);
  });

  it('a python-module that is not in the package is refused with the modules it has, before staging', async () => {
    const source = await writeTree(dir('module'), SETUP_PY_TRAINER);
    const staging = dir('module-staging');
    const error = await packagePythonTrainer({ dir: source, pythonModule: 'trainer.tsak', staging }).catch((caught: unknown) => caught);
    expect(JobsError.isInstance(error) && error.code).toBe('INVALID_PACKAGE');
    expect((error as JobsError).issues).toEqual([
      { path: 'pythonModule', message: 'trainer.tsak is not in the package: no trainer/tsak.py (or trainer/tsak/__main__.py); did you mean trainer.task? (the package has trainer.task)' },
    ]);
    const noInit = await writeTree(dir('no-init'), { 'setup.py': SETUP_PY_TRAINER['setup.py']!, 'trainer/task.py': 'print(1)\n' });
    const missingInit = await packagePythonTrainer({ dir: noInit, pythonModule: 'trainer.task', staging }).catch((caught: unknown) => caught);
    expect((missingInit as JobsError).issues[0]?.message).toBe('trainer.task: trainer/task.py is in the package but trainer/__init__.py is not, so setuptools leaves it out of the install; add an empty trainer/__init__.py');
    await expect(readdir(staging)).rejects.toThrow(/ENOENT/);
  });

  it('requirements for a package with its own setup.py say where they belong', async () => {
    const source = await writeTree(dir('own-requirements'), SETUP_PY_TRAINER);
    const error = await packagePythonTrainer({ dir: source, requirements: ['pandas'] }).catch((caught: unknown) => caught);
    expect((error as JobsError).issues).toEqual([
      { path: 'requirements', message: 'this package declares its own dependencies in its build files; add pandas to setup.py (install_requires) or setup.cfg ([options] install_requires), or remove its build files to have a setup.py generated' },
    ]);
  });
});

describe('packagePythonTrainer: staging', () => {
  it('stages <staging>/<name>-<sha256 prefix>.tar.gz in a local folder once, and skips it when it is there', async () => {
    const source = await writeTree(dir('stage-local'), SETUP_PY_TRAINER);
    const staging = dir('stage-local-bucket/staging');
    const first = await packagePythonTrainer({ dir: source, staging, outDir: dir('stage-local-out') });
    expect(first.uri).toBe(path.join(staging, `trainer-${first.sha256.slice(0, 12)}.tar.gz`));
    expect(first.uploaded).toBe(true);
    expect(sha256(await readFile(first.uri!))).toBe(first.sha256);
    expect(sha256(await readFile(first.path!))).toBe(first.sha256);
    expect(path.basename(first.path!)).toBe('trainer-0.1.tar.gz');
    const second = await packagePythonTrainer({ dir: source, staging });
    expect(second).toMatchObject({ uri: first.uri, uploaded: false, sha256: first.sha256 });
    await writeFile(first.uri!, 'damaged');
    expect((await packagePythonTrainer({ dir: source, staging })).uploaded).toBe(true);
    expect(sha256(await readFile(first.uri!))).toBe(first.sha256);
  });
});

describe.skipIf(Boolean(pythonTools.missing))('packagePythonTrainer: pip install <sdist> --no-deps --no-build-isolation', () => {
  let venvPython: string;
  let cwd: string;
  beforeAll(async () => {
    venvPython = await createVenv(pythonTools.python!, dir('venv'));
    cwd = dir('empty-cwd');
    await mkdir(cwd);
  }, 120_000);

  const cases: Array<[string, () => Promise<Parameters<typeof packagePythonTrainer>[0]>, string]> = [
    ['a setup.py package', async () => ({ dir: await writeTree(dir('pip-setup'), SETUP_PY_TRAINER), pythonModule: 'trainer.task' }), 'trainer.task'],
    [
      'a pyproject.toml package',
      async () => ({
        dir: await writeTree(dir('pip-pyproject'), {
          'pyproject.toml': '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n\n[project]\nname = "toml-trainer"\nversion = "0.3"\n',
          'toml_trainer/__init__.py': '',
          'toml_trainer/task.py': "import sys\nprint('toml', ' '.join(sys.argv[1:]))\n",
        }),
        pythonModule: 'toml_trainer.task',
      }),
      'toml_trainer.task',
    ],
    [
      'a folder with no setup.py (one is generated, package data included)',
      async () => ({
        dir: await writeTree(dir('pip-bare/bare-trainer'), {
          'bare/__init__.py': '',
          'bare/task.py': "import pathlib, sys\nprint('bare', (pathlib.Path(__file__).parent / 'labels.txt').read_text().strip(), ' '.join(sys.argv[1:]))\n",
          'bare/labels.txt': 'ham,spam\n',
        }),
        pythonModule: 'bare.task',
      }),
      'bare.task',
    ],
    ['a lone script', async () => ({ script: (await writeTree(dir('pip-script'), { 'train_script.py': "import sys\nprint('script', ' '.join(sys.argv[1:]))\n" })) + '/train_script.py' }), 'train_script'],
  ];

  it.each(cases)('%s installs, and runs with python -m', async (_label, paramsOf, module) => {
    const built = await packagePythonTrainer({ ...(await paramsOf()), outDir: dir(`pip-out-${module}`) });
    expect(built.pythonModule ?? module).toBe(module);
    const install = await pipInstall(venvPython, built.path!);
    expect(install.stdout).toMatch(/Successfully installed/);
    const output = await runModule(venvPython, module, ['--epochs=3'], cwd);
    expect(output).toMatch(/--epochs=3\n$/);
    if (module === 'bare.task') expect(output).toBe('bare ham,spam --epochs=3\n');
  });
});

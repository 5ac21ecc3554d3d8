// Checks of a trainer package before it is staged: every .py file compiles (with the local python3, when there is
// one), and the module the job runs is in the package, importable as `python -m` imports it.
import { execFile, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import type { SpecIssue } from '../jobs-error.js';
import { didYouMean, listSome, nearest } from '../suggest.js';

/** The `python3` on PATH (or the one named), or undefined when there is none. */
export function findPython(requested: string | false | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (requested === false) return undefined;
  const command = requested ?? 'python3';
  if (command.includes('/')) return canExecute(command) ? command : undefined;
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (dir !== '' && canExecute(path.join(dir, command))) return path.join(dir, command);
  }
  return undefined;
}

function canExecute(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `Python 3.11.2` -> `3.11`. */
export function pythonVersion(python: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(python, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { timeout: 30_000 }, (error, stdout) => {
      if (error) reject(new Error(`${python} did not say its version: ${error.message}`));
      else resolve(stdout.trim());
    });
  });
}

// What `python3 -m py_compile` does, without writing __pycache__ into the user's tree: compile() each file's bytes
// (py_compile's own source_to_code), reporting every SyntaxError rather than stopping at the first.
const COMPILE_SCRIPT = `
import json, sys
problems = []
for name, path in json.load(sys.stdin):
    try:
        with open(path, "rb") as handle:
            compile(handle.read(), name, "exec", dont_inherit=True)
    except SyntaxError as error:
        problems.append({"path": name, "line": error.lineno, "column": error.offset, "message": error.msg, "text": (error.text or "").strip()})
    except ValueError as error:
        problems.append({"path": name, "message": str(error)})
json.dump(problems, sys.stdout)
`;

/** The syntax errors of `files` ([archive path, file on disk]) as issues, `trainer/task.py:12:5: ...`. */
export function compileProblems(python: string, files: ReadonlyArray<readonly [string, string]>): Promise<SpecIssue[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, ['-I', '-c', COMPILE_SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) {
        reject(new Error(`${python} could not check the files' syntax: ${stderr.trim().split('\n').at(-1) ?? `exit ${code}`}`));
        return;
      }
      const found = JSON.parse(stdout) as Array<{ path: string; line?: number; column?: number; message: string; text?: string }>;
      resolve(
        found.map((problem) => ({
          path: `${problem.path}${problem.line ? `:${problem.line}${problem.column ? `:${problem.column}` : ''}` : ''}`,
          message: `${problem.message}${problem.text ? ` in \`${problem.text}\`` : ''} (${path.basename(python)} compile()); fix the file, or pass python: false to skip this check`,
        })),
      );
    });
    child.stdin.end(JSON.stringify(files));
  });
}

/** The modules `python -m` can run from these package files: `trainer/task.py` -> `trainer.task`. */
export function runnableModules(paths: readonly string[]): string[] {
  const present = new Set(paths);
  const modules: string[] = [];
  for (const file of paths) {
    const match = /^(.*)\.py$/.exec(file);
    if (!match) continue;
    const parts = (match[1] ?? '').split('/');
    const last = parts.at(-1);
    if (last === '__init__' || file === 'setup.py') continue;
    // A package runs through its __main__.py: `python -m trainer` for trainer/__main__.py.
    const moduleParts = last === '__main__' ? parts.slice(0, -1) : parts;
    if (moduleParts.length === 0) continue;
    const packages = moduleParts.slice(0, last === '__main__' ? moduleParts.length : -1);
    if (packages.every((_, i) => present.has(`${packages.slice(0, i + 1).join('/')}/__init__.py`))) modules.push(moduleParts.join('.'));
  }
  return [...new Set(modules)].sort();
}

/** Why `module` can't run from a package of these files, or undefined. */
export function moduleProblem(module: string, paths: readonly string[], key = 'pythonModule'): SpecIssue | undefined {
  if (!/^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*$/.test(module)) {
    return { path: key, message: `${JSON.stringify(module)} is not a Python module name; write it as python -m takes it, e.g. trainer.task` };
  }
  const modules = runnableModules(paths);
  if (modules.includes(module)) return undefined;
  const parts = module.split('.');
  const file = `${parts.join('/')}.py`;
  const missingInit = parts
    .slice(0, -1)
    .map((_, i) => `${parts.slice(0, i + 1).join('/')}/__init__.py`)
    .find((init) => !paths.includes(init));
  if (paths.includes(file) && missingInit) {
    return { path: key, message: `${module}: ${file} is in the package but ${missingInit} is not, so setuptools leaves it out of the install; add an empty ${missingInit}` };
  }
  const hint = didYouMean(nearest(module, modules));
  const known = modules.length > 0 ? `the package has ${listSome(modules, 8)}` : 'the package has no module to run';
  return { path: key, message: `${module} is not in the package: no ${file} (or ${parts.join('/')}/__main__.py); ${hint ? `${hint} (${known})` : known}` };
}

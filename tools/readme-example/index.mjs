// Runs a README's TypeScript example as written, with the package's import pointed at its source, so every
// package's README test checks the page a user reads rather than a copy of it.
/* global process, console */
import fs from 'node:fs/promises';
import path from 'node:path';

/** The code blocks of `<packageDir>/README.md` in `language` (`ts`, `text`, ...), in page order. */
export async function readmeBlocks(packageDir, language) {
  const page = await fs.readFile(path.join(packageDir, 'README.md'), 'utf8');
  return [...page.matchAll(new RegExp('```' + language + '\\n([\\s\\S]*?)```', 'g'))].map((match) => match[1] ?? '');
}

let runs = 0;

/**
 * Runs `code` as a module beside the package's tests, its `from '<packageName>'` import replaced by the package's
 * src/index.ts and a final `void main();` awaited, in `cwd` and with `env` set for the run (both restored after).
 * Resolves with the arguments of every console.log call it made.
 */
export async function runReadmeCode({ packageDir, packageName, code, cwd, env = {} }) {
  const file = path.join(packageDir, 'test', `.readme-example-${process.pid}-${++runs}.ts`);
  const source = JSON.stringify(path.join(packageDir, 'src', 'index.ts'));
  // The examples end with `void main();` (no top-level await, so they also compile as CommonJS); imported
  // here, the module must not resolve before main() has finished, so the test awaits it instead.
  const runnable = code.replaceAll(`from '${packageName}'`, `from ${source}`).replace(/^void main\(\);$/m, 'await main();');
  await fs.writeFile(file, runnable);
  const calls = [];
  const log = console.log;
  console.log = (...args) => calls.push(args);
  const savedEnv = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
  Object.assign(process.env, env);
  const previous = process.cwd();
  if (cwd) process.chdir(cwd);
  try {
    await import(file);
  } finally {
    process.chdir(previous);
    for (const [name, value] of Object.entries(savedEnv)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    console.log = log;
    await fs.rm(file, { force: true });
  }
  return calls;
}

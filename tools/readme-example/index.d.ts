// Types of index.mjs (plain ESM, no build step).

/** The code blocks of `<packageDir>/README.md` in `language` (`ts`, `text`, ...), in page order. */
export function readmeBlocks(packageDir: string, language: string): Promise<string[]>;

/**
 * Runs `code` as a module beside the package's tests, its `from '<packageName>'` import replaced by the package's
 * src/index.ts and a final `void main();` awaited, in `cwd` and with `env` set for the run (both restored after).
 * Resolves with the arguments of every console.log call it made.
 */
export function runReadmeCode(options: {
  packageDir: string;
  packageName: string;
  code: string;
  cwd?: string;
  env?: Record<string, string>;
}): Promise<unknown[][]>;

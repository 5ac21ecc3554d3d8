// How every published package builds: ESM and CommonJS with separate type entries (publint and attw
// check the result in the release check), for Node 22.
import { defineConfig, type Options } from 'tsup';

export function packageBuild(overrides: Options = {}): ReturnType<typeof defineConfig> {
  return defineConfig({
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    target: 'node22',
    platform: 'node',
    // TypeScript 6 deprecates options tsup's dts build still sets.
    dts: { compilerOptions: { ignoreDeprecations: '6.0' } },
    sourcemap: true,
    clean: true,
    treeshake: true,
    ...overrides,
  });
}

// One source of truth: the templates are the sample apps. A file added to an app must be declared (copied or left
// out, with why) in template-sources.mjs, and the built templates/ must be what the apps give now.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { classifyAppFiles, TEMPLATE_SOURCES } from '../template-sources.mjs';
import { compareTemplateDirs, deriveTemplate, listAppFiles } from '../scripts/derive-template.mjs';
import { TEMPLATE_NAMES } from '../src/index.js';
import { ROOT, tempDir, TEMPLATES_DIR } from './helpers.js';

interface Classified {
  file: string;
  status: 'copy' | 'omit' | 'both' | 'undeclared';
}
type Source = (typeof TEMPLATE_SOURCES)[number];
const classify = classifyAppFiles as (source: Source, files: string[]) => Classified[];
const derive = deriveTemplate as (source: Source, outDir: string) => Promise<{ files: string[] }>;
const compare = compareTemplateDirs as (expected: string, actual: string) => string[];

test('the template sources are the templates the package offers', () => {
  expect(TEMPLATE_SOURCES.map((s) => s.name)).toEqual([...TEMPLATE_NAMES]);
});

describe.each(TEMPLATE_SOURCES.map((source) => [source.name, source] as const))('the %s template', (_name, source) => {
  test('every file of its app is copied or left out with a reason, never both', () => {
    const files = (listAppFiles as (app: string) => string[])(source.app);
    expect(files.length).toBeGreaterThan(3);
    const classified = classify(source, files);
    expect(classified.filter((c) => c.status === 'undeclared' || c.status === 'both')).toEqual([]);
    // The declaration is exercised: a new file in the app that no pattern names is reported.
    expect(classify(source, ['lib/new-module.ts'])[0]?.status).toBe('undeclared');
  });

  test('templates/ is what the app gives now (npm run build -w create-vertexkit rebuilds it)', async () => {
    const fresh = path.join(tempDir(), source.name);
    await derive(source, fresh);
    const built = path.join(TEMPLATES_DIR, source.name);
    expect(compare(fresh, built)).toEqual([]);
    // The copies are the app's files byte for byte.
    const manifest = JSON.parse(fs.readFileSync(path.join(built, 'template.json'), 'utf8')) as { files: string[] };
    const copied = classify(source, (listAppFiles as (app: string) => string[])(source.app)).filter((c) => c.status === 'copy');
    expect(copied.length).toBeGreaterThan(0);
    for (const { file } of copied) {
      expect(manifest.files).toContain(file);
      expect(fs.readFileSync(path.join(built, 'files', file)).equals(fs.readFileSync(path.join(ROOT, source.app, file))), file).toBe(true);
    }
  });
});

test('a template that differs from its app is reported, file by file', async () => {
  const source = TEMPLATE_SOURCES.find((s) => s.name === 'train-python')!;
  const fresh = path.join(tempDir(), 'fresh');
  await derive(source, fresh);
  const stale = path.join(tempDir(), 'stale');
  fs.cpSync(fresh, stale, { recursive: true });
  fs.appendFileSync(path.join(stale, 'files', 'src', 'main.ts'), '// edited by hand\n');
  fs.rmSync(path.join(stale, 'files', 'trainer-package', 'setup.py'));
  fs.writeFileSync(path.join(stale, 'files', 'extra.ts'), '');
  expect(compare(fresh, stale)).toEqual(['files/src/main.ts: differs', 'files/trainer-package/setup.py: missing', 'files/extra.ts: not derived from any app (left from an older build?)']);
});

// The committed Dockerfile, ignore file and cloudbuild.yaml are exactly what deploy/ renders with
// @vertexkit/containers: edit the options there, then `npm run generate:deploy`.
import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';
import { checkCloudBuild, checkDockerfile } from '@vertexkit/containers';
import { deployFiles } from '../deploy/files.ts';

const appDir = path.resolve(import.meta.dirname, '..');

test.each(Object.keys(deployFiles))('%s is up to date (else: npm run generate:deploy)', (name) => {
  const committed = fs.readFileSync(path.join(appDir, name), 'utf8');
  expect(committed, `${name} is stale: run npm run generate:deploy`).toBe(deployFiles[name]);
});

test('the Dockerfile passes the parser, the validator and the lint rules', () => {
  expect(checkDockerfile(deployFiles.Dockerfile!, { dockerignore: deployFiles['Dockerfile.dockerignore'] })).toEqual([]);
});

test('cloudbuild.yaml passes its check (steps, images built and pushed, substitutions defined and used)', () => {
  expect(checkCloudBuild(deployFiles['cloudbuild.yaml']!)).toEqual([]);
});

import { describe, expect, it } from 'vitest';
import { checkDockerfile } from '../../src/index.js';

const rules = (text: string, dockerignore?: string): string[] =>
  checkDockerfile(text, dockerignore === undefined ? {} : { dockerignore }).map((f) => `${f.line} ${f.severity} ${f.rule}`);

const GOOD = ['FROM node:24-bookworm-slim', 'WORKDIR /app', 'COPY src src', 'USER node', 'CMD ["node", "src/main.ts"]', ''].join('\n');

describe('checkDockerfile', () => {
  it('passes a clean Dockerfile', () => {
    expect(checkDockerfile(GOOD)).toEqual([]);
  });

  it('reports what the Docker builder rejects, from the real parser and validator', () => {
    const findings = checkDockerfile('FROM node:24\nHEALTHCHECK --interva=30s CMD ls\ncopy a b\nADD app.zip\nUSER node\n');
    expect(findings.filter((f) => f.rule === 'syntax').map((f) => `${f.path} ${f.severity}: ${f.message}`)).toEqual([
      'Dockerfile:2 error: Unknown flag: interva',
      'Dockerfile:3 warning: Instructions should be written in uppercase letters',
      'Dockerfile:4 error: ADD requires at least two arguments',
    ]);
    expect(checkDockerfile('RUN echo hi\n').some((f) => f.rule === 'syntax' && f.severity === 'error')).toBe(true);
  });

  it('names the file and line', () => {
    const [finding] = checkDockerfile('FROM node:24\n', { fileName: 'apps/x/Dockerfile' });
    expect(finding).toEqual({
      path: 'apps/x/Dockerfile:1',
      line: 1,
      severity: 'error',
      rule: 'DL3002',
      message: 'the final stage runs as root: add USER <unprivileged user> (node images have "node") before CMD/ENTRYPOINT',
    });
  });

  it('requires a non-root user in the final stage only', () => {
    expect(rules('FROM node:24 AS build\nUSER node\nFROM node:24\nCMD ["node"]\n')).toEqual(['3 error DL3002']);
    expect(rules('FROM node:24\nUSER root\nCMD ["node"]\n')).toEqual(['2 error DL3002']);
    expect(rules('FROM node:24\nUSER 0:0\nCMD ["node"]\n')).toEqual(['2 error DL3002']);
    expect(rules('FROM node:24 AS build\nFROM node:24\nUSER 1000:1000\nCMD ["node"]\n')).toEqual([]);
  });

  it('wants pinned base images', () => {
    expect(rules('FROM node\nUSER node\n')).toEqual(['1 error DL3006']);
    expect(rules('FROM node:latest\nUSER node\n')).toEqual(['1 warning DL3007']);
    expect(rules('FROM us-docker.pkg.dev/vertex-ai/training/pytorch-gpu.2-4.py310:latest\nUSER 1000\n')).toEqual([]);
    expect(rules('FROM node@sha256:' + 'a'.repeat(64) + '\nUSER node\n')).toEqual([]);
    expect(rules('FROM node:24 AS deps\nFROM deps\nUSER node\n')).toEqual([]);
    expect(rules('ARG BASE=node:24\nFROM ${BASE}\nUSER node\n')).toEqual([]);
  });

  it('finds secrets copied in or written into the image', () => {
    expect(rules('FROM node:24\nCOPY .env /app/.env\nCOPY keys/server.pem /app/\nCOPY sa/my-service-account.json /app/\nCOPY .npmrc ./\nUSER node\n')).toEqual([
      '2 error secret',
      '3 error secret',
      '4 error secret',
      '5 error secret',
    ]);
    expect(rules('FROM node:24\nENV API_KEY=abc123\nARG NPM_TOKEN=xyz\nENV LOG_LEVEL=info\nUSER node\n')).toEqual(['2 error secret', '3 error secret']);
    // A name alone is no secret: an ARG without a default is filled at build time.
    expect(rules('FROM node:24\nARG NPM_TOKEN\nUSER node\n')).toEqual([]);
    // From another stage, a path is not a file of the build context.
    expect(rules('FROM node:24 AS deps\nFROM node:24\nCOPY --from=deps /root/.npmrc /tmp/x\nUSER node\n')).toEqual([]);
  });

  it('allows COPY . only with an ignore file that keeps secrets out', () => {
    const text = 'FROM node:24\nCOPY . .\nUSER node\n';
    expect(rules(text)).toEqual(['2 error secret']);
    expect(rules(text, 'node_modules\n')).toEqual(['2 error secret']);
    expect(rules(text, '# allowlist\n*\n!src\n')).toEqual([]);
    expect(rules(text, 'node_modules\n**/.env*\n**/*.pem\n**/*.key\n')).toEqual([]);
  });

  it('lints the habits that make images slow or unsafe', () => {
    expect(
      rules(
        [
          'FROM debian:bookworm-slim',
          'RUN apt-get update && apt-get install -y curl',
          'RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*',
          'RUN pip install torch',
          'RUN pip install --no-cache-dir torch',
          'RUN sudo make install',
          'ADD src /app/src',
          'ADD https://example.com/x.tar.gz /tmp/',
          'USER 1000',
          'ENTRYPOINT python -m trainer.task',
          '',
        ].join('\n'),
      ),
    ).toEqual(['2 warning DL3015', '2 warning DL3009', '4 warning DL3042', '6 warning DL3004', '7 warning DL3020', '10 warning DL3025']);
  });
});

import { DockerfileParser } from 'dockerfile-ast';
import { describe, expect, it } from 'vitest';
import { checkDockerfile, renderNodeServeImage, renderNodeTrainImage } from '../../src/index.js';
import { errorOf } from '../helpers.js';


/** Each instruction as parsed by dockerfile-ast, continuation lines joined. */
function instructions(dockerfile: string): string[] {
  const lines = dockerfile.split('\n');
  return DockerfileParser.parse(dockerfile)
    .getInstructions()
    .map((instruction) => {
      const { start, end } = instruction.getRange();
      return lines
        .slice(start.line, end.line + 1)
        .map((line) => line.replace(/\\$/, '').trim())
        .join(' ');
    });
}

describe('renderNodeServeImage', () => {
  it('renders a standalone app: npm ci --omit=dev in a build stage, code copied, run as node, exec-form CMD', () => {
    const image = renderNodeServeImage();
    expect(image.baseImages).toEqual(['node:24-bookworm-slim']);
    expect(image.user).toBe('node');
    expect(instructions(image.dockerfile)).toEqual([
      'FROM node:24-bookworm-slim AS deps',
      'WORKDIR /app',
      'ENV NODE_ENV=production',
      'COPY package.json package-lock.json ./',
      'RUN npm ci --omit=dev --no-audit --no-fund',
      'FROM node:24-bookworm-slim',
      'WORKDIR /app',
      'ENV NODE_ENV=production',
      'COPY --from=deps /app ./',
      'COPY src src',
      'EXPOSE 8080',
      'USER node',
      'CMD ["node", "src/main.ts"]',
    ]);
    expect(image.dockerignore.split('\n')).toEqual(expect.arrayContaining(['*', '!package.json', '!package-lock.json', '!src', '**/.env', '**/*.pem']));
    expect(checkDockerfile(image.dockerfile, { dockerignore: image.dockerignore })).toEqual([]);
  });

  it('renders the monorepo layout: workspace package.json files for npm ci, their dist after, the app run from its folder', () => {
    const image = renderNodeServeImage({
      appDir: 'apps/serve/',
      workspaces: [{ dir: 'packages/serve' }, { dir: './packages/storage', files: ['dist', 'schema.json'] }],
      installEnv: { ONNXRUNTIME_NODE_INSTALL: 'skip' },
      prune: ['node_modules/onnxruntime-node/bin/napi-v*/win32'],
      env: { LOG_LEVEL: 'info' },
      labels: { 'org.opencontainers.image.source': 'https://example.com/repo' },
    });
    const lines = instructions(image.dockerfile);
    expect(lines).toEqual([
      'FROM node:24-bookworm-slim AS deps',
      'WORKDIR /app',
      'ENV NODE_ENV=production',
      'ENV ONNXRUNTIME_NODE_INSTALL=skip',
      'COPY package.json package-lock.json ./',
      'COPY packages/serve/package.json packages/serve/',
      'COPY packages/storage/package.json packages/storage/',
      'COPY apps/serve/package.json apps/serve/',
      'RUN npm ci --omit=dev --no-audit --no-fund --workspace=apps/serve && rm -rf node_modules/onnxruntime-node/bin/napi-v*/win32',
      'FROM node:24-bookworm-slim',
      'WORKDIR /app',
      'ENV LOG_LEVEL=info',
      'ENV NODE_ENV=production',
      'LABEL "org.opencontainers.image.source"="https://example.com/repo"',
      'COPY --from=deps /app ./',
      'COPY packages/serve/dist packages/serve/dist',
      'COPY packages/storage/dist packages/storage/dist',
      'COPY packages/storage/schema.json packages/storage/schema.json',
      'COPY apps/serve/src apps/serve/src',
      'EXPOSE 8080',
      'WORKDIR /app/apps/serve',
      'USER node',
      'CMD ["node", "src/main.ts"]',
    ]);
    expect(image.dockerignore).toContain('!packages/storage/schema.json\n');
    expect(image.dockerignore).toContain('!apps/serve/src\n');
    expect(checkDockerfile(image.dockerfile, { dockerignore: image.dockerignore })).toEqual([]);
  });

  it('bakes a model into the image, or points MODEL_URI at one fetched at start', () => {
    const baked = renderNodeServeImage({ model: { bake: 'models/spam' }, port: 9000 });
    expect(instructions(baked.dockerfile)).toEqual(
      expect.arrayContaining(['COPY models/spam /app/model', 'ENV MODEL_URI=/app/model', 'EXPOSE 9000']),
    );
    expect(baked.dockerignore).toContain('!models/spam\n');
    const fetched = renderNodeServeImage({ model: { uri: 'gs://my-bucket/models/spam/' } });
    expect(instructions(fetched.dockerfile)).toContain('ENV MODEL_URI=gs://my-bucket/models/spam/');
  });

  it('reports every bad option at once, each with its field and fix', () => {
    const error = errorOf(() =>
      renderNodeServeImage({
        nodeVersion: 19,
        appDir: '../elsewhere',
        files: ['/abs'],
        command: [],
        env: { '1BAD': 'x', DB_PASSWORD: 'hunter2' },
        prune: ['dist; rm -rf /'],
        user: 'root',
        port: 70000,
        model: { bake: '../models' },
      }),
    );
    expect(error.code).toBe('INVALID_OPTIONS');
    expect(error.issues.map((issue) => issue.path)).toEqual([
      'port',
      'model.bake',
      'nodeVersion',
      'appDir',
      'files[0]',
      'command',
      'env.1BAD',
      'env.DB_PASSWORD',
      'prune[0]',
      'user',
    ]);
    expect(error.message).toContain('renderNodeServeImage: 10 invalid options');
    expect(error.message).toContain('nodeVersion: 19 has no node:<major>-bookworm-slim image to build on; use one of 20, 22, 24, 25');
    expect(error.message).toContain('env.DB_PASSWORD: looks like a secret, and ENV writes it into every layer of the image');
    expect(error.message).toContain('user: "root" is root');
  });

  it('refuses a TypeScript entry point on a Node that cannot strip types', () => {
    const error = errorOf(() => renderNodeServeImage({ nodeVersion: 20 }));
    expect(error.issues).toEqual([
      {
        path: 'nodeVersion',
        message: 'Node 20 cannot run src/main.ts (type stripping needs Node 22.18 or later); use nodeVersion 22 or 24, or build the app to JavaScript first',
      },
    ]);
    expect(() => renderNodeServeImage({ nodeVersion: 20, command: ['node', 'dist/main.js'], files: ['dist'] })).not.toThrow();
  });

  it('needs appDir for workspaces', () => {
    expect(errorOf(() => renderNodeServeImage({ workspaces: [{ dir: 'packages/serve' }] })).issues[0]?.path).toBe('workspaces');
  });
});

describe('renderNodeTrainImage', () => {
  it('uses an exec-form ENTRYPOINT so a job\'s args are appended', () => {
    const image = renderNodeTrainImage({ command: ['node', 'src/main.ts', '--here'] });
    const lines = instructions(image.dockerfile);
    expect(lines.at(-1)).toBe('ENTRYPOINT ["node", "src/main.ts", "--here"]');
    expect(lines).not.toContain('EXPOSE 8080');
    expect(image.dockerfile).toContain('renderNodeTrainImage()');
    expect(checkDockerfile(image.dockerfile, { dockerignore: image.dockerignore })).toEqual([]);
  });

  it('takes another base image and user', () => {
    const image = renderNodeTrainImage({ baseImage: 'gcr.io/distroless/nodejs24-debian12:nonroot', user: '65532:65532' });
    expect(image.baseImages).toEqual(['gcr.io/distroless/nodejs24-debian12:nonroot']);
    expect(instructions(image.dockerfile)).toContain('USER 65532:65532');
  });
});

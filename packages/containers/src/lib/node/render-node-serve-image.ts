import type { ContainersIssue } from '../containers-error.js';
import { contextPathIssue, normalizeContextPath } from '../dockerfile/dockerfile-text.js';
import type { RenderedImage } from '../rendered-files.js';
import { renderNodeAppImage, type NodeImageOptions } from './render-node-app-image.js';

/** Where the serving image gets its model directory. */
export type ServeImageModel =
  /** Copied into the image at build time from this folder of the build context: no download at start. */
  | { bake: string }
  /** Fetched at start from this URI (`gs://bucket/models/v1/`); MODEL_URI in the image, overridable at run time. */
  | { uri: string };

/** Options of {@link renderNodeServeImage}. */
export interface NodeServeImageOptions extends NodeImageOptions {
  /**
   * The model directory. Default: none in the image; the container reads MODEL_URI at start, or on Vertex AI the
   * AIP_STORAGE_URI that Vertex sets to the uploaded model's artifacts.
   */
  model?: ServeImageModel;
  /** The port to document with EXPOSE (default 8080, what Cloud Run and Vertex AI send by default). */
  port?: number;
}

/** Where a baked model lands in the image. */
export const BAKED_MODEL_DIR = '/app/model';

/**
 * Renders the Dockerfile and .dockerignore of a Node prediction server image (e.g. apps/serve-cloud-run, or your
 * own app on `@vertexkit/serve`): multi-stage, `npm ci --omit=dev` from the lockfile, code owned by root and run
 * as the unprivileged `node` user, exec-form CMD so SIGTERM reaches the server, the model baked in or fetched at
 * start. The same image runs on Cloud Run (PORT) and as a Vertex AI custom serving container (AIP_HTTP_PORT,
 * AIP_HEALTH_ROUTE, AIP_PREDICT_ROUTE, AIP_STORAGE_URI).
 *
 * @example
 * const image = renderNodeServeImage({ model: { uri: 'gs://my-bucket/models/spam/' } });
 * await writeFile('Dockerfile', image.dockerfile);
 * await writeFile('.dockerignore', image.dockerignore);
 * @throws ContainersError `INVALID_OPTIONS` naming each bad option and its fix.
 */
export function renderNodeServeImage(options: NodeServeImageOptions = {}): RenderedImage {
  const issues: ContainersIssue[] = [];
  const port = options.port ?? 8080;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    issues.push({ path: 'port', message: `${String(port)} is not a TCP port; use 1-65535 (Cloud Run and Vertex AI default to 8080)` });
  }
  const runtimeLines: string[] = [];
  const contextIncludes: string[] = [];
  const model = options.model;
  if (model && 'bake' in model) {
    const issue = contextPathIssue(model.bake);
    if (issue) issues.push({ path: 'model.bake', message: issue });
    const dir = normalizeContextPath(model.bake);
    runtimeLines.push(`COPY ${dir} ${BAKED_MODEL_DIR}`, `ENV MODEL_URI=${BAKED_MODEL_DIR}`);
    contextIncludes.push(dir);
  } else if (model && 'uri' in model) {
    if (!/^(gs:\/\/[a-z0-9][a-z0-9._-]{1,220}[a-z0-9](\/.*)?|\/.+)$/.test(model.uri)) {
      issues.push({ path: 'model.uri', message: `"${model.uri}" is neither gs://BUCKET/PATH (bucket names are 3-63 lowercase letters, digits, "-", "_" and ".") nor an absolute path in the container` });
    }
    runtimeLines.push(`ENV MODEL_URI=${model.uri}`);
  }
  runtimeLines.push(`EXPOSE ${String(port)}`);
  return renderNodeAppImage(options, {
    kind: 'serve',
    renderer: 'renderNodeServeImage',
    about:
      'A prediction server for Cloud Run (PORT) and Vertex AI endpoints (AIP_HTTP_PORT, AIP_HEALTH_ROUTE, AIP_PREDICT_ROUTE, AIP_STORAGE_URI).',
    runtimeLines,
    start: 'CMD',
    issues,
    contextIncludes,
  });
}

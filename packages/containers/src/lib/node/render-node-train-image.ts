import type { RenderedImage } from '../rendered-files.js';
import { renderNodeAppImage, type NodeImageOptions } from './render-node-app-image.js';

/** Options of {@link renderNodeTrainImage}. */
export type NodeTrainImageOptions = NodeImageOptions;

/**
 * Renders the Dockerfile and .dockerignore of a Node training image for Vertex AI custom jobs (e.g. apps/train):
 * multi-stage, `npm ci --omit=dev`, run as the unprivileged `node` user, and an exec-form ENTRYPOINT so the job's
 * `args` are appended to it and SIGTERM (how Vertex AI cancels a job) reaches the trainer. The job writes to
 * AIP_MODEL_DIR and AIP_CHECKPOINT_DIR (gs:// URIs, or `/gcs/<bucket>/...` through Cloud Storage FUSE).
 *
 * @example
 * const image = renderNodeTrainImage({ command: ['node', 'src/main.ts'] });
 * @throws ContainersError `INVALID_OPTIONS` naming each bad option and its fix.
 */
export function renderNodeTrainImage(options: NodeTrainImageOptions = {}): RenderedImage {
  return renderNodeAppImage(options, {
    kind: 'train',
    renderer: 'renderNodeTrainImage',
    about: "A training container for Vertex AI custom jobs: the job's args are appended to the ENTRYPOINT.",
    runtimeLines: [],
    start: 'ENTRYPOINT',
    issues: [],
    contextIncludes: [],
  });
}

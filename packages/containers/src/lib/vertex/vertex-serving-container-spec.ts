import { throwIfIssues, type ContainersIssue } from '../containers-error.js';
import { ENV_NAME } from '../dockerfile/dockerfile-text.js';

/**
 * A Vertex AI model's serving container (`Model.containerSpec` in the API, `ModelContainerSpec`): the JSON that
 * `models.upload` takes, and what `@vertexkit/jobs`' `uploadModel` / `validateModelUploadSpec` accept as
 * `model.containerSpec`. Vertex AI starts the container with AIP_HTTP_PORT set to the first port, and
 * AIP_PREDICT_ROUTE / AIP_HEALTH_ROUTE set to these routes.
 */
export interface VertexServingContainerSpec {
  imageUri: string;
  command?: string[];
  args?: string[];
  env?: { name: string; value: string }[];
  ports: { containerPort: number }[];
  predictRoute: string;
  healthRoute: string;
}

/** Options of {@link vertexServingContainerSpec}. */
export interface VertexServingContainerOptions {
  /** The image, in Artifact Registry: `us-central1-docker.pkg.dev/my-project/models/spam-serve:v1`. */
  imageUri: string;
  /** The port the server listens on (default 8080; Vertex AI passes it as AIP_HTTP_PORT). */
  port?: number;
  /** POST route for predictions (default `/predict`, what @vertexkit/serve answers without AIP_PREDICT_ROUTE). */
  predictRoute?: string;
  /** GET readiness route (default `/health`). Vertex AI routes traffic once it answers 200. */
  healthRoute?: string;
  /** Extra environment of the container (the model location comes from AIP_STORAGE_URI, set by Vertex AI). */
  env?: Record<string, string>;
  /** Overrides the image's ENTRYPOINT. */
  command?: string[];
  /** Overrides the image's CMD. */
  args?: string[];
}

// Vertex AI sets these itself; a value in the spec would be overwritten or refused.
const RESERVED_ENV = ['AIP_HTTP_PORT', 'AIP_PREDICT_ROUTE', 'AIP_HEALTH_ROUTE', 'AIP_STORAGE_URI', 'AIP_MODE', 'AIP_DEPLOYED_MODEL_ID', 'AIP_ENDPOINT_ID', 'AIP_MACHINE_TYPE', 'AIP_PROJECT_NUMBER'];
// Vertex AI sends health checks and predictions to the first port only ("specifying additional ports has no
// effect": https://cloud.google.com/vertex-ai/docs/reference/rest/v1/ModelContainerSpec), so the spec lists one.
const IMAGE_URI = /^([a-z0-9.-]+(:\d+)?\/)?[a-z0-9._/-]+(:[\w][\w.-]{0,127})?(@sha256:[a-f0-9]{64})?$/;

/**
 * The serving container spec of a Vertex AI model upload for an image built with `renderNodeServeImage` (or any
 * server on @vertexkit/serve): port, routes and env, in the API's JSON. Pass it as `model.containerSpec` to
 * `@vertexkit/jobs`' `uploadModel`, or render it as `gcloud ai models upload` with `renderGcloudCommand`.
 *
 * @example
 * const containerSpec = vertexServingContainerSpec({ imageUri: 'us-central1-docker.pkg.dev/p/models/spam-serve:v1' });
 * await jobs.uploadModel({ model: { displayName: 'spam', artifactUri: 'gs://b/models/spam/', containerSpec } });
 * @throws ContainersError `INVALID_OPTIONS` naming each bad option and its fix.
 */
export function vertexServingContainerSpec(options: VertexServingContainerOptions): VertexServingContainerSpec {
  const issues: ContainersIssue[] = [];
  const port = options.port ?? 8080;
  if (typeof options.imageUri !== 'string' || !IMAGE_URI.test(options.imageUri)) {
    issues.push({
      path: 'imageUri',
      message: `"${String(options.imageUri)}" is not an image reference; use REGION-docker.pkg.dev/PROJECT/REPOSITORY/IMAGE:TAG`,
    });
  }
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    issues.push({ path: 'port', message: `${String(port)} is not a TCP port; use 1-65535 (default 8080)` });
  }
  for (const [field, route] of [
    ['predictRoute', options.predictRoute],
    ['healthRoute', options.healthRoute],
  ] as const) {
    if (route !== undefined && !/^\/[^\s?#]*$/.test(route)) {
      issues.push({ path: field, message: `"${route}" is not a route; start it with / and leave out query and spaces, e.g. "/predict"` });
    }
  }
  for (const name of Object.keys(options.env ?? {})) {
    if (!ENV_NAME.test(name)) {
      issues.push({ path: `env.${name}`, message: `"${name}" is not a valid environment variable name; use letters, digits and _` });
    } else if (RESERVED_ENV.includes(name)) {
      issues.push({ path: `env.${name}`, message: `${name} is set by Vertex AI itself; leave it out (set port, predictRoute or healthRoute instead)` });
    }
  }
  throwIfIssues('vertexServingContainerSpec', issues);
  const env = Object.entries(options.env ?? {}).map(([name, value]) => ({ name, value }));
  return {
    imageUri: options.imageUri,
    ...(options.command ? { command: [...options.command] } : {}),
    ...(options.args ? { args: [...options.args] } : {}),
    ...(env.length > 0 ? { env } : {}),
    ports: [{ containerPort: port }],
    predictRoute: options.predictRoute ?? '/predict',
    healthRoute: options.healthRoute ?? '/health',
  };
}

// The Knative Service YAML `gcloud run services replace` reads, in the shape of Cloud Run's YAML reference
// (https://cloud.google.com/run/docs/reference/yaml/v1). Region and project stay out of the file (no namespace, no
// cloud.googleapis.com/location label) so one file deploys anywhere; the command names them.
import { toYamlText } from '../gcloud/yaml-text.js';
import { validCloudRunService, type CloudRunServiceOptions, type ResolvedCloudRunService, type ResolvedProbe } from './cloud-run-service-options.js';

/**
 * Renders a Cloud Run service as the `serving.knative.dev/v1` Service YAML that `gcloud run services replace`
 * deploys: name, labels and ingress; scaling, CPU allocation, startup boost and execution environment annotations;
 * concurrency, timeout and service account; the container's image, port, env (plain and Secret Manager), CPU and
 * memory limits, and an HTTP startup probe on the health route (plus an optional liveness probe). The options are
 * checked against Cloud Run's documented limits first.
 *
 * @example
 * const yaml = renderCloudRunService({ name: 'sentiment', image: 'us-central1-docker.pkg.dev/p/models/sentiment:1', memory: '4Gi', cpu: 2 });
 * @throws ContainersError INVALID_OPTIONS listing every invalid option with its fix
 */
export function renderCloudRunService(options: CloudRunServiceOptions): string {
  return toYamlText(cloudRunServiceManifest(validCloudRunService(options, 'renderCloudRunService')));
}

function probe(resolved: ResolvedProbe, port: number): Record<string, unknown> {
  return {
    httpGet: { path: resolved.path, port },
    ...(resolved.initialDelaySeconds > 0 ? { initialDelaySeconds: resolved.initialDelaySeconds } : {}),
    periodSeconds: resolved.periodSeconds,
    timeoutSeconds: resolved.timeoutSeconds,
    failureThreshold: resolved.failureThreshold,
  };
}

/** The Service object, JSON-shaped, before it becomes YAML. */
function cloudRunServiceManifest(service: ResolvedCloudRunService): Record<string, unknown> {
  // Annotation values are strings in the API (map<string, string>); numbers and booleans would be refused.
  const templateAnnotations: Record<string, string> = {
    'autoscaling.knative.dev/minScale': String(service.minInstances),
    'autoscaling.knative.dev/maxScale': String(service.maxInstances),
    'run.googleapis.com/cpu-throttling': String(!service.cpuAlwaysAllocated),
    'run.googleapis.com/startup-cpu-boost': String(service.startupCpuBoost),
    ...(service.executionEnvironment !== undefined ? { 'run.googleapis.com/execution-environment': service.executionEnvironment } : {}),
  };
  const env = [
    ...service.env.map(({ name, value }) => ({ name, value })),
    ...service.secrets.map(({ name, secret, version }) => ({ name, valueFrom: { secretKeyRef: { name: secret, key: version } } })),
  ];
  const container: Record<string, unknown> = {
    image: service.image,
    // http1: Cloud Run's default protocol; the HTTP probes need HTTP/1 too.
    ports: [{ name: 'http1', containerPort: service.port }],
    ...(env.length > 0 ? { env } : {}),
    resources: { limits: { cpu: String(service.cpu), memory: service.memory } },
    startupProbe: probe(service.startupProbe, service.port),
    ...(service.livenessProbe ? { livenessProbe: probe(service.livenessProbe, service.port) } : {}),
  };
  return {
    apiVersion: 'serving.knative.dev/v1',
    kind: 'Service',
    metadata: {
      name: service.name,
      ...(service.labels.length > 0 ? { labels: Object.fromEntries(service.labels.map(({ key, value }) => [key, value])) } : {}),
      annotations: { 'run.googleapis.com/ingress': service.ingress },
    },
    spec: {
      template: {
        metadata: { annotations: templateAnnotations },
        spec: {
          containerConcurrency: service.concurrency,
          timeoutSeconds: service.timeoutSeconds,
          ...(service.serviceAccount !== undefined ? { serviceAccountName: service.serviceAccount } : {}),
          containers: [container],
        },
      },
    },
  };
}

// Cloud Run service YAML: its shape (parsed back), its defaults, and every option rule with its exact message.
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { checkCloudRunService } from '../../src/lib/cloud-run/check-cloud-run-service.js';
import type { CloudRunServiceOptions } from '../../src/lib/cloud-run/cloud-run-service-options.js';
import { renderCloudRunService } from '../../src/lib/cloud-run/render-cloud-run-service.js';
import { errorOf, FULL, IMAGE } from './fixtures.js';

const MINIMAL: CloudRunServiceOptions = { name: 'sentiment', image: IMAGE };

function issuesOf(options: CloudRunServiceOptions): Array<{ path: string; message: string }> {
  return errorOf(() => renderCloudRunService(options)).issues;
}

describe('renderCloudRunService', () => {
  it('renders every option where Cloud Run reads it', () => {
    expect(parse(renderCloudRunService(FULL))).toEqual({
      apiVersion: 'serving.knative.dev/v1',
      kind: 'Service',
      metadata: {
        name: 'sentiment',
        labels: { team: 'ml', env: 'prod' },
        annotations: { 'run.googleapis.com/ingress': 'internal-and-cloud-load-balancing' },
      },
      spec: {
        template: {
          metadata: {
            annotations: {
              'autoscaling.knative.dev/minScale': '1',
              'autoscaling.knative.dev/maxScale': '5',
              'run.googleapis.com/cpu-throttling': 'false',
              'run.googleapis.com/startup-cpu-boost': 'false',
              'run.googleapis.com/execution-environment': 'gen2',
            },
          },
          spec: {
            containerConcurrency: 16,
            timeoutSeconds: 900,
            serviceAccountName: 'sentiment@my-project.iam.gserviceaccount.com',
            containers: [
              {
                image: IMAGE,
                ports: [{ name: 'http1', containerPort: 9000 }],
                env: [
                  { name: 'MODEL_NAME', value: 'distilbert' },
                  { name: 'LABELS', value: 'negative,positive' },
                  { name: 'HF_TOKEN', valueFrom: { secretKeyRef: { name: 'hf-token', key: '3' } } },
                  { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db-password', key: 'latest' } } },
                ],
                resources: { limits: { cpu: '4', memory: '8Gi' } },
                startupProbe: { httpGet: { path: '/ready', port: 9000 }, initialDelaySeconds: 5, periodSeconds: 20, timeoutSeconds: 10, failureThreshold: 12 },
                livenessProbe: { httpGet: { path: '/live', port: 9000 }, periodSeconds: 60, timeoutSeconds: 3, failureThreshold: 5 },
              },
            ],
          },
        },
      },
    });
  });

  it('fills in the documented defaults', () => {
    expect(parse(renderCloudRunService(MINIMAL))).toEqual({
      apiVersion: 'serving.knative.dev/v1',
      kind: 'Service',
      metadata: { name: 'sentiment', annotations: { 'run.googleapis.com/ingress': 'all' } },
      spec: {
        template: {
          metadata: {
            annotations: {
              'autoscaling.knative.dev/minScale': '0',
              'autoscaling.knative.dev/maxScale': '100',
              'run.googleapis.com/cpu-throttling': 'true',
              'run.googleapis.com/startup-cpu-boost': 'true',
            },
          },
          spec: {
            containerConcurrency: 80,
            timeoutSeconds: 300,
            containers: [
              {
                image: IMAGE,
                ports: [{ name: 'http1', containerPort: 8080 }],
                resources: { limits: { cpu: '1', memory: '2Gi' } },
                startupProbe: { httpGet: { path: '/health', port: 8080 }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 24 },
              },
            ],
          },
        },
      },
    });
  });

  it('quotes annotation values, so gcloud reads strings', () => {
    const yaml = renderCloudRunService(MINIMAL);
    expect(yaml).toContain('autoscaling.knative.dev/minScale: "0"');
    expect(yaml).toContain('run.googleapis.com/cpu-throttling: "true"');
    expect(yaml).toContain('cpu: "1"');
  });

  it('defaults concurrency to 1 below 1 CPU, and a liveness probe to the health route', () => {
    const service = parse(renderCloudRunService({ ...MINIMAL, cpu: 0.5, memory: '512Mi', livenessProbe: true })) as {
      spec: { template: { spec: { containerConcurrency: number; containers: Array<{ livenessProbe: unknown; resources: unknown }> } } };
    };
    expect(service.spec.template.spec.containerConcurrency).toBe(1);
    expect(service.spec.template.spec.containers[0]?.resources).toEqual({ limits: { cpu: '0.5', memory: '512Mi' } });
    expect(service.spec.template.spec.containers[0]?.livenessProbe).toEqual({ httpGet: { path: '/health', port: 8080 }, periodSeconds: 30, timeoutSeconds: 5, failureThreshold: 3 });
  });

  it('shortens the default probe timeout to a short period', () => {
    const service = parse(renderCloudRunService({ ...MINIMAL, startupProbe: { periodSeconds: 2 } })) as {
      spec: { template: { spec: { containers: Array<{ startupProbe: unknown }> } } };
    };
    expect(service.spec.template.spec.containers[0]?.startupProbe).toEqual({ httpGet: { path: '/health', port: 8080 }, periodSeconds: 2, timeoutSeconds: 2, failureThreshold: 24 });
  });

  it('renders files that pass their own check', () => {
    for (const options of [MINIMAL, FULL, { ...MINIMAL, cpu: 0.25, memory: '256Mi', executionEnvironment: 'gen1' as const }]) {
      expect(checkCloudRunService(renderCloudRunService(options))).toEqual([]);
    }
  });
});

describe('renderCloudRunService validation', () => {
  it('reports every issue at once in one INVALID_OPTIONS error', () => {
    const error = errorOf(() => renderCloudRunService({ name: 'My_Service', image: IMAGE, memory: '3GB', timeoutSeconds: 7200 }));
    expect(error.code).toBe('INVALID_OPTIONS');
    expect(error.issues.map((issue) => issue.path)).toEqual(['name', 'memory', 'timeoutSeconds']);
    expect(error.message).toBe(
      [
        'renderCloudRunService: 3 invalid options',
        '  name: "My_Service" is not a Cloud Run service name: use lowercase letters, digits and "-", start with a letter and do not end with "-"; e.g. "my-service"',
        '  memory: "3GB" is not a Cloud Run memory size; write a number and Mi or Gi, e.g. "512Mi" or "2Gi"',
        "  timeoutSeconds: 7200 is out of range: Cloud Run's request timeout in seconds (default 300, at most 60 minutes) must be a whole number from 1 to 3600",
      ].join('\n'),
    );
  });

  const cases: Array<[string, Partial<CloudRunServiceOptions>, { path: string; message: string }]> = [
    ['name too long', { name: `a${'b'.repeat(49)}` }, { path: 'name', message: `"a${'b'.repeat(49)}" is 50 characters; Cloud Run service names must be at most 49; e.g. "a${'b'.repeat(48)}"` }],
    ['name ending in -', { name: 'model-' }, { path: 'name', message: '"model-" is not a Cloud Run service name: use lowercase letters, digits and "-", start with a letter and do not end with "-"; e.g. "model"' }],
    ['name starting with a digit', { name: '1model' }, { path: 'name', message: '"1model" is not a Cloud Run service name: use lowercase letters, digits and "-", start with a letter and do not end with "-"; e.g. "model"' }],
    ['image with upper case', { image: 'us-central1-docker.pkg.dev/p/Models/x:1' }, { path: 'image', message: '"us-central1-docker.pkg.dev/p/Models/x:1" is not a valid image reference ("Models"); image paths are lowercase: "models"' }],
    ['image with a space', { image: 'my image' }, { path: 'image', message: '"my image" holds whitespace; an image reference cannot, remove it' }],
    ['image with a bad tag', { image: 'gcr.io/p/x:-1' }, { path: 'image', message: '"gcr.io/p/x:-1" has the invalid tag "-1"; tags are up to 128 letters, digits, "_", "." and "-", not starting with "." or "-"' }],
    ['memory above 32Gi', { memory: '64Gi', cpu: 8 }, { path: 'memory', message: `"64Gi" is more than Cloud Run's maximum of 32Gi; set at most "32Gi"` }],
    ['memory below 128Mi', { memory: '64Mi', cpu: 0.08 }, { path: 'memory', message: `"64Mi" is too little: Cloud Run's minimum is 128Mi; set at least "128Mi"` }],
    ['memory below 512Mi on gen2', { memory: '256Mi', executionEnvironment: 'gen2' }, { path: 'memory', message: '"256Mi" is too little: the second generation execution environment needs at least 512Mi; set at least "512Mi"' }],
    ['3 CPUs', { cpu: 3 }, { path: 'cpu', message: '3 is not a Cloud Run CPU count: use 1, 2, 4, 6 or 8, or a value from 0.08 below 1 in steps of 0.001; did you mean 4?' }],
    ['0.05 CPU', { cpu: 0.05 }, { path: 'cpu', message: '0.05 is not a Cloud Run CPU count: use 1, 2, 4, 6 or 8, or a value from 0.08 below 1 in steps of 0.001' }],
    ['more than 4Gi with 1 CPU', { memory: '6Gi', cpu: 1 }, { path: 'cpu', message: '1 is too few CPUs for memory "6Gi": more than 4Gi needs at least 2; set cpu to 2 or lower memory to "4Gi"' }],
    ['more than 8Gi with 2 CPUs', { memory: '9Gi', cpu: 2 }, { path: 'cpu', message: '2 is too few CPUs for memory "9Gi": more than 8Gi needs at least 4; set cpu to 4 or lower memory to "8Gi"' }],
    ['more than 16Gi with 4 CPUs', { memory: '20Gi', cpu: 4 }, { path: 'cpu', message: '4 is too few CPUs for memory "20Gi": more than 16Gi needs at least 6; set cpu to 6 or lower memory to "16Gi"' }],
    ['more than 24Gi with 6 CPUs', { memory: '32Gi', cpu: 6 }, { path: 'cpu', message: '6 is too few CPUs for memory "32Gi": more than 24Gi needs at least 8; set cpu to 8 or lower memory to "24Gi"' }],
    ['4 CPUs with 1Gi', { memory: '1Gi', cpu: 4 }, { path: 'memory', message: '"1Gi" is too little for cpu 4: 4 CPUs need at least 2Gi; set memory to "2Gi" or lower cpu' }],
    ['8 CPUs with 2Gi', { memory: '2Gi', cpu: 8 }, { path: 'memory', message: '"2Gi" is too little for cpu 8: 8 CPUs need at least 4Gi; set memory to "4Gi" or lower cpu' }],
    ['0.25 CPU with 1Gi', { memory: '1Gi', cpu: 0.25 }, { path: 'cpu', message: '0.25 is too few CPUs for memory "1Gi": more than 512Mi needs at least 0.5 CPU; set cpu to 0.5 or lower memory to "512Mi"' }],
    ['0.5 CPU with 2Gi', { memory: '2Gi', cpu: 0.5 }, { path: 'cpu', message: '0.5 is too few CPUs for memory "2Gi": more than 1Gi needs at least 1 CPU; set cpu to 1 or lower memory to "1Gi"' }],
    ['concurrency 80 below 1 CPU', { memory: '512Mi', cpu: 0.5, concurrency: 80 }, { path: 'concurrency', message: '80 needs at least 1 CPU: below 1 CPU (cpu 0.5) Cloud Run serves one request at a time; set concurrency to 1 or cpu to 1' }],
    ['CPU always allocated below 1 CPU', { memory: '512Mi', cpu: 0.5, cpuAlwaysAllocated: true }, { path: 'cpuAlwaysAllocated', message: 'CPU always allocated needs at least 1 CPU (cpu is 0.5); below 1 CPU Cloud Run allocates CPU only during requests: turn it off or set cpu to 1' }],
    ['gen2 below 1 CPU', { memory: '512Mi', cpu: 0.5, executionEnvironment: 'gen2' }, { path: 'executionEnvironment', message: '"gen2" needs at least 1 CPU (cpu is 0.5); below 1 CPU Cloud Run runs the first generation only: use "gen1" or set cpu to 1' }],
    ['concurrency 0', { concurrency: 0 }, { path: 'concurrency', message: "0 is out of range: Cloud Run's concurrency (requests per instance) must be a whole number from 1 to 1000" }],
    ['concurrency 1001', { concurrency: 1001 }, { path: 'concurrency', message: "1001 is out of range: Cloud Run's concurrency (requests per instance) must be a whole number from 1 to 1000" }],
    ['timeout 0', { timeoutSeconds: 0 }, { path: 'timeoutSeconds', message: "0 is out of range: Cloud Run's request timeout in seconds (default 300, at most 60 minutes) must be a whole number from 1 to 3600" }],
    ['min above max', { minInstances: 10, maxInstances: 3 }, { path: 'minInstances', message: '10 is more than maxInstances 3; lower minInstances or raise maxInstances to at least 10' }],
    ['negative min', { minInstances: -1 }, { path: 'minInstances', message: '-1 is out of range: the minimum instance count must be a whole number 0 or more' }],
    ['max 0', { maxInstances: 0 }, { path: 'maxInstances', message: '0 is out of range: the maximum instance count must be a whole number 1 or more' }],
    ['port 0', { port: 0 }, { path: 'port', message: '0 is out of range: a TCP port must be a whole number from 1 to 65535' }],
    ['health route without /', { healthRoute: 'health' }, { path: 'healthRoute', message: '"health" is not an HTTP path for the health check: start it with "/" and leave out spaces; did you mean "/health"?' }],
    ['env PORT', { env: { PORT: '9000' } }, { path: 'env.PORT', message: '"PORT" is reserved by Cloud Run\'s container contract; Cloud Run sets it to the container port; set the port option instead and read $PORT' }],
    ['env K_SERVICE', { env: { K_SERVICE: 'x' } }, { path: 'env.K_SERVICE', message: '"K_SERVICE" is reserved by Cloud Run\'s container contract; Cloud Run sets it itself; remove it or rename it' }],
    ['env with =', { env: { 'A=B': 'x' } }, { path: 'env.A=B', message: '"A=B" holds "="; environment variable names cannot, rename it' }],
    ['env X_GOOGLE_', { env: { X_GOOGLE_FOO: 'x' } }, { path: 'env.X_GOOGLE_FOO', message: '"X_GOOGLE_FOO" starts with X_GOOGLE_, which Cloud Run reserves; rename it' }],
    ['secret in plain env', { env: { OPENAI_API_KEY: 'sk-123' } }, { path: 'env.OPENAI_API_KEY', message: "OPENAI_API_KEY looks like a secret, written in plain text where anyone with viewer access reads it; store it in Secret Manager and pass it as secrets: { OPENAI_API_KEY: 'SECRET_NAME' }" }],
    ['both env and secret', { env: { HF_HOME: '/tmp' }, secrets: { HF_HOME: 'hf' } }, { path: 'secrets.HF_HOME', message: 'HF_HOME is also in env; a variable is either plain or a secret: remove it from one of them' }],
    ['secret resource path', { secrets: { TOKEN: 'projects/1/secrets/t' } }, { path: 'secrets.TOKEN', message: '"projects/1/secrets/t" is a resource path; give the secret\'s name in this project (e.g. "hf-token" or "hf-token:3")' }],
    ['secret bad name', { secrets: { TOKEN: 'my token' } }, { path: 'secrets.TOKEN', message: '"my token" is not a Secret Manager secret name: letters, digits, "_" and "-"; write "NAME" or "NAME:VERSION"' }],
    ['secret bad version', { secrets: { TOKEN: 'hf-token:v2' } }, { path: 'secrets.TOKEN', message: '"v2" is not a secret version; use "latest" or a version number, e.g. "hf-token:1"' }],
    ['probe timeout above period', { startupProbe: { periodSeconds: 5, timeoutSeconds: 8 } }, { path: 'startupProbe.timeoutSeconds', message: '8 is longer than the probe period (5 s); a probe must time out before the next one starts: lower it to 5 or raise startupProbe.periodSeconds' }],
    ['probe delay above 240', { startupProbe: { initialDelaySeconds: 300 } }, { path: 'startupProbe.initialDelaySeconds', message: '300 is out of range: a probe delay in seconds must be a whole number from 0 to 240' }],
    ['startup period above 240', { startupProbe: { periodSeconds: 300 } }, { path: 'startupProbe.periodSeconds', message: '300 is out of range: a startup probe period in seconds must be a whole number from 1 to 240' }],
    ['liveness path without /', { livenessProbe: { path: 'live' } }, { path: 'livenessProbe.path', message: '"live" is not an HTTP path for the health check: start it with "/" and leave out spaces; did you mean "/live"?' }],
    ['label key upper case', { labels: { Team: 'ml' } }, { path: 'labels.Team', message: '"Team" is not a label key: start with a lowercase letter, then lowercase letters, digits, "_" and "-", at most 63 characters' }],
    ['label value with a space', { labels: { team: 'ml ops' } }, { path: 'labels.team', message: '"ml ops" is not a label value: lowercase letters, digits, "_" and "-", at most 63 characters' }],
    ['service account', { serviceAccount: 'sentiment' }, { path: 'serviceAccount', message: '"sentiment" is not a service account email; write NAME@PROJECT.iam.gserviceaccount.com' }],
    ['region', { region: 'us central' }, { path: 'region', message: '"us central" is not a Cloud Run region; write one such as "us-central1" or "europe-west4"' }],
    ['project', { project: 'My Project' }, { path: 'project', message: '"My Project" is not a Google Cloud project ID: 6–30 lowercase letters, digits and "-", starting with a letter' }],
    ['execution environment', { executionEnvironment: 'gen3' as 'gen2' }, { path: 'executionEnvironment', message: '"gen3" is not a Cloud Run execution environment; use "gen1" or "gen2"' }],
    ['ingress', { ingress: 'public' as 'all' }, { path: 'ingress', message: '"public" is not a Cloud Run ingress setting; use "all", "internal", "internal-and-cloud-load-balancing"' }],
  ];

  it.each(cases)('%s', (_name, change, issue) => {
    expect(issuesOf({ ...MINIMAL, ...change })).toEqual([issue]);
  });

  it('accepts the documented edges', () => {
    for (const change of [
      { memory: '32Gi', cpu: 8 },
      { memory: '4Gi', cpu: 1 },
      { memory: '8Gi', cpu: 2 },
      { memory: '2Gi', cpu: 4 },
      { memory: '1Gi', cpu: 0.5, concurrency: 1 },
      { memory: '512Mi', cpu: 0.08 },
      { memory: '512Mi', cpu: 0.125 },
      { concurrency: 1000, timeoutSeconds: 3600 },
      { minInstances: 3, maxInstances: 3 },
      { env: { HF_TOKEN_PATH: '/secrets/hf', SECRET_NAME: 'x', API_KEY: '' } },
    ] satisfies Array<Partial<CloudRunServiceOptions>>) {
      expect(() => renderCloudRunService({ ...MINIMAL, ...change })).not.toThrow();
    }
  });
});

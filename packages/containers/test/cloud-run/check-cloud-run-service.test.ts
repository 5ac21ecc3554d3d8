// checkCloudRunService: a rendered service passes; each hand-broken one is caught at the right field.
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { checkCloudRunService } from '../../src/lib/cloud-run/check-cloud-run-service.js';
import { renderCloudRunService } from '../../src/lib/cloud-run/render-cloud-run-service.js';
import { FULL, IMAGE } from './fixtures.js';

interface Probe {
  httpGet?: { path?: string; port?: number };
  tcpSocket?: { port: number };
  timeoutSeconds?: number;
}
interface EnvEntry {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name?: string; key?: string }; configMapKeyRef?: { name: string; key: string } };
}
interface Container {
  image?: string;
  ports?: Array<{ name?: string; containerPort?: number }>;
  env: EnvEntry[];
  resources?: { limits: { cpu?: string; memory?: string } };
  startupProbe?: Probe;
  livenessProbe?: Probe;
}
interface Service {
  apiVersion: string;
  kind: string;
  metadata: { name?: string; annotations: Record<string, string> };
  spec: { template: { metadata: { annotations: Record<string, string> }; spec: { containerConcurrency?: number; timeoutSeconds?: number; containers: Container[] } } };
}

const GOOD = renderCloudRunService({ name: 'sentiment', image: IMAGE, env: { MODEL_NAME: 'distilbert' }, secrets: { HF_TOKEN: 'hf-token' } });
const C0 = 'spec.template.spec.containers[0]';

/** The good service with one change made. */
function broken(edit: (service: Service, container: Container) => void): string {
  const service = parse(GOOD) as Service;
  const container = service.spec.template.spec.containers[0];
  if (!container) throw new Error('the rendered service has no container');
  edit(service, container);
  return stringify(service);
}

describe('checkCloudRunService', () => {
  it('passes rendered services', () => {
    expect(checkCloudRunService(GOOD)).toEqual([]);
    expect(checkCloudRunService(renderCloudRunService(FULL))).toEqual([]);
  });

  it('passes a minimal hand-written service with a probe', () => {
    const yaml = `
apiVersion: serving.knative.dev/v1
kind: Service
metadata:
  name: hello
spec:
  template:
    spec:
      containers:
        - image: us-docker.pkg.dev/cloudrun/container/hello
          ports: [{containerPort: 8080}]
          resources: {limits: {cpu: 1000m, memory: 512Mi}}
          startupProbe: {httpGet: {path: /}}
`;
    expect(checkCloudRunService(yaml)).toEqual([]);
  });

  const cases: Array<[string, string, { path: string; message: string }]> = [
    ['wrong apiVersion', broken((s) => (s.apiVersion = 'run.googleapis.com/v1')), { path: 'apiVersion', message: '"run.googleapis.com/v1" is not what gcloud run services replace reads for a service; write "serving.knative.dev/v1"' }],
    ['wrong kind', broken((s) => (s.kind = 'Job')), { path: 'kind', message: '"Job" is not a Cloud Run service; write "Service"' }],
    ['missing name', broken((s) => delete s.metadata.name), { path: 'metadata.name', message: 'missing; name the service, e.g. "my-model"' }],
    ['bad name', broken((s) => (s.metadata.name = 'Sentiment_API')), { path: 'metadata.name', message: '"Sentiment_API" is not a Cloud Run service name: use lowercase letters, digits and "-", start with a letter and do not end with "-"; e.g. "sentiment-api"' }],
    ['bad ingress', broken((s) => (s.metadata.annotations['run.googleapis.com/ingress'] = 'private')), { path: 'metadata.annotations["run.googleapis.com/ingress"]', message: '"private" is not a Cloud Run ingress setting; use "all", "internal", "internal-and-cloud-load-balancing"' }],
    ['missing image', broken((_s, c) => delete c.image), { path: `${C0}.image`, message: 'missing; give the container image, e.g. "us-central1-docker.pkg.dev/my-project/models/server:1.0"' }],
    ['missing ports', broken((_s, c) => delete c.ports), { path: `${C0}.ports`, message: 'missing; Cloud Run then sends requests to 8080: declare the port your server listens on, "- name: http1" and "containerPort: 8080"' }],
    ['bad port name', broken((_s, c) => (c.ports![0]!.name = 'http')), { path: `${C0}.ports[0].name`, message: '"http" is not a Cloud Run port name; use "http1" (HTTP/1, which the HTTP probes need) or "h2c" (end-to-end HTTP/2)' }],
    ['port out of range', broken((_s, c) => (c.ports![0]!.containerPort = 80800)), { path: `${C0}.ports[0].containerPort`, message: '80800 is out of range: a TCP port must be a whole number from 1 to 65535' }],
    ['missing resources', broken((_s, c) => delete c.resources), { path: `${C0}.resources.limits`, message: 'missing; Cloud Run then gives 1 CPU and 512Mi, too little for most models: set "cpu" and "memory", e.g. cpu: "2", memory: 4Gi' }],
    ['missing memory', broken((_s, c) => delete c.resources!.limits.memory), { path: `${C0}.resources.limits.memory`, message: 'missing; Cloud Run then gives 512Mi: set it explicitly, e.g. "2Gi"' }],
    ['bad memory', broken((_s, c) => (c.resources!.limits.memory = '2GB')), { path: `${C0}.resources.limits.memory`, message: '"2GB" is not a Cloud Run memory size; write a number and Mi or Gi, e.g. "512Mi" or "2Gi"' }],
    ['bad cpu', broken((_s, c) => (c.resources!.limits.cpu = '3')), { path: `${C0}.resources.limits.cpu`, message: '3 is not a Cloud Run CPU count: use 1, 2, 4, 6 or 8, or a value from 0.08 below 1 in steps of 0.001; did you mean 4?' }],
    [
      'memory needs more cpu',
      broken((_s, c) => (c.resources!.limits.memory = '16Gi')),
      { path: `${C0}.resources.limits.cpu`, message: `1 is too few CPUs for ${C0}.resources.limits.memory "16Gi": more than 8Gi needs at least 4; set ${C0}.resources.limits.cpu to 4 or lower ${C0}.resources.limits.memory to "8Gi"` },
    ],
    [
      'fractional cpu with concurrency 80',
      broken((_s, c) => Object.assign(c.resources!.limits, { cpu: '500m', memory: '512Mi' })),
      { path: 'spec.template.spec.containerConcurrency', message: `80 needs at least 1 CPU: below 1 CPU (${C0}.resources.limits.cpu 0.5) Cloud Run serves one request at a time; set spec.template.spec.containerConcurrency to 1 or ${C0}.resources.limits.cpu to 1` },
    ],
    ['concurrency above 1000', broken((s) => (s.spec.template.spec.containerConcurrency = 2000)), { path: 'spec.template.spec.containerConcurrency', message: "2000 is out of range: Cloud Run's concurrency (requests per instance) must be a whole number from 1 to 1000" }],
    ['timeout above 3600', broken((s) => (s.spec.template.spec.timeoutSeconds = 4000)), { path: 'spec.template.spec.timeoutSeconds', message: "4000 is out of range: Cloud Run's request timeout in seconds (default 300, at most 60 minutes) must be a whole number from 1 to 3600" }],
    [
      'min above max',
      broken((s) => (s.spec.template.metadata.annotations['autoscaling.knative.dev/minScale'] = '200')),
      { path: 'spec.template.metadata.annotations["autoscaling.knative.dev/minScale"]', message: '200 is more than spec.template.metadata.annotations["autoscaling.knative.dev/maxScale"] 100; lower spec.template.metadata.annotations["autoscaling.knative.dev/minScale"] or raise spec.template.metadata.annotations["autoscaling.knative.dev/maxScale"] to at least 200' },
    ],
    [
      'unquoted annotation',
      GOOD.replace('minScale: "0"', 'minScale: 0'),
      { path: 'spec.template.metadata.annotations["autoscaling.knative.dev/minScale"]', message: "0 is not a string; annotation values must be quoted strings: write '0'" },
    ],
    [
      'unquoted on in an annotation',
      GOOD.replace('startup-cpu-boost: "true"', 'startup-cpu-boost: on'),
      { path: 'spec.template.metadata.annotations["run.googleapis.com/startup-cpu-boost"]', message: "true is not a string; annotation values must be quoted strings: write 'true'" },
    ],
    ['bad cpu-throttling', broken((s) => (s.spec.template.metadata.annotations['run.googleapis.com/cpu-throttling'] = 'always')), { path: 'spec.template.metadata.annotations["run.googleapis.com/cpu-throttling"]', message: '"always" is neither "true" nor "false"; write one of them' }],
    ['reserved env', broken((_s, c) => c.env.push({ name: 'PORT', value: '9000' })), { path: `${C0}.env[2].name`, message: '"PORT" is reserved by Cloud Run\'s container contract; Cloud Run sets it to the container port; set the port option instead and read $PORT' }],
    ['secret as plain env', broken((_s, c) => c.env.push({ name: 'DB_PASSWORD', value: 'hunter2' })), { path: `${C0}.env[2].value`, message: 'DB_PASSWORD looks like a secret written in plain text (anyone with viewer access reads it); store it in Secret Manager and write "valueFrom: {secretKeyRef: {name: SECRET, key: latest}}" instead of value' }],
    ['env value not a string', GOOD.replace('value: distilbert', 'value: yes'), { path: `${C0}.env[0].value`, message: "true is not a string; YAML reads it as boolean: quote it, 'true'" }],
    ['secret without key', broken((_s, c) => delete c.env[1]!.valueFrom!.secretKeyRef!.key), { path: `${C0}.env[1].valueFrom.secretKeyRef.key`, message: `missing; give the secret version as a string, "latest" or a number such as '1'` }],
    ['configMap instead of a secret', broken((_s, c) => (c.env[1]!.valueFrom = { configMapKeyRef: { name: 'x', key: 'y' } })), { path: `${C0}.env[1].valueFrom`, message: 'Cloud Run reads only secretKeyRef here; write "secretKeyRef: {name: SECRET, key: latest}"' }],
    ['both value and valueFrom', broken((_s, c) => (c.env[0]!.valueFrom = { secretKeyRef: { name: 'model', key: 'latest' } })), { path: `${C0}.env[0]`, message: 'MODEL_NAME has both value and valueFrom; keep one' }],
    // yaml's default (1.2) writer leaves `no` bare, and gcloud's YAML 1.1 reads it as false: the check sees it so.
    ['a YAML 1.2 "no" read as YAML 1.1', broken((s) => (s.spec.template.metadata.annotations['run.googleapis.com/cpu-throttling'] = 'no')), { path: 'spec.template.metadata.annotations["run.googleapis.com/cpu-throttling"]', message: "false is not a string; annotation values must be quoted strings: write 'false'" }],
    ['missing startup probe', broken((_s, c) => delete c.startupProbe), { path: `${C0}.startupProbe`, message: 'missing; Cloud Run then only waits for the port to open, and routes requests before the model is loaded: add "startupProbe: {httpGet: {path: /health}}" on your health route' }],
    ['TCP startup probe', broken((_s, c) => (c.startupProbe = { tcpSocket: { port: 8080 } })), { path: `${C0}.startupProbe.httpGet.path`, message: 'missing (a TCP probe only sees the port open); probe the health route over HTTP: "httpGet: {path: /health}"' }],
    ['probe path without /', broken((_s, c) => (c.startupProbe!.httpGet!.path = 'health')), { path: `${C0}.startupProbe.httpGet.path`, message: '"health" is not an HTTP path for the health check: start it with "/" and leave out spaces; did you mean "/health"?' }],
    ['probe on another port', broken((_s, c) => (c.startupProbe!.httpGet!.port = 9090)), { path: `${C0}.startupProbe.httpGet.port`, message: '9090 is not the container port 8080; probe the port the server listens on, or leave port out' }],
    ['probe timeout above its period', broken((_s, c) => (c.startupProbe!.timeoutSeconds = 30)), { path: `${C0}.startupProbe.timeoutSeconds`, message: `30 is longer than the probe period (10 s); a probe must time out before the next one starts: lower it to 10 or raise ${C0}.startupProbe.periodSeconds` }],
    ['liveness probe path', broken((_s, c) => (c.livenessProbe = { httpGet: { path: 'live' } })), { path: `${C0}.livenessProbe.httpGet.path`, message: '"live" is not an HTTP path for the health check: start it with "/" and leave out spaces; did you mean "/live"?' }],
    ['no containers', broken((s) => (s.spec.template.spec.containers = [])), { path: 'spec.template.spec.containers', message: 'missing; list the container, at least "- image: REGION-docker.pkg.dev/PROJECT/REPOSITORY/IMAGE:TAG"' }],
  ];

  it.each(cases)('catches %s', (_name, yaml, issue) => {
    expect(checkCloudRunService(yaml)).toEqual([issue]);
  });

  it('reports everything wrong at once', () => {
    const yaml = broken((s, c) => {
      s.kind = 'Job';
      delete c.ports;
      c.resources!.limits.memory = '64Gi';
    });
    expect(checkCloudRunService(yaml).map((issue) => issue.path)).toEqual(['kind', `${C0}.ports`, `${C0}.resources.limits.memory`]);
  });

  it('reports YAML that does not parse, or is not a service at all', () => {
    expect(checkCloudRunService('apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata: {name: x\n')).toEqual([
      expect.objectContaining({ path: expect.stringMatching(/^line \d+$/) as string }),
    ]);
    expect(checkCloudRunService('- a\n- b\n')).toEqual([{ path: 'document', message: 'the file is not a YAML map; a Cloud Run service starts with "apiVersion: serving.knative.dev/v1" and "kind: Service"' }]);
    expect(checkCloudRunService('apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata: {name: x}\n')).toEqual([
      { path: 'spec.template', message: 'missing; a service needs spec.template.spec.containers with at least the image' },
    ]);
  });
});

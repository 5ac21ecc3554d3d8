// gcloud run deploy and gcloud run services replace: their words for a full option set, and that deploy says what
// the YAML says.
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { cloudRunDeployCommand } from '../../src/lib/cloud-run/cloud-run-deploy-command.js';
import { cloudRunServicesReplaceCommand } from '../../src/lib/cloud-run/cloud-run-services-replace-command.js';
import { renderCloudRunService } from '../../src/lib/cloud-run/render-cloud-run-service.js';
import { splitGcloudList } from '../../src/lib/gcloud/gcloud-list.js';
import { errorOf, FULL, IMAGE } from './fixtures.js';

/** The command's text on one line: its flags are one a line, with backslash continuations. */
const oneLine = (text: string): string => text.replace(/ \\\n {2}/g, ' ');

describe('cloudRunDeployCommand', () => {
  it('gives every flag for a full option set', () => {
    expect(cloudRunDeployCommand(FULL).argv).toEqual([
      'gcloud',
      'run',
      'deploy',
      'sentiment',
      `--image=${IMAGE}`,
      '--region=europe-west4',
      '--project=my-project',
      '--port=9000',
      '--memory=8Gi',
      '--cpu=4',
      '--concurrency=16',
      '--timeout=900',
      '--min-instances=1',
      '--max-instances=5',
      '--ingress=internal-and-cloud-load-balancing',
      '--execution-environment=gen2',
      '--set-env-vars=^@^MODEL_NAME=distilbert@LABELS=negative,positive',
      '--set-secrets=HF_TOKEN=hf-token:3,DB_PASSWORD=db-password:latest',
      '--service-account=sentiment@my-project.iam.gserviceaccount.com',
      '--labels=team=ml,env=prod',
      '--allow-unauthenticated',
      '--no-cpu-throttling',
      '--no-cpu-boost',
    ]);
  });

  it('makes defaults explicit and clears what the YAML leaves out', () => {
    const command = cloudRunDeployCommand({ name: 'sentiment', image: IMAGE, region: 'us-central1', project: 'my-project' });
    expect(oneLine(command.text)).toBe(
      `gcloud run deploy sentiment --image=${IMAGE} --region=us-central1 --project=my-project --port=8080 --memory=2Gi --cpu=1 --concurrency=80 --timeout=300 --min-instances=0 --max-instances=100 --ingress=all --clear-env-vars --clear-secrets --clear-labels --no-allow-unauthenticated --cpu-throttling --cpu-boost`,
    );
  });

  it('quotes values with spaces and commas for the shell', () => {
    const command = cloudRunDeployCommand({ ...FULL, env: { GREETING: 'hello, world' } });
    expect(command.argv).toContain('--set-env-vars=^@^GREETING=hello, world');
    expect(command.text).toContain(`--set-env-vars='^@^GREETING=hello, world'`);
  });

  it('says what the YAML says', () => {
    interface Container {
      image: string;
      ports: Array<{ containerPort: number }>;
      resources: { limits: { cpu: string; memory: string } };
      env: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } }>;
    }
    const yaml = parse(renderCloudRunService(FULL)) as {
      metadata: { name: string; labels: Record<string, string>; annotations: Record<string, string> };
      spec: {
        template: {
          metadata: { annotations: Record<string, string> };
          spec: { containerConcurrency: number; timeoutSeconds: number; serviceAccountName: string; containers: Container[] };
        };
      };
    };
    const flags = new Map<string, string>();
    for (const word of cloudRunDeployCommand(FULL).argv.slice(4)) {
      const equals = word.indexOf('=');
      flags.set(equals === -1 ? word : word.slice(0, equals), equals === -1 ? '' : word.slice(equals + 1));
    }
    const template = yaml.spec.template;
    const container = template.spec.containers[0];
    if (!container) throw new Error('the rendered service has no container');
    expect(flags.get('--image')).toBe(container.image);
    expect(Number(flags.get('--port'))).toBe(container.ports[0]?.containerPort);
    expect(flags.get('--memory')).toBe(container.resources.limits.memory);
    expect(flags.get('--cpu')).toBe(container.resources.limits.cpu);
    expect(Number(flags.get('--concurrency'))).toBe(template.spec.containerConcurrency);
    expect(Number(flags.get('--timeout'))).toBe(template.spec.timeoutSeconds);
    expect(flags.get('--service-account')).toBe(template.spec.serviceAccountName);
    expect(flags.get('--min-instances')).toBe(template.metadata.annotations['autoscaling.knative.dev/minScale']);
    expect(flags.get('--max-instances')).toBe(template.metadata.annotations['autoscaling.knative.dev/maxScale']);
    expect(flags.get('--execution-environment')).toBe(template.metadata.annotations['run.googleapis.com/execution-environment']);
    expect(flags.has('--no-cpu-throttling')).toBe(template.metadata.annotations['run.googleapis.com/cpu-throttling'] === 'false');
    expect(flags.has('--no-cpu-boost')).toBe(template.metadata.annotations['run.googleapis.com/startup-cpu-boost'] === 'false');
    expect(flags.get('--ingress')).toBe(yaml.metadata.annotations['run.googleapis.com/ingress']);
    expect(Object.fromEntries(splitGcloudList(flags.get('--labels') ?? '').map((pair) => pair.split('=')))).toEqual(yaml.metadata.labels);
    const env = container.env;
    const plain = splitGcloudList(flags.get('--set-env-vars') ?? '').map((pair) => pair.split(/=(.*)/s).slice(0, 2));
    expect(plain).toEqual(env.filter((entry) => entry.value !== undefined).map((entry) => [entry.name, entry.value]));
    const secrets = splitGcloudList(flags.get('--set-secrets') ?? '');
    expect(secrets).toEqual(env.filter((entry) => entry.valueFrom).map((entry) => `${entry.name}=${entry.valueFrom?.secretKeyRef.name}:${entry.valueFrom?.secretKeyRef.key}`));
  });

  it('picks another delimiter when a value holds both , and @', () => {
    const command = cloudRunDeployCommand({ ...FULL, env: { OWNERS: 'a@x.com,b@x.com' } });
    expect(command.argv).toContain('--set-env-vars=^:^OWNERS=a@x.com,b@x.com');
  });

  it('validates the service first, and needs region and project', () => {
    const error = errorOf(() => cloudRunDeployCommand({ name: 'sentiment', image: IMAGE, cpu: 3 } as Parameters<typeof cloudRunDeployCommand>[0]));
    expect(error.issues).toEqual([
      { path: 'cpu', message: '3 is not a Cloud Run CPU count: use 1, 2, 4, 6 or 8, or a value from 0.08 below 1 in steps of 0.001; did you mean 4?' },
      { path: 'region', message: 'missing; gcloud run deploy needs the region, e.g. "us-central1"' },
      { path: 'project', message: 'missing; gcloud run deploy needs the project ID' },
    ]);
    expect(error.message.split('\n')[0]).toBe('cloudRunDeployCommand: 3 invalid options');
  });
});

describe('cloudRunServicesReplaceCommand', () => {
  it('replaces the service from its YAML', () => {
    const command = cloudRunServicesReplaceCommand({ file: 'deploy/service.yaml', region: 'us-central1', project: 'my-project' });
    expect(command.argv).toEqual(['gcloud', 'run', 'services', 'replace', 'deploy/service.yaml', '--region=us-central1', '--project=my-project']);
    expect(oneLine(command.text)).toBe('gcloud run services replace deploy/service.yaml --region=us-central1 --project=my-project');
    expect(oneLine(cloudRunServicesReplaceCommand({ file: 'my service.yaml', region: 'us-central1', project: 'my-project' }).text)).toBe(
      "gcloud run services replace 'my service.yaml' --region=us-central1 --project=my-project",
    );
  });

  it('names each bad option', () => {
    expect(errorOf(() => cloudRunServicesReplaceCommand({ file: '', region: 'central', project: 'P' })).issues).toEqual([
      { path: 'file', message: 'missing; give the path of the service YAML, e.g. "service.yaml"' },
      { path: 'region', message: '"central" is not a Cloud Run region; write one such as "us-central1"' },
      { path: 'project', message: '"P" is not a Google Cloud project ID: 6–30 lowercase letters, digits and "-", starting with a letter' },
    ]);
  });
});

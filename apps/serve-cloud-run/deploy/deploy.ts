#!/usr/bin/env node
// Deploys this app: builds its image on Cloud Build, then serves a model with it on Cloud Run and on a Vertex AI
// endpoint. Prints the gcloud commands (and writes the Cloud Run service YAML they use); --run also runs them.
//
//   npm run deploy -w @vertexkit/app-serve-cloud-run -- --project my-project --region us-central1 \
//     --model-uri gs://my-bucket/jobs/spam/model/ [--run]
//
// Run it from anywhere in the repository: the commands run from its root (the image's build context).
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import {
  cloudBuildSubmitCommand,
  cloudRunDeployCommand,
  cloudRunServicesReplaceCommand,
  ContainersError,
  gcloudCommand,
  renderCloudRunService,
  vertexServingContainerSpec,
  type CloudRunServiceOptions,
  type GcloudCommand,
} from '@vertexkit/containers';
import { JobsError, renderGcloudCommand } from '@vertexkit/jobs';

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
const USAGE = `usage: deploy.ts --project ID --region REGION --model-uri gs://BUCKET/PATH/ [options]

  --project ID          Google Cloud project
  --region REGION       region of the image repository, the Cloud Run service and the Vertex AI endpoint
  --model-uri URI       the model directory (what apps/train wrote), a gs:// prefix
  --service NAME        Cloud Run service, Vertex AI model and endpoint name (default spam-classifier)
  --repository ID       Artifact Registry repository (default vertexkit)
  --tag TAG             image tag (default: the git commit, else latest)
  --target WHERE        cloud-run, vertex or both (default both)
  --machine-type TYPE   Vertex AI endpoint machine (default n1-standard-2)
  --memory SIZE         Cloud Run memory per instance (default 2Gi)
  --min-instances N     Cloud Run instances kept warm (default 0)
  --allow-unauthenticated  make the Cloud Run service public (default: IAM-authenticated callers only)
  --run                 run the commands (default: print them)`;

interface Step {
  title: string;
  command: GcloudCommand;
  /** The step's stdout, trimmed, becomes this shell variable for the steps after it. */
  captureAs?: string;
  /** An equivalent command, printed commented out, never run. */
  alternative?: { title: string; command: GcloudCommand };
}

try {
  await main();
} catch (error) {
  // A flag value Google Cloud would refuse (a project ID, a bucket name, an unknown flag) is a usage error:
  // the message names the value and the fix, with no stack trace.
  if (ContainersError.isInstance(error) || JobsError.isInstance(error) || isParseArgsError(error)) {
    console.error(`error: ${(error as Error).message}${isParseArgsError(error) ? ' (--help lists the flags)' : ''}`);
    process.exit(2);
  }
  throw error;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      project: { type: 'string' },
      region: { type: 'string' },
      'model-uri': { type: 'string' },
      service: { type: 'string', default: 'spam-classifier' },
      repository: { type: 'string', default: 'vertexkit' },
      tag: { type: 'string' },
      target: { type: 'string', default: 'both' },
      'machine-type': { type: 'string', default: 'n1-standard-2' },
      memory: { type: 'string', default: '2Gi' },
      'min-instances': { type: 'string', default: '0' },
      'allow-unauthenticated': { type: 'boolean', default: false },
      run: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const missing = (['project', 'region', 'model-uri'] as const).filter((name) => values[name] === undefined);
  if (missing.length > 0 || !['cloud-run', 'vertex', 'both'].includes(values.target)) {
    console.error(missing.length > 0 ? `error: missing ${missing.map((name) => `--${name}`).join(', ')}` : `error: --target ${values.target}: use cloud-run, vertex or both`);
    console.error(USAGE);
    process.exit(2);
  }
  const project = values.project!;
  const region = values.region!;
  const modelUri = values['model-uri']!;
  if (!modelUri.startsWith('gs://')) {
    console.error(`error: --model-uri ${modelUri}: Cloud Run and Vertex AI read the model from Cloud Storage; give a gs:// prefix`);
    process.exit(2);
  }
  const tag = values.tag ?? (await gitCommit()) ?? 'latest';
  const image = `${region}-docker.pkg.dev/${project}/${values.repository}/serve-cloud-run:${tag}`;

  const steps: Step[] = [
    {
      title: 'An Artifact Registry repository for the image (once; it fails harmlessly if it exists)',
      command: gcloudCommand({
        args: ['artifacts', 'repositories', 'create', values.repository, '--repository-format=docker', `--location=${region}`, `--project=${project}`],
      }),
    },
    {
      title: `Build the image on Cloud Build from the repository root and push it: ${image}`,
      command: cloudBuildSubmitCommand({
        config: 'apps/serve-cloud-run/cloudbuild.yaml',
        source: '.',
        project,
        substitutions: { _REGION: region, _REPOSITORY: values.repository, _TAG: tag },
      }),
    },
  ];

  if (values.target !== 'vertex') {
    const service: CloudRunServiceOptions = {
      name: values.service,
      image,
      region,
      project,
      memory: values.memory,
      minInstances: Number(values['min-instances']),
      env: { MODEL_URI: modelUri },
      healthRoute: '/health',
      allowUnauthenticated: values['allow-unauthenticated'],
    };
    // The service as YAML, with the startup probe on the health route (gcloud run deploy has no flag for it).
    const serviceFile = path.join('.vertexkit', 'deploy', 'serve-cloud-run', 'service.yaml');
    writeFileAtomic(path.join(ROOT, serviceFile), renderCloudRunService(service));
    steps.push({
      title: `Cloud Run: the service ${values.service} as ${serviceFile} describes it (startup probe on /health, MODEL_URI)`,
      command: cloudRunServicesReplaceCommand({ file: serviceFile, region, project }),
      alternative: {
        title: 'or the same service as flags, without the startup probe (gcloud run deploy has no flag for it)',
        command: cloudRunDeployCommand({ ...service, region, project }),
      },
    });
    if (values['allow-unauthenticated']) {
      steps.push({
        title: 'Cloud Run: let anyone call it (an IAM binding; the YAML cannot carry it)',
        command: gcloudCommand({
          args: ['run', 'services', 'add-iam-policy-binding', values.service, '--member=allUsers', '--role=roles/run.invoker', `--region=${region}`, `--project=${project}`],
        }),
      });
    }
  }

  if (values.target !== 'cloud-run') {
    const location = { project, region };
    const containerSpec = vertexServingContainerSpec({ imageUri: image });
    const modelId = values.service;
    steps.push(
      {
        title: 'Vertex AI: upload the model with its serving container (Vertex AI copies the model to AIP_STORAGE_URI)',
        command: asGcloud(renderGcloudCommand({ uploadModel: { model: { displayName: values.service, artifactUri: modelUri, containerSpec }, modelId } }, location)),
      },
      {
        title: 'Vertex AI: an endpoint',
        command: asGcloud(renderGcloudCommand({ createEndpoint: { displayName: values.service } }, location)),
      },
      {
        title: "Vertex AI: the endpoint's ID (the last part of its resource name), for the steps below and your calls",
        command: gcloudCommand({
          args: ['ai', 'endpoints', 'list', `--region=${region}`, `--project=${project}`, `--filter=display_name=${values.service}`, '--format=value(name.basename())', '--limit=1'],
        }),
        captureAs: 'ENDPOINT_ID',
      },
      {
        title: 'Vertex AI: deploy the model to the endpoint, all traffic to it',
        command: asGcloud(
          renderGcloudCommand(
            {
              deployModel: {
                deployedModel: {
                  model: `projects/${project}/locations/${region}/models/${modelId}`,
                  displayName: values.service,
                  dedicatedResources: { machineSpec: { machineType: values['machine-type'] }, minReplicaCount: 1, maxReplicaCount: 1 },
                },
                trafficSplit: { '0': 100 },
              },
              endpoint: '$ENDPOINT_ID',
            },
            location,
          ),
        ),
      },
    );
  }

  if (!values.run) {
    console.log('# Run from the repository root (or again with --run):\n');
    for (const [i, step] of steps.entries()) {
      console.log(`# ${i + 1}. ${step.title}`);
      // Exported: the client examples and curl lines that follow read it from the environment.
      console.log(step.captureAs ? `export ${step.captureAs}=$(${step.command.text})` : step.command.text);
      if (step.alternative) {
        console.log(`#    ${step.alternative.title}:`);
        console.log(step.alternative.command.text.replace(/^/gm, '#   '));
      }
      console.log('');
    }
    process.exit(0);
  }

  const captured: Record<string, string> = {};
  for (const [i, step] of steps.entries()) {
    const argv = step.command.argv.map((word) => word.replace(/\$([A-Z_]+)/g, (whole, name: string) => captured[name] ?? whole));
    console.log(`\n# ${i + 1}. ${step.title}\n$ ${argv.join(' ')}`);
    const result = await runGcloud(argv.slice(1), Boolean(step.captureAs));
    if (result.code !== 0 && !(i === 0 && /ALREADY_EXISTS|already exists/.test(result.stderr))) {
      console.error(`error: step ${i + 1} failed (exit code ${result.code}); fix it and run again: the steps before it are safe to repeat`);
      process.exit(1);
    }
    if (step.captureAs) {
      const value = result.stdout.trim().split('\n').pop()?.split('/').pop() ?? '';
      if (value === '') {
        console.error(`error: step ${i + 1} printed no ${step.captureAs}`);
        process.exit(1);
      }
      captured[step.captureAs] = value;
      console.log(`${step.captureAs}=${value}`);
    }
  }
}

/** An unknown flag or a missing value, as node:util's parseArgs reports them. */
function isParseArgsError(error: unknown): boolean {
  return error instanceof TypeError && String((error as NodeJS.ErrnoException).code).startsWith('ERR_PARSE_ARGS_');
}

/** jobs' rendered command (`argv`, `text`) as the shape containers' commands have. */
function asGcloud(command: { argv: string[]; text: string }): GcloudCommand {
  // The endpoint is a shell variable filled by the step before: keep it expandable in the printed text.
  return { argv: command.argv, text: command.text.replace(/'\$ENDPOINT_ID'/g, '"$ENDPOINT_ID"') };
}

async function runGcloud(args: string[], capture: boolean): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('gcloud', args, { cwd: ROOT, stdio: ['inherit', capture ? 'pipe' : 'inherit', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      process.stderr.write(chunk);
    });
    child.on('error', (error: NodeJS.ErrnoException) =>
      error.code === 'ENOENT' ? reject(new Error('gcloud is not installed: https://cloud.google.com/sdk/docs/install')) : reject(error),
    );
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

async function gitCommit(): Promise<string | undefined> {
  try {
    const { stdout } = await promisify(execFile)('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: ROOT });
    return stdout.trim() || undefined;
  } catch {
    return undefined;
  }
}

function writeFileAtomic(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(`${file}.tmp-${process.pid}`, text);
  fs.renameSync(`${file}.tmp-${process.pid}`, file);
}

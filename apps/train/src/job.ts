// --local and --submit: the training as a Vertex AI custom job, run on this machine by @vertexkit/jobs'
// local runner, or submitted to Vertex AI. Either way the replica runs this same src/main.ts with the
// training flags, and there CLOUD_ML_JOB_ID is set, so it trains in its own process (--here).
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { JobsError, renderGcloudCommand, startLocalCustomJob, validateCustomJobSpec, type CustomJobSpec } from '@vertexkit/jobs';
import { createJobsClient, type JobsClientOptions } from '@vertexkit/jobs/client';
import type { Invocation } from './cli.ts';

/** The image named in a --local spec when --image is not given: nothing pulls it, this checkout runs. */
export const LOCAL_IMAGE = 'vertexkit/train:local';
const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

const timestamp = (date: Date): string => date.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);

/** The CustomJob for an invocation; `command` is set for the local runner (no container engine runs the image). */
export function buildSpec(invocation: Invocation, args: readonly string[], command?: string[]): CustomJobSpec {
  const { job } = invocation;
  const spec = {
    displayName: job.displayName ?? `vertexkit-train-${timestamp(new Date())}`,
    ...(job.labels ? { labels: job.labels } : {}),
    jobSpec: {
      workerPoolSpecs: [
        {
          machineSpec: {
            machineType: job.machineType ?? 'n1-standard-4',
            ...(job.acceleratorType ? { acceleratorType: job.acceleratorType, acceleratorCount: job.acceleratorCount ?? 1 } : {}),
          },
          replicaCount: 1,
          containerSpec: { imageUri: job.image ?? LOCAL_IMAGE, ...(command ? { command } : {}), args: [...args] },
        },
      ],
      ...(invocation.mode === 'submit' && job.baseOutputDir ? { baseOutputDirectory: { outputUriPrefix: job.baseOutputDir } } : {}),
      ...(job.serviceAccount ? { serviceAccount: job.serviceAccount } : {}),
    },
  };
  return validateCustomJobSpec(spec);
}

/** Signals this process got while a job ran: the first one cancels (or, for --submit, stops waiting). */
function onStop(handler: (signal: NodeJS.Signals) => void): () => NodeJS.Signals | undefined {
  let stoppedBy: NodeJS.Signals | undefined;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stoppedBy !== undefined) process.exit(signal === 'SIGINT' ? 130 : 143);
      stoppedBy = signal;
      handler(signal);
    });
  }
  return () => stoppedBy;
}

const signalExit = (signal: NodeJS.Signals): number => (signal === 'SIGINT' ? 130 : 143);

/**
 * --local: the job through the local runner, its output streamed unchanged; resolves to the exit status
 * (the replica's, or 130/143 when this process was stopped).
 */
export async function runLocal(invocation: Invocation): Promise<number> {
  const { settings, job } = invocation;
  const args = [...invocation.trainArgs];
  // With an explicit --output the job folder would only hold checkpoints nobody asked for.
  const outputGiven = settings.output !== '';
  if (outputGiven && settings.checkpointDir === undefined && !args.includes('--no-checkpoint-dir')) args.push('--no-checkpoint-dir');
  const spec = buildSpec(invocation, args, [process.execPath, MAIN]);
  // Without --output the model stays in the job folder; with it, the job folder is scratch, removed after.
  const scratch = job.baseOutputDir === undefined && outputGiven ? await fs.mkdtemp(path.join(os.tmpdir(), 'vertexkit-train-job-')) : undefined;
  try {
    const local = startLocalCustomJob(spec, {
      ...(job.baseOutputDir ?? scratch ? { baseOutputDir: job.baseOutputDir ?? scratch } : {}),
      onLog: ({ stream, line }) => process[stream].write(`${line}\n`),
    });
    const stoppedBy = onStop(() => void local.cancel());
    const model = outputGiven ? settings.output : local.environment.AIP_MODEL_DIR;
    console.log(`local Vertex AI custom job ${local.environment.CLOUD_ML_JOB_ID} (${spec.displayName}): model to ${model}`);
    await local.wait({ pollIntervalMs: 50 }).catch((error: unknown) => {
      if (!JobsError.isInstance(error)) throw error;
    });
    const signal = stoppedBy();
    if (signal) return signalExit(signal);
    return local.exitCode ?? 1;
  } finally {
    if (scratch) await fs.rm(scratch, { recursive: true, force: true });
  }
}

/** Test-only: VERTEXKIT_VERTEX_FAKE=127.0.0.1:<port> points the client at tools/vertex-fake, without credentials. */
export function fakeClientOptions(address: string): Record<string, unknown> {
  const [host, port] = address.split(':');
  // The channel credentials and the auth client must be the very classes google-gax checks: its own copies.
  const fromJobs = createRequire(createRequire(import.meta.url).resolve('@vertexkit/jobs'));
  const fromAiplatform = createRequire(fromJobs.resolve('@google-cloud/aiplatform'));
  const fromGax = createRequire(fromAiplatform.resolve('google-gax'));
  const grpc = fromGax('@grpc/grpc-js') as { credentials: { createInsecure: () => unknown } };
  const { PassThroughClient } = fromGax('google-auth-library') as { PassThroughClient: new () => unknown };
  return { apiEndpoint: host, port: Number(port), sslCreds: grpc.credentials.createInsecure(), authClient: new PassThroughClient() };
}

/** --submit: create the job on Vertex AI, print where to follow it, and wait for it (unless --no-wait). */
export async function submit(invocation: Invocation): Promise<number> {
  const { job } = invocation;
  const project = job.project as string;
  const region = job.region ?? 'us-central1';
  const spec = buildSpec(invocation, invocation.trainArgs);
  if (invocation.printGcloud) {
    const command = renderGcloudCommand({ customJob: spec }, { project, region });
    if (command.configFile) console.log(`# ${command.configFile.path}\n${command.configFile.content}`);
    console.log(command.text);
    return 0;
  }
  const fake = process.env.VERTEXKIT_VERTEX_FAKE;
  const options: JobsClientOptions = {
    project,
    location: region,
    ...(fake ? { clientOptions: fakeClientOptions(fake), pollIntervalMs: 20 } : {}),
  };
  const jobs = createJobsClient(options);
  try {
    const handle = await jobs.submitCustomJob(spec);
    const id = handle.name.split('/').pop() as string;
    console.log(`submitted ${handle.name} (${spec.displayName})`);
    console.log(`  https://console.cloud.google.com/vertex-ai/locations/${region}/training/${id}?project=${project}`);
    console.log(`  model: ${job.baseOutputDir?.replace(/\/?$/, '/')}model/`);
    if (!invocation.wait) return 0;
    const controller = new AbortController();
    const stoppedBy = onStop((signal) => controller.abort(new Error(`stopped by ${signal}`)));
    try {
      await handle.wait({
        signal: controller.signal,
        onProgress: (event) => {
          if (event.type === 'state') console.log(`${event.state} after ${Math.round(event.elapsedMs / 1000)} s`);
        },
      });
      return 0;
    } catch (error) {
      const signal = stoppedBy();
      if (signal) {
        console.error(`${signal}: stopped waiting; the job goes on. Cancel it with: gcloud ai custom-jobs cancel ${id} --project=${project} --region=${region}`);
        return signalExit(signal);
      }
      if (JobsError.isInstance(error)) {
        console.error(`error: job ${handle.name} ${error.code === 'JOB_CANCELLED' ? 'was cancelled' : 'failed'}: ${error.jobError?.message ?? error.message}`);
        return 1;
      }
      throw error;
    }
  } finally {
    await jobs.close();
  }
}

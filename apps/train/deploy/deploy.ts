#!/usr/bin/env node
// Trains on Vertex AI: builds this app's image on Cloud Build, then submits a custom job that runs it on your data.
// Prints the commands; --run also runs them (the job submission through this app's own --submit, which waits).
//
//   npm run deploy -w @vertexkit/app-train -- --project my-project --region us-central1 \
//     --data gs://my-bucket/spam-assassin/ --output-dir gs://my-bucket/jobs/spam/ [--run]
//
// The model lands in <output-dir>/model/, ready for apps/serve-cloud-run's deploy script. Run it from anywhere in
// the repository: the commands run from its root (the image's build context).
import { execFile, spawn } from 'node:child_process';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { cloudBuildSubmitCommand, ContainersError, gcloudCommand, type GcloudCommand } from '@vertexkit/containers';

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
const APP = path.resolve(import.meta.dirname, '..');
const USAGE = `usage: deploy.ts --project ID --region REGION --data gs://BUCKET/DATA/ --output-dir gs://BUCKET/PATH/ [options]

  --project ID           Google Cloud project
  --region REGION        region of the image repository and the Vertex AI job
  --data URI             train.csv (and dev.csv, test.csv) under this gs:// prefix
  --output-dir URI       the job's base output directory: the model lands in <URI>/model/
  --repository ID        Artifact Registry repository (default vertexkit)
  --tag TAG              image tag (default: the git commit, else latest)
  --machine-type TYPE    the job's machine (default n1-standard-4)
  --service-account SA   the service account the job runs as
  --run                  run the commands (default: print them)
  Anything after -- goes to the trainer as it is (e.g. -- --epochs 20 --text-column body).`;

interface Step {
  title: string;
  /** The words to run: `gcloud ...`, or `node src/main.ts ...` from this app's folder. */
  argv: string[];
  text: string;
  cwd: string;
  /** An equivalent command, printed commented out, never run. */
  alternative?: { title: string; text: string };
}

/** A flag vertexkit-train refused; its own message says which and why. */
class UsageError extends Error {}

try {
  await main();
} catch (error) {
  // A flag value Google Cloud would refuse (a project ID, a bucket name, an unknown flag) is a usage error:
  // the message names the value and the fix, with no stack trace.
  if (error instanceof UsageError || ContainersError.isInstance(error) || isParseArgsError(error)) {
    console.error(`error: ${(error as Error).message}${isParseArgsError(error) ? ' (--help lists the flags)' : ''}`);
    process.exit(2);
  }
  throw error;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    options: {
      project: { type: 'string' },
      region: { type: 'string' },
      data: { type: 'string' },
      'output-dir': { type: 'string' },
      repository: { type: 'string', default: 'vertexkit' },
      tag: { type: 'string' },
      'machine-type': { type: 'string', default: 'n1-standard-4' },
      'service-account': { type: 'string' },
      run: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const missing = (['project', 'region', 'data', 'output-dir'] as const).filter((name) => values[name] === undefined);
  if (missing.length > 0) {
    console.error(`error: missing ${missing.map((name) => `--${name}`).join(', ')}`);
    console.error(USAGE);
    process.exit(2);
  }
  for (const name of ['data', 'output-dir'] as const) {
    if (!values[name]!.startsWith('gs://')) {
      console.error(`error: --${name} ${values[name]!}: a Vertex AI job reads and writes Cloud Storage; give a gs:// prefix`);
      process.exit(2);
    }
  }
  const project = values.project!;
  const region = values.region!;
  const outputDir = values['output-dir']!.replace(/\/?$/, '/');
  const tag = values.tag ?? (await gitCommit()) ?? 'latest';
  const image = `${region}-docker.pkg.dev/${project}/${values.repository}/train:${tag}`;

  const submit = [
    'src/main.ts',
    '--submit',
    `--image=${image}`,
    `--project=${project}`,
    `--region=${region}`,
    `--data=${values.data!}`,
    `--base-output-dir=${outputDir}`,
    `--machine-type=${values['machine-type']}`,
    ...(values['service-account'] ? [`--service-account=${values['service-account']}`] : []),
    ...positionals,
  ];
  const steps: Step[] = [
    gcloudStep(
      'An Artifact Registry repository for the image (once; it fails harmlessly if it exists)',
      gcloudCommand({
        args: ['artifacts', 'repositories', 'create', values.repository, '--repository-format=docker', `--location=${region}`, `--project=${project}`],
      }),
    ),
    gcloudStep(
      `Build the image on Cloud Build from the repository root and push it: ${image}`,
      cloudBuildSubmitCommand({
        config: 'apps/train/cloudbuild.yaml',
        source: '.',
        project,
        substitutions: { _REGION: region, _REPOSITORY: values.repository, _TAG: tag },
      }),
    ),
    {
      title: `Train: a Vertex AI custom job running the image, waiting for it; the model lands in ${outputDir}model/`,
      argv: [process.execPath, ...submit],
      text: gcloudCommand({ args: submit.slice(1) }).text.replace(/^gcloud/, 'npx vertexkit-train'),
      cwd: APP,
      alternative: { title: 'or the same job with gcloud', text: await printedGcloud(submit) },
    },
  ];

  if (!values.run) {
    console.log('# Run from the repository root (or again with --run):\n');
    for (const [i, step] of steps.entries()) {
      console.log(`# ${i + 1}. ${step.title}`);
      console.log(step.text);
      if (step.alternative) {
        console.log(`#    ${step.alternative.title}:`);
        console.log(step.alternative.text.replace(/^/gm, '#   '));
      }
      console.log('');
    }
    console.log(`# Then serve the model: npm run deploy -w @vertexkit/app-serve-cloud-run -- --project ${project} --region ${region} --model-uri ${outputDir}model/`);
    process.exit(0);
  }

  for (const [i, step] of steps.entries()) {
    console.log(`\n# ${i + 1}. ${step.title}\n$ ${step.text.replace(/ \\\n\s*/g, ' ')}`);
    const result = await run(step);
    if (result.code !== 0 && !(i === 0 && /ALREADY_EXISTS|already exists/.test(result.stderr))) {
      console.error(`error: step ${i + 1} failed (exit code ${result.code}); fix it and run again: the steps before it are safe to repeat`);
      process.exit(1);
    }
  }
  console.log(`\nThe model is in ${outputDir}model/. Serve it:\n  npm run deploy -w @vertexkit/app-serve-cloud-run -- --project ${project} --region ${region} --model-uri ${outputDir}model/`);
}

/** An unknown flag or a missing value, as node:util's parseArgs reports them. */
function isParseArgsError(error: unknown): boolean {
  return error instanceof TypeError && String((error as NodeJS.ErrnoException).code).startsWith('ERR_PARSE_ARGS_');
}

function gcloudStep(title: string, command: GcloudCommand): Step {
  return { title, argv: command.argv, text: command.text, cwd: ROOT };
}

/** `vertexkit-train --submit ... --print-gcloud`: the app renders its own job as `gcloud ai custom-jobs create`. */
async function printedGcloud(submit: readonly string[]): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [...submit, '--print-gcloud'], { cwd: APP });
    return stdout.trim();
  } catch (error) {
    // Exit 2: the flags are wrong, and the app said which ("error: option '--data <prefix>' argument ...").
    const { code, stderr } = error as { code?: unknown; stderr?: string };
    if (code === 2 && stderr) throw new UsageError(stderr.trim().replace(/^error: /, '').split('\n')[0]);
    throw error;
  }
}

function run(step: Step): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(step.argv[0]!, step.argv.slice(1), { cwd: step.cwd, stdio: ['inherit', 'inherit', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      process.stderr.write(chunk);
    });
    child.on('error', (error: NodeJS.ErrnoException) =>
      error.code === 'ENOENT' ? reject(new Error(`${step.argv[0]!} is not installed${step.argv[0] === 'gcloud' ? ': https://cloud.google.com/sdk/docs/install' : ''}`)) : reject(error),
    );
    child.on('close', (code) => resolve({ code: code ?? 1, stderr }));
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

// gcloud's Python package jobs through this app: `--worker-pool-spec` (with executor-image-uri and python-module,
// or gcloud's autopackaging keys), `--python-package-uris` and `--args`, as `gcloud ai custom-jobs create` takes them.
// Local code is packaged as a deterministic sdist and staged (without output-image-uri: a pythonPackageSpec, no image)
// or built into an image FROM the executor image with buildah (with output-image-uri: a containerSpec), then run
// on this machine (--local, the default), submitted (--submit), or shown (--print-job, --print-gcloud).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { checkExecutorImage, renderPythonPackageImage } from '@vertexkit/containers';
import {
  JobsError,
  packagePythonTrainer,
  parseWorkerPoolSpecFlag,
  renderGcloudCommand,
  startLocalCustomJob,
  toCustomJobResource,
  validateCustomJobSpec,
  type CustomJobSpec,
  type ExecutorImageCheck,
  type ParsedWorkerPoolSpec,
  type WorkerPoolSpec,
} from '@vertexkit/jobs';
import { createJobsClient } from '@vertexkit/jobs/client';
import { parseLocation, write } from '@vertexkit/storage';
import { fakeClientOptions } from './job.ts';

/** What happened to one pool's local code, for the printed job and gcloud command. */
export interface PackagedPool {
  pool: number;
  mode: 'python-package' | 'container-image';
  source: string;
  packageUri?: string;
  sha256: string;
  image?: { uri: string; baseImage: string; context: string; built: boolean };
}

interface PythonJobOptions {
  workerPoolSpec: string[];
  pythonPackageUris?: string;
  args?: string;
  command?: string;
  displayName?: string;
  labels?: Record<string, string>;
  local?: true;
  submit?: true;
  printJob?: true;
  printGcloud?: true;
  project?: string;
  region?: string;
  staging?: string;
  baseOutputDir?: string;
  localBuckets?: string;
  asOf?: string;
  python?: string;
  wait: boolean;
  serviceAccount?: string;
  verbose?: true;
}

/** gcloud's list flags: `--args=--epochs=30,--batch_size=8`; `^;^` for values with commas. */
function gcloudList(value: string): string[] {
  const custom = /^\^(.)\^/.exec(value);
  return custom ? value.slice(custom[0].length).split(custom[1] ?? ';') : value.split(',');
}

function day(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) throw new InvalidArgumentError('Expected a day as YYYY-MM-DD, e.g. --as-of 2025-06-01.');
  return value;
}

function labelList(value: string): Record<string, string> {
  return Object.fromEntries(
    value.split(',').map((pair) => {
      const match = /^\s*([^=\s]+)\s*=\s*(\S*)\s*$/.exec(pair);
      if (!match) throw new InvalidArgumentError('Expected key=value pairs separated by commas, e.g. --labels team=ml.');
      return [match[1] as string, match[2] as string];
    }),
  );
}

export function createPythonJobProgram(): Command {
  return new Command('vertexkit-train')
    .description('Run, submit or show a Vertex AI Python package job, given as gcloud ai custom-jobs create takes it.')
    .addOption(new Option('--worker-pool-spec <spec>', 'gcloud\'s --worker-pool-spec (repeat it for more pools)').argParser((value: string, previous: string[] = []) => [...previous, value]).makeOptionMandatory())
    .addOption(new Option('--python-package-uris <uris>', 'packages every Python pool installs, comma-separated'))
    .addOption(new Option('--args <args>', 'arguments of every pool\'s module or container, comma-separated'))
    .addOption(new Option('--command <command>', 'entrypoint of container pools, comma-separated'))
    .addOption(new Option('--display-name <name>', 'the job\'s name (default vertexkit-python-<timestamp>)'))
    .addOption(new Option('--labels <k=v,...>', 'labels of the job').argParser(labelList))
    .addOption(new Option('--local', 'run the primary replica here: the package in a virtual environment (the default)').conflicts(['submit', 'printJob', 'printGcloud']))
    .addOption(new Option('--submit', 'submit the job to Vertex AI and wait for it').conflicts(['printJob', 'printGcloud']))
    .addOption(new Option('--print-job', 'package and stage local code, then print the CustomJob as JSON; submit nothing'))
    .addOption(new Option('--print-gcloud', 'package and stage local code, then print the equivalent gcloud command; submit nothing'))
    .addOption(new Option('--project <id>', 'the Google Cloud project').env('GOOGLE_CLOUD_PROJECT'))
    .addOption(new Option('--region <region>', 'the Vertex AI region (default us-central1)'))
    .addOption(new Option('--staging <prefix>', 'where local code is staged as <name>-<sha256 prefix>.tar.gz (Vertex AI: a gs:// prefix; --local: default gs://vertexkit-local/staging in --local-buckets)'))
    .addOption(new Option('--base-output-dir <dir>', 'the job\'s output root: AIP_MODEL_DIR is <dir>/model/'))
    .addOption(new Option('--local-buckets <dir>', '--local: a folder whose subfolders stand in for buckets (gs://b/k and /gcs/b/k read as <dir>/b/k; default .vertexkit/buckets)'))
    .addOption(new Option('--as-of <YYYY-MM-DD>', 'the day executor images are checked for (end of availability; default today)').argParser(day))
    .addOption(new Option('--python <path>', '--local: the python3 the virtual environment is made from (default python3 on PATH)'))
    .addOption(new Option('--service-account <email>', 'the service account the job runs as'))
    .addOption(new Option('--no-wait', '--submit: return once the job is created'))
    .addOption(new Option('--verbose', 'stack traces with errors'))
    .exitOverride();
}

const timestamp = (date: Date): string => date.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);

/** gs://bucket/key as the folder standing in for it; other locations as they are. */
function inLocalBuckets(uri: string, buckets: string): string {
  const location = parseLocation(uri);
  return location.scheme === 'gs' ? path.join(buckets, location.bucket, location.key) : location.path;
}

function onPath(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/** Runs the command line (`argv` without node and the script); resolves to the exit status. */
export async function runPythonJob(argv: readonly string[]): Promise<number> {
  const program = createPythonJobProgram();
  try {
    program.parse(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    throw error;
  }
  const options = program.opts<PythonJobOptions>();
  const mode = options.submit ? 'submit' : options.printJob ? 'print-job' : options.printGcloud ? 'print-gcloud' : 'local';
  const usage = (message: string): number => {
    console.error(`error: ${message}`);
    return 2;
  };
  if (mode !== 'local' && options.localBuckets !== undefined) return usage('--local-buckets applies to --local: a submitted job reads Cloud Storage');
  if (mode !== 'local' && options.python !== undefined) return usage('--python applies to --local: on Vertex AI the executor image\'s Python runs the package');
  if (mode !== 'local' && options.project === undefined) return usage(`--${mode} needs --project (or GOOGLE_CLOUD_PROJECT): the Google Cloud project of the job`);
  const buckets = path.resolve(options.localBuckets ?? path.join('.vertexkit', 'buckets'));
  const check: ExecutorImageCheck = ({ imageUri, acceleratorType }) =>
    checkExecutorImage({ imageUri, ...(acceleratorType ? { acceleratorType } : {}), ...(options.asOf ? { date: options.asOf } : {}) }).problem?.replace(/\(date\)$/, '(--as-of YYYY-MM-DD)');
  const context = {
    ...(options.args !== undefined ? { args: gcloudList(options.args) } : {}),
    ...(options.command !== undefined ? { command: gcloudList(options.command) } : {}),
    ...(options.pythonPackageUris !== undefined ? { pythonPackageUris: gcloudList(options.pythonPackageUris) } : {}),
  };

  try {
    // Locally the executor image is not run, so its problems are warnings here; Vertex AI would refuse the job.
    const pools: ParsedWorkerPoolSpec[] = options.workerPoolSpec.map((value) => parseWorkerPoolSpecFlag(value, mode === 'local' ? context : { ...context, checkExecutorImage: check }));
    if (mode === 'local') {
      for (const [index, pool] of pools.entries()) {
        const executor = pool.pythonPackageSpec?.executorImageUri;
        const problem = executor ? check({ imageUri: executor, ...(pool.machineSpec?.acceleratorType ? { acceleratorType: pool.machineSpec.acceleratorType } : {}) }) : undefined;
        if (problem) console.error(`warning: workerPoolSpecs[${index}] executor-image-uri: ${problem} (this local run uses this machine's python3; --submit refuses it)`);
      }
    }
    const staging = options.staging ?? (mode === 'local' ? 'gs://vertexkit-local/staging' : undefined);
    const packaged: PackagedPool[] = [];
    const ready: WorkerPoolSpec[] = [];
    for (const [index, parsed] of pools.entries()) {
      const { autopackaging, ...pool } = parsed;
      ready.push(pool);
      if (!autopackaging) continue;
      if (staging === undefined || (mode !== 'local' && parseLocation(staging).scheme !== 'gs')) {
        return usage(`workerPoolSpecs[${index}] has local code to stage: give --staging gs://BUCKET/PREFIX (Vertex AI reads packages from Cloud Storage)`);
      }
      const localStaging = mode === 'local' ? inLocalBuckets(staging, buckets) : staging;
      const trainer = await packagePythonTrainer({
        ...(autopackaging.localPackagePath !== undefined ? { dir: autopackaging.localPackagePath } : {}),
        ...(autopackaging.script !== undefined ? { script: autopackaging.script } : {}),
        pythonModule: autopackaging.pythonModule,
        ...(autopackaging.requirements.length > 0 && autopackaging.mode === 'python-package' ? { requirements: autopackaging.requirements } : {}),
        staging: localStaging,
      });
      const stagedUri = (file: string): string => (mode === 'local' ? `${staging.replace(/\/$/, '')}/${file}` : (parseLocation(`${staging.replace(/\/$/, '')}/${file}`).uri));
      const sdistUri = stagedUri(path.basename(trainer.uri ?? ''));
      const source = autopackaging.localPackagePath ?? autopackaging.script ?? '';
      const extraUris: string[] = [];
      for (const extra of autopackaging.extraPackages) {
        const bytes = await fs.readFile(extra);
        const sha = createHash('sha256').update(bytes).digest('hex').slice(0, 12);
        await write({ to: mode === 'local' ? path.join(localStaging, sha, path.basename(extra)) : `${staging.replace(/\/$/, '')}/${sha}/${path.basename(extra)}`, data: bytes });
        extraUris.push(stagedUri(`${sha}/${path.basename(extra)}`));
      }
      if (autopackaging.mode === 'container-image' && mode !== 'local') {
        const image = await buildImage(autopackaging, trainer.bytes, trainer.fileName, mode === 'submit');
        packaged.push({ pool: index, mode: 'container-image', source, sha256: trainer.sha256, image });
        continue;
      }
      if (autopackaging.mode === 'container-image') {
        console.error(`note: workerPoolSpecs[${index}] builds ${autopackaging.outputImageUri ?? ''} for Vertex AI; this local run installs the same sdist in a virtual environment instead`);
        ready[index] = { ...pool, containerSpec: undefined, pythonPackageSpec: { executorImageUri: autopackaging.executorImageUri, packageUris: [], pythonModule: autopackaging.pythonModule, ...(pool.containerSpec?.args ? { args: pool.containerSpec.args } : {}) } };
        delete (ready[index] as Record<string, unknown>).containerSpec;
      }
      const spec = ready[index]?.pythonPackageSpec;
      if (spec) spec.packageUris = [sdistUri, ...extraUris, ...(spec.packageUris ?? [])];
      packaged.push({ pool: index, mode: 'python-package', source, packageUri: sdistUri, sha256: trainer.sha256 });
    }

    const spec: CustomJobSpec = {
      displayName: options.displayName ?? `vertexkit-python-${timestamp(new Date())}`,
      ...(options.labels ? { labels: options.labels } : {}),
      jobSpec: {
        workerPoolSpecs: ready,
        ...(options.baseOutputDir && mode !== 'local' ? { baseOutputDirectory: { outputUriPrefix: options.baseOutputDir } } : {}),
        ...(options.serviceAccount ? { serviceAccount: options.serviceAccount } : {}),
      },
    };
    validateCustomJobSpec(spec, mode === 'local' ? {} : { checkExecutorImage: check });
    const project = options.project ?? '';
    const region = options.region ?? 'us-central1';
    if (mode === 'print-job') {
      console.log(JSON.stringify({ autopackaging: packaged, customJob: toCustomJobResource(spec, { checkExecutorImage: check }) }, null, 2));
      return 0;
    }
    if (mode === 'print-gcloud') {
      for (const item of packaged) console.log(`# ${describe(item)}`);
      const command = renderGcloudCommand({ customJob: spec }, { project, region, checkExecutorImage: check });
      if (command.configFile) console.log(`# ${command.configFile.path}\n${command.configFile.content}`);
      console.log(command.text);
      return 0;
    }
    if (mode === 'submit') return await submit(spec, project, region, options.wait, options.baseOutputDir);
    for (const item of packaged) console.log(describe(item));
    const local = startLocalCustomJob(spec, {
      localBuckets: buckets,
      ...(options.python ? { python: { executable: options.python } } : {}),
      ...(options.baseOutputDir ? { baseOutputDir: options.baseOutputDir } : {}),
      onLog: ({ stream, line }) => process[stream].write(`${line}\n`),
    });
    console.log(`local Vertex AI custom job ${local.environment.CLOUD_ML_JOB_ID} (${spec.displayName}): model to ${local.environment.AIP_MODEL_DIR}`);
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void local.cancel());
    try {
      await local.wait({ pollIntervalMs: 50 });
      const environment = local.pythonEnvironment;
      if (environment) console.log(`python environment: ${environment.venv} (${environment.cached ? 'reused' : `made in ${environment.seconds.toFixed(1)} s`})`);
      return 0;
    } catch (error) {
      if (!JobsError.isInstance(error)) throw error;
      console.error(`error: ${error.jobError?.message ?? error.message}`);
      return local.exitCode ?? 1;
    }
  } catch (error) {
    const known = JobsError.isInstance(error) && ['INVALID_ARGUMENT', 'INVALID_SPEC', 'INVALID_PACKAGE'].includes(error.code);
    console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    if (options.verbose && error instanceof Error) console.error(error.stack);
    return known ? 2 : 1;
  }
}

function describe(item: PackagedPool): string {
  const where = `workerPoolSpecs[${item.pool}]: ${item.source}`;
  if (item.mode === 'python-package') return `${where} packaged as ${item.packageUri ?? ''} (sha256 ${item.sha256}): a Python package the executor image runs (pythonPackageSpec; no image built)`;
  const image = item.image;
  return `${where} built into the image ${image?.uri ?? ''} FROM ${image?.baseImage ?? ''} (containerSpec; ${image?.built ? 'built with buildah' : `not built: build ${image?.context ?? ''} with buildah or docker and push it`})`;
}

/** The image of a container-image pool: its build context rendered, built with buildah when present (and pushed to submit). */
async function buildImage(
  packaging: NonNullable<ParsedWorkerPoolSpec['autopackaging']>,
  sdist: Buffer,
  fileName: string,
  push: boolean,
): Promise<NonNullable<PackagedPool['image']>> {
  const uri = packaging.outputImageUri ?? '';
  const context = path.resolve('.vertexkit', 'images', uri.replace(/[^A-Za-z0-9._-]+/g, '_'));
  await fs.rm(context, { recursive: true, force: true });
  await fs.mkdir(context, { recursive: true });
  await fs.writeFile(path.join(context, fileName), sdist);
  for (const extra of packaging.extraPackages) await fs.copyFile(extra, path.join(context, path.basename(extra)));
  for (const dir of packaging.extraDirs) await fs.cp(path.resolve(packaging.localPackagePath ?? '.', dir), path.join(context, dir), { recursive: true });
  const rendered = renderPythonPackageImage({
    baseImage: packaging.executorImageUri,
    packageFile: fileName,
    module: packaging.pythonModule,
    requirements: packaging.requirements,
    extraPackages: packaging.extraPackages.map((extra) => path.basename(extra)),
    extraDirs: packaging.extraDirs,
  });
  await fs.writeFile(path.join(context, 'Dockerfile'), rendered.dockerfile);
  await fs.writeFile(path.join(context, '.dockerignore'), rendered.dockerignore);
  if (!push || !onPath('buildah')) return { uri, baseImage: packaging.executorImageUri, context, built: false };
  for (const args of [['build', '--isolation', 'chroot', '-t', uri, context], ['push', uri]]) {
    const result = spawnSync('buildah', args, { stdio: 'inherit' });
    if (result.status !== 0) throw new Error(`buildah ${args[0] ?? ''} ${uri} failed (exit ${result.status ?? 'signal'}); the build context is ${context}`);
  }
  return { uri, baseImage: packaging.executorImageUri, context, built: true };
}

async function submit(spec: CustomJobSpec, project: string, region: string, wait: boolean, baseOutputDir: string | undefined): Promise<number> {
  const fake = process.env.VERTEXKIT_VERTEX_FAKE;
  const jobs = createJobsClient({ project, location: region, ...(fake ? { clientOptions: fakeClientOptions(fake), pollIntervalMs: 20 } : {}) });
  try {
    const handle = await jobs.submitCustomJob(spec);
    const id = handle.name.split('/').pop() ?? '';
    console.log(`submitted ${handle.name} (${spec.displayName})`);
    console.log(`  https://console.cloud.google.com/vertex-ai/locations/${region}/training/${id}?project=${project}`);
    if (baseOutputDir) console.log(`  model: ${baseOutputDir.replace(/\/?$/, '/')}model/`);
    if (!wait) return 0;
    try {
      await handle.wait({ onProgress: (event) => event.type === 'state' && console.log(`${event.state} after ${Math.round(event.elapsedMs / 1000)} s`) });
      return 0;
    } catch (error) {
      if (!JobsError.isInstance(error)) throw error;
      console.error(`error: job ${handle.name} failed: ${error.jobError?.message ?? error.message}`);
      return 1;
    }
  } finally {
    await jobs.close();
  }
}

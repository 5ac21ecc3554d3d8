import { cloudBuildSubmitCommand, cloudRunServicesReplaceCommand, gcloudCommand } from '@vertexkit/containers';
import type { DeployLocations, DeployTarget } from './render-project-files.js';
import type { TemplateManifest } from './templates.js';
import type { ProjectNames } from './validate-project-name.js';

const REPOSITORY_URL = 'https://github.com/vertexkit/vertexkit/tree/main';

const sh = (...lines: string[]): string => ['```sh', ...lines, '```'].join('\n');

/** What `npm start` does and prints, per template. */
function runSection(template: TemplateManifest): string {
  switch (template.name) {
    case 'train':
      return [
        '`npm start` trains a spam filter on `data/` (subject lines of the SpamAssassin public corpus: `train.csv`,',
        '`dev.csv` for early stopping, `test.csv` scored at the end) as a local Vertex AI custom job, and writes the',
        'model directory (`model.onnx`, `tokenizer.json`, `config.json`, `metrics.json`) to `model/`, in a few seconds:',
        '',
        '```',
        'read 400 training examples, 50 dev, 50 test; labels: ham, spam',
        'epoch 1/10: loss ..., dev macro-F1 ..., dev accuracy ...',
        '...',
        'model: .../model (6 files, ...; manifest.json written last)',
        '```',
        '',
        'Your data: CSV files with a `text` and a `label` column, in a folder or a Cloud Storage prefix:',
        '',
        sh('npm run train -- --data path/to/folder/ --output my-model/ --epochs 20', 'npm run train -- --help'),
        '',
        '`@vertexkit/serve` (or `npm create vertexkit -- --template serve`) serves the model directory as it is.',
      ].join('\n');
    case 'serve':
      return [
        '`npm start` serves `model/` (a small spam filter, trained by the train template on its sample data) on',
        'http://127.0.0.1:8080 (`local.env` sets `MODEL_URI`, `HOST` and `PORT`; the environment wins over it). Call it:',
        '',
        sh(
          'curl -s localhost:8080/health',
          "curl -s localhost:8080/predict -H 'content-type: application/json' \\",
          `  -d '{"instances": ["free money, click now", "notes from the project meeting"]}'`,
          '# {"predictions":[{"labels":[{"label":"spam","score":...},{"label":"ham","score":...}]},...]}',
        ),
        '',
        'http://localhost:8080/docs describes the API. Serve your own model with `MODEL_URI=path/or/gs://bucket/prefix/ npm start`:',
        'a directory as `@vertexkit/trainer` (or the train template) writes it, or a text classifier exported from',
        'transformers with Optimum (`model.onnx`, `tokenizer.json`, `config.json`).',
      ].join('\n');
    case 'translate':
      return [
        '`npm start` serves `model/`, an encoder-decoder translator in the layout `optimum-cli export onnx --task',
        'text2text-generation-with-past` writes for MarianMT (`encoder_model.onnx`, `decoder_model_merged.onnx`,',
        '`generation_config.json`, `tokenizer.json`), on http://127.0.0.1:8080 (`local.env` sets `MODEL_URI`, `HOST`,',
        '`PORT`). Its weights are random (it is vertexkit\'s test model, a few hundred kB): it answers in the right shape',
        'with made-up words. Call it:',
        '',
        sh(
          "curl -s localhost:8080/predict -H 'content-type: application/json' -d '{\"instances\": [\"Bu odun yanmaz.\"]}'",
          '# {"predictions":[["..."]]}',
          "curl -s localhost:8080/predict -H 'content-type: application/json' \\",
          `  -d '{"instances": ["Bu odun yanmaz."], "parameters": {"num_beams": 1, "max_new_tokens": 32}}'`,
        ),
        '',
        'For real translations, export one (on a machine with Python and the model hub), then point `MODEL_URI` at it:',
        '',
        sh('optimum-cli export onnx --model Helsinki-NLP/opus-mt-tr-en --task text2text-generation-with-past opus-mt-tr-en/', 'MODEL_URI=opus-mt-tr-en npm start'),
        '',
        `\`Accept: text/event-stream\` streams one instance's text as it is generated; http://localhost:8080/docs lists the parameters (\`num_beams\`, \`max_new_tokens\`, \`do_sample\`, ...).`,
      ].join('\n');
    case 'train-python':
      return [
        '`npm start` packages `trainer-package/` (a setuptools package: `trainer/task.py`, standard library, numpy when',
        'present) as a deterministic sdist, runs it as a local Vertex AI custom job (a virtual environment, `python -m',
        'trainer.task`, Vertex AI\'s environment) on demo data, then loads the model directory it wrote with',
        '`@vertexkit/serve` and classifies two texts:',
        '',
        '```',
        'packaged trainer-0.1.0.tar.gz (sha256 ..., 7 .py files compiled with python3) as gs://demo/staging/trainer-....tar.gz',
        '...',
        'served: "free cash prize, click now" -> spam 0.7...',
        'served: "notes from the project meeting" -> ham 0.8...',
        '```',
        '',
        'It needs python3 with venv, setuptools and wheel (Debian/Ubuntu: `apt-get install python3-venv python3-setuptools',
        'python3-wheel`); `npm start -- --python /path/to/python3` picks another python3.',
        '`npm start -- --data folder/` trains on your `train.csv` (`text,label`). Without it, the demo data goes to',
        '`.vertexkit/buckets/demo/spam/train.csv`: the job reads `gs://demo/...` from `.vertexkit/buckets/demo/`, the folder that stands in for the bucket.',
      ].join('\n');
  }
}

/** The gcloud commands that take the project to Google Cloud, per template. */
function deploySection(template: TemplateManifest, names: ProjectNames, target: DeployTarget, deploy: DeployLocations): string {
  const { project, region, bucket } = target;
  const once = [
    gcloudCommand({ args: ['artifacts', 'repositories', 'create', deploy.repository, '--repository-format=docker', `--location=${region}`, `--project=${project}`] }).text,
    gcloudCommand({ args: ['storage', 'buckets', 'create', `gs://${bucket}`, `--location=${region}`, `--project=${project}`] }).text,
  ];
  const build = cloudBuildSubmitCommand({ config: 'cloudbuild.yaml', source: '.', project, substitutions: { _REGION: region, _REPOSITORY: deploy.repository, _TAG: '1' } }).text;
  const intro = [
    `The commands below use the project \`${project}\`, the region \`${region}\` and the bucket \`gs://${bucket}\`` +
      (project === 'my-project' ? ' (placeholders: scaffold again with `--project`, `--region` and `--bucket`, or edit them here and in the YAML files).' : '.'),
    'Once per project, an image repository and a bucket:',
    '',
    sh(...once),
    '',
  ];
  switch (template.image.kind) {
    case 'node-serve':
      return [
        ...intro,
        `Then build the image on Cloud Build (\`cloudbuild.yaml\`, from the \`Dockerfile\`: \`npm ci --omit=dev\`, the unprivileged \`node\` user; no model inside), copy the model to the bucket and deploy \`service.yaml\` (Cloud Run, the startup probe on \`/health\`, \`MODEL_URI=${deploy.modelUri}\`):`,
        '',
        sh(
          build,
          gcloudCommand({ args: ['storage', 'cp', '--recursive', 'model/*', deploy.modelUri] }).text,
          cloudRunServicesReplaceCommand({ file: 'service.yaml', region, project }).text,
        ),
        '',
        'The same image runs on a Vertex AI endpoint (it honours `AIP_HTTP_PORT`, `AIP_HEALTH_ROUTE`, `AIP_PREDICT_ROUTE` and',
        '`AIP_STORAGE_URI`): see `@vertexkit/jobs`\' `uploadModel` and `deployModel`.',
      ].join('\n');
    case 'node-train':
      return [
        ...intro,
        'Then build the training image on Cloud Build, copy the data to the bucket and submit the job (`--submit` waits and',
        'prints its states; `--print-gcloud` prints the `gcloud ai custom-jobs create` command instead):',
        '',
        sh(
          build,
          gcloudCommand({ args: ['storage', 'cp', 'data/*.csv', deploy.dataUri] }).text,
          [
            `npm run train -- --submit --project ${project} --region ${region} \\`,
            `  --image ${deploy.image} \\`,
            `  --base-output-dir gs://${bucket}/${names.serviceName}/runs/1/ --data ${deploy.dataUri}`,
          ].join('\n'),
        ),
        '',
        `The model lands in \`gs://${bucket}/${names.serviceName}/runs/1/model/\`, which the serve template's image serves as \`MODEL_URI\`.`,
      ].join('\n');
    case 'python-training':
      return [
        ...intro,
        'Submit the trainer as a Python package job on a prebuilt executor image: the sdist is staged in the bucket and',
        'Vertex AI installs it (no image to build). Every image of Vertex AI\'s catalogue is past its end of availability by',
        'December 2026, so `--submit` refuses the default one unless `--as-of` names an earlier day or `--executor-image` a newer image:',
        '',
        sh(
          gcloudCommand({ args: ['storage', 'cp', '.vertexkit/buckets/demo/spam/train.csv', deploy.dataUri] }).text,
          [
            `npm start -- --submit --project ${project} --region ${region} --staging gs://${bucket}/staging \\`,
            `  --data ${deploy.dataUri} --base-output-dir gs://${bucket}/${names.serviceName}/runs/1`,
          ].join('\n'),
        ),
        '',
        `Or as an image of your own: the \`Dockerfile\` has the stack of the default executor image (\`${template.image.executorImage}\`:`,
        `${template.image.options.framework} ${template.image.options.frameworkVersion ?? ''}, Python ${template.image.options.python ?? ''}), \`trainer-package/trainer\` and \`python -m trainer.task\` as its`,
        'entrypoint, run by an unprivileged user. Build it on Cloud Build, then run the job with it (`--worker-pool-spec` with',
        '`container-image-uri` in `gcloud ai custom-jobs create`):',
        '',
        sh(build),
      ].join('\n');
  }
}

/** The project's README: what it is, the two commands, its test, the deploy steps, its files. */
export function renderReadme(template: TemplateManifest, names: ProjectNames, target: DeployTarget, deploy: DeployLocations): string {
  const generated = ['Dockerfile', '.dockerignore', 'cloudbuild.yaml', ...(template.image.kind === 'node-serve' ? ['service.yaml'] : [])];
  return [
    `# ${names.packageName}`,
    '',
    `${template.package.description.charAt(0).toUpperCase()}${template.package.description.slice(1)}`,
    '',
    `Made by \`npm create vertexkit\` from the \`${template.name}\` template, which is vertexkit's sample app [\`${template.app}\`](${REPOSITORY_URL}/${template.app}):`,
    'its README explains every flag and setting. Node.js 24 runs the TypeScript in `src/` as it is (type stripping): no build step.',
    '',
    '## Run it',
    '',
    sh('npm install', 'npm start'),
    '',
    runSection(template),
    '',
    '`npm test` type-checks the project (`tsc`) and runs `test/` with `node --test`.',
    '',
    '## Deploy to Google Cloud',
    '',
    deploySection(template, names, target, deploy),
    '',
    '## Files',
    '',
    `${generated.map((f) => `\`${f}\``).join(', ')} were rendered for this project by \`@vertexkit/containers\` and passed its checks`,
    '(a Dockerfile linter, Cloud Build\'s and Cloud Run\'s limits). The image builds from this folder after `npm install`',
    '(it needs `package-lock.json`): `docker build .`, or `buildah build .`.',
    '',
  ].join('\n');
}

#!/usr/bin/env node
// `npm create vertexkit [dir] -- [--template NAME] [--force] [--yes] ...`: asks what it needs on a terminal (with
// @clack/prompts), takes flags everywhere else (CI, scripts), then writes the project and names every file.
// Exit status: 0 written (or nothing to do), 1 the write failed, 2 a usage error (the message names the flag), 130 cancelled.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CreateVertexkitError } from './lib/create-vertexkit-error.js';
import { scaffoldProject, type ScaffoldResult } from './lib/scaffold-project.js';
import { isTemplateName, listTemplates, TEMPLATE_NAMES, unknownTemplateError } from './lib/templates.js';
import { validateProjectName } from './lib/validate-project-name.js';

const OPTIONS = {
  template: { type: 'string', short: 't' },
  name: { type: 'string' },
  force: { type: 'boolean', short: 'f' },
  overwrite: { type: 'boolean' },
  yes: { type: 'boolean', short: 'y' },
  project: { type: 'string' },
  region: { type: 'string' },
  bucket: { type: 'string' },
  list: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

function usage(): string {
  const templates = listTemplates()
    .map((t) => `  ${t.name.padEnd(13)} ${t.summary}`)
    .join('\n');
  return `usage: npm create vertexkit@latest [dir] -- [--template NAME] [options]
       npx create-vertexkit [dir] [--template NAME] [options]

Writes a standalone project from one of vertexkit's sample apps into dir (default: asked, or my-vertexkit-app).

templates:
${templates}

options:
  -t, --template NAME   the template (asked on a terminal when not given)
      --name NAME       the npm package name (default: dir's name); it also names the Cloud Run service and image
  -f, --force           write into a folder that has files in it (files with the same names are replaced); --overwrite too
  -y, --yes             ask nothing: defaults for what is not given (dir my-vertexkit-app; --template is still required)
      --project ID      the Google Cloud project the deploy files and README name (default my-project, a placeholder)
      --region REGION   default us-central1
      --bucket NAME     the Cloud Storage bucket for data and models (default <project>-vertexkit)
      --list            print the templates and exit
  -h, --help, -v, --version`;
}

class CancelledError extends Error {}

/** Edit distance, for "did you mean": small strings only. */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length]!;
}

/** node:util's parse errors in this CLI's words: the flag, and the fix. */
function describeParseError(error: Error & { code?: string }): string {
  const flag = /'(-[^']*)'/.exec(error.message)?.[1];
  if (error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && flag) {
    const name = flag.replace(/^-+/, '').split('=')[0] ?? '';
    const near = Object.keys(OPTIONS).filter((option) => distance(option, name) <= 2);
    return `unknown flag ${flag}${near.length ? `; did you mean --${near[0]}?` : ''} (create-vertexkit --help lists the flags)`;
  }
  const long = /--([a-z-]+)/.exec(error.message)?.[1];
  if (error.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && long) {
    if (/does not take an argument/.test(error.message)) return `--${long} takes no value: write --${long} alone`;
    return `--${long} needs a value${long === 'template' ? `: one of ${TEMPLATE_NAMES.join(', ')}` : ''}, e.g. --${long} ${long === 'template' ? 'train' : long === 'region' ? 'us-central1' : long === 'name' ? 'my-app' : 'my-project'}`;
  }
  return `${error.message} (create-vertexkit --help lists the flags)`;
}

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new CreateVertexkitError('INVALID_OPTIONS', describeParseError(error as Error & { code?: string }));
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(usage());
    return 0;
  }
  if (values.version) {
    const manifest = JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    console.log(manifest.version);
    return 0;
  }
  if (values.list) {
    for (const t of listTemplates()) console.log(`${t.name.padEnd(13)} ${t.summary} (from ${t.app})`);
    return 0;
  }
  if (positionals.length > 1) {
    throw new CreateVertexkitError('INVALID_OPTIONS', `one folder, got ${positionals.length}: ${positionals.map((p) => JSON.stringify(p)).join(', ')}; quote a name with spaces, and put flags after -- with npm create (npm create vertexkit my-app -- --template train)`);
  }
  if (values.template !== undefined && !isTemplateName(values.template)) throw unknownTemplateError(values.template);
  if (values.name !== undefined) validateProjectName(values.name, '--name');

  const interactive = process.stdin.isTTY && process.stdout.isTTY && values.yes !== true && !process.env.CI;
  let dir = positionals[0];
  let template: string | undefined = values.template;
  let force = values.force === true || values.overwrite === true;

  if (interactive) {
    const prompts = await import('@clack/prompts');
    const check = <T>(value: T | symbol): T => {
      if (prompts.isCancel(value)) throw new CancelledError();
      return value as T;
    };
    prompts.intro('create-vertexkit');
    dir ??= check<string>(
      await prompts.text({
        message: 'Project folder',
        placeholder: 'my-vertexkit-app',
        defaultValue: 'my-vertexkit-app',
        validate: (value) => {
          if (!value) return undefined;
          try {
            if (values.name === undefined) validateProjectName(path.basename(path.resolve(value)), 'the folder name');
            return undefined;
          } catch (error) {
            return (error as Error).message;
          }
        },
      }),
    );
    template ??= check<string>(
      await prompts.select({
        message: 'Template',
        options: listTemplates().map((t) => ({ value: t.name, label: t.name, hint: t.summary })),
      }),
    );
    const entries = fs.existsSync(dir) && fs.statSync(dir).isDirectory() ? fs.readdirSync(dir) : [];
    if (entries.length > 0 && !force) {
      force = check<boolean>(await prompts.confirm({ message: `${dir} has ${entries.length} file(s) in it. Write into it anyway (files with the same names are replaced)?`, initialValue: false }));
      if (!force) throw new CancelledError();
    }
  }

  dir ??= values.yes === true ? 'my-vertexkit-app' : undefined;
  if (dir === undefined) {
    throw new CreateVertexkitError('INVALID_OPTIONS', 'no project folder: give one (npm create vertexkit my-app -- --template train), or pass --yes for my-vertexkit-app');
  }
  if (template === undefined) {
    throw new CreateVertexkitError('INVALID_OPTIONS', `--template is required when not asked on a terminal: one of ${TEMPLATE_NAMES.join(', ')} (npm create vertexkit ${dir} -- --template train)`, { option: 'template' });
  }

  const relative = path.relative(process.cwd(), path.resolve(dir));
  const shown = relative === '' ? '.' : relative.startsWith('..') ? path.resolve(dir) : relative;
  const result: ScaffoldResult = await scaffoldProject({
    dir,
    template,
    force,
    ...(values.name !== undefined ? { name: values.name } : {}),
    ...(values.project !== undefined ? { project: values.project } : {}),
    ...(values.region !== undefined ? { region: values.region } : {}),
    ...(values.bucket !== undefined ? { bucket: values.bucket } : {}),
    onFile: (file) => console.log(`  wrote ${path.join(shown, file)}`),
  });
  console.log(`\n${result.packageName}: the ${result.template} template (vertexkit's ${result.app}), ${result.files.length} files. Next:\n`);
  if (shown !== '.') console.log(`  cd ${shown.includes(' ') ? JSON.stringify(shown) : shown}`);
  console.log('  npm install\n  npm start\n\nnpm test runs its test; README.md has the deploy steps.');
  return 0;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof CancelledError) {
    console.error('cancelled: nothing was written');
    process.exitCode = 130;
  } else if (CreateVertexkitError.isInstance(error)) {
    console.error(`error: ${error.message}`);
    process.exitCode = error.code === 'TEMPLATES_MISSING' ? 1 : 2;
  } else {
    console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}

// gcloud words as argv and as one shell line; gcloud's list escaping; YAML as gcloud (YAML 1.1) reads it.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { gcloudCommand } from '../../src/lib/gcloud/gcloud-command.js';
import { joinGcloudList, splitGcloudList } from '../../src/lib/gcloud/gcloud-list.js';
import { parseYamlText, toYamlText } from '../../src/lib/gcloud/yaml-text.js';

/** The command's text on one line: its flags are one a line, with backslash continuations. */
const oneLine = (text: string): string => text.replace(/ \\\n {2}/g, ' ');

describe('gcloudCommand', () => {
  it('keeps argv unquoted and prefixed with gcloud', () => {
    const command = gcloudCommand({ args: ['run', 'services', 'replace', 'service.yaml', '--region=us-central1'] });
    expect(command.argv).toEqual(['gcloud', 'run', 'services', 'replace', 'service.yaml', '--region=us-central1']);
    expect(oneLine(command.text)).toBe('gcloud run services replace service.yaml --region=us-central1');
  });

  it('quotes only the value of a --flag=value, and bare words whole', () => {
    const command = gcloudCommand({ args: ['run', 'deploy', 'my service', "--set-env-vars=GREETING=it's here", '--set-env-vars=^@^A=a,b@B=c', '--substitutions=_TAG=$SHORT_SHA'] });
    expect(oneLine(command.text)).toBe(
      `gcloud run deploy 'my service' --set-env-vars='GREETING=it'\\''s here' --set-env-vars='^@^A=a,b@B=c' --substitutions='_TAG=$SHORT_SHA'`,
    );
  });

  it('is read back by a POSIX shell as the same words', () => {
    const args = ['run', 'deploy', 'svc', "--set-env-vars=^@^Q='x, y'@R=$HOME", '--labels=', 'two words', '*'];
    const { text: shell } = gcloudCommand({ args });
    const echoed = execFileSync('sh', ['-c', `printf '%s\\n' ${shell.replace(/^gcloud /, '')}`], { encoding: 'utf8' });
    expect(echoed.split('\n').slice(0, -1)).toEqual(args);
  });
});

describe('gcloud lists', () => {
  it('joins with commas, or with ^@^ when an item holds a comma', () => {
    expect(joinGcloudList(['A=1', 'B=2'])).toBe('A=1,B=2');
    expect(joinGcloudList(['A=a,b', 'B=c'])).toBe('^@^A=a,b@B=c');
  });

  it('picks another delimiter when an item also holds @, and escapes a leading ^', () => {
    expect(joinGcloudList(['MAIL=a@b.c,d@e.f', 'B=c'])).toBe('^:^MAIL=a@b.c,d@e.f:B=c');
    expect(joinGcloudList(['^X^=1'])).toBe('^@^^X^=1');
  });

  it('splits back what it joined', () => {
    for (const items of [['A=1', 'B=2'], ['A=a,b', 'B=c'], ['M=a@b,c', 'N=:'], []]) expect(splitGcloudList(joinGcloudList(items))).toEqual(items);
  });
});

describe('YAML for gcloud', () => {
  it('quotes the strings YAML 1.1 would read as something else, and never folds long lines', () => {
    const long = 'x'.repeat(200);
    const text = toYamlText({ a: 'yes', b: 'on', c: '1:30', d: '0', e: 'true', f: long, g: '$PROJECT_ID' });
    expect(text).toBe(`a: "yes"\nb: "on"\nc: "1:30"\nd: "0"\ne: "true"\nf: ${long}\ng: $PROJECT_ID\n`);
    expect(parseYamlText(text)).toEqual({ value: { a: 'yes', b: 'on', c: '1:30', d: '0', e: 'true', f: long, g: '$PROJECT_ID' }, issues: [] });
  });

  it('reads unquoted yes and on as gcloud does, as booleans, and a bare . as text', () => {
    expect(parseYamlText('a: yes\nb: on\nc: 1:30\nd: .\ne: .5\nf: .nan\n').value).toEqual({ a: true, b: true, c: 90, d: '.', e: 0.5, f: NaN });
  });

  it('locates syntax errors and duplicate keys by line', () => {
    const broken = parseYamlText('steps:\n  - name: a\n    args: [b\n');
    expect(broken.value).toBeUndefined();
    expect(broken.issues[0]?.path).toMatch(/^line \d+$/);
    expect(broken.issues[0]?.message).toMatch(/^not valid YAML: .*; fix the syntax first$/);
    const duplicate = parseYamlText('a: 1\nb: 2\na: 3\n');
    expect(duplicate.issues).toEqual([{ path: 'line 3', message: 'not valid YAML: Map keys must be unique; fix the syntax first' }]);
  });
});

describe('gcloudCommand text layout', () => {
  it('puts the command words on the first line and one flag a line after, as @vertexkit/jobs does', () => {
    expect(gcloudCommand({ args: ['builds', 'submit', '--config=cloudbuild.yaml', '--project=p', '.'] }).text).toBe(
      ['gcloud builds submit \\', '  --config=cloudbuild.yaml \\', '  --project=p \\', '  .'].join('\n'),
    );
  });
});

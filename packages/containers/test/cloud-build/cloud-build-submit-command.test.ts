// gcloud builds submit: its words, the substitutions' escaping, and which keys Cloud Build accepts.
import { describe, expect, it } from 'vitest';
import { cloudBuildSubmitCommand } from '../../src/lib/cloud-build/cloud-build-submit-command.js';
import { errorOf } from '../cloud-run/fixtures.js';

/** The command's text on one line: its flags are one a line, with backslash continuations. */
const oneLine = (text: string): string => text.replace(/ \\\n {2}/g, ' ');

describe('cloudBuildSubmitCommand', () => {
  it('gives every flag, the source last', () => {
    const command = cloudBuildSubmitCommand({
      config: 'deploy/cloudbuild.yaml',
      source: '.',
      project: 'my-project',
      region: 'us-central1',
      substitutions: { _TAG: 'v1.2.0', SHORT_SHA: 'abc1234' },
    });
    expect(command.argv).toEqual([
      'gcloud',
      'builds',
      'submit',
      '--config=deploy/cloudbuild.yaml',
      '--project=my-project',
      '--region=us-central1',
      '--substitutions=_TAG=v1.2.0,SHORT_SHA=abc1234',
      '.',
    ]);
    expect(oneLine(command.text)).toBe('gcloud builds submit --config=deploy/cloudbuild.yaml --project=my-project --region=us-central1 --substitutions=_TAG=v1.2.0,SHORT_SHA=abc1234 .');
  });

  it('leaves out what is not given', () => {
    expect(cloudBuildSubmitCommand({ config: 'cloudbuild.yaml', source: 'app', project: 'my-project' }).argv).toEqual([
      'gcloud',
      'builds',
      'submit',
      '--config=cloudbuild.yaml',
      '--project=my-project',
      'app',
    ]);
  });

  it('escapes commas with ^@^ and quotes for the shell', () => {
    const command = cloudBuildSubmitCommand({ config: 'cloudbuild.yaml', source: '.', project: 'my-project', substitutions: { _LABELS: 'a,b', _NOTE: 'hello world' } });
    expect(command.argv).toContain('--substitutions=^@^_LABELS=a,b@_NOTE=hello world');
    expect(command.text).toContain(`--substitutions='^@^_LABELS=a,b@_NOTE=hello world'`);
  });

  it('names each bad option', () => {
    expect(errorOf(() => cloudBuildSubmitCommand({ config: '', source: '', project: 'x', region: 'moon', substitutions: { tag: '1', PROJECT_ID: 'p' } })).issues).toEqual([
      { path: 'config', message: 'missing; give the build config path, e.g. "cloudbuild.yaml"' },
      { path: 'source', message: 'missing; give the source directory to upload, e.g. "."' },
      { path: 'project', message: '"x" is not a Google Cloud project ID: 6–30 lowercase letters, digits and "-", starting with a letter' },
      { path: 'region', message: '"moon" is not a Cloud Build region; write one such as "us-central1", or leave it out for the global pool' },
      { path: 'substitutions.tag', message: '"tag" cannot be set: user substitutions are "_" then upper-case letters, digits and "_" (e.g. _TAG), built-ins settable by hand are COMMIT_SHA, REVISION_ID, SHORT_SHA, REPO_NAME, BRANCH_NAME, TAG_NAME' },
      { path: 'substitutions.PROJECT_ID', message: '"PROJECT_ID" cannot be set: user substitutions are "_" then upper-case letters, digits and "_" (e.g. _PROJECT_ID), built-ins settable by hand are COMMIT_SHA, REVISION_ID, SHORT_SHA, REPO_NAME, BRANCH_NAME, TAG_NAME' },
    ]);
  });
});

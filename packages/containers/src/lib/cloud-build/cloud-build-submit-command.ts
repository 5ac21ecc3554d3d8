// `gcloud builds submit` (https://cloud.google.com/sdk/gcloud/reference/builds/submit).
import type { GcloudCommand } from '../rendered-files.js';
import { throwIfIssues, type ContainersIssue } from '../containers-error.js';
import { gcloudCommand } from '../gcloud/gcloud-command.js';
import { joinGcloudList } from '../gcloud/gcloud-list.js';
import { REGION } from '../cloud-run/cloud-run-service-options.js';
import { OVERRIDABLE_BUILT_INS, USER_SUBSTITUTION } from './cloud-build-substitutions.js';
import { PROJECT_ID } from './image-reference.js';

/** Options of {@link cloudBuildSubmitCommand}. */
export interface CloudBuildSubmitCommandOptions {
  /** Path of the cloudbuild.yaml, e.g. `cloudbuild.yaml`. */
  config: string;
  /** Source directory uploaded as the build context, e.g. `.`. */
  source: string;
  /** Project ID the build runs in (and `$PROJECT_ID` names). */
  project: string;
  /** Region for a regional build, e.g. `us-central1`. Default: the global pool. */
  region?: string;
  /** Substitution values: `{ _TAG: 'v1.2.0' }`; also the trigger built-ins a manual build may set, such as `SHORT_SHA`. */
  substitutions?: Record<string, string>;
}

/**
 * `gcloud builds submit --config=CONFIG --project=PROJECT [--region=REGION] [--substitutions=_TAG=...] SOURCE`:
 * uploads the source and runs the build. Substitution values holding commas use gcloud's `^@^` delimiter. Every
 * substitution given must be used by the config: Cloud Build refuses unused keys in a manual build.
 *
 * @example cloudBuildSubmitCommand({ config: 'cloudbuild.yaml', source: '.', project: 'my-project', substitutions: { _TAG: 'v1' } }).argv
 * @throws ContainersError INVALID_OPTIONS for a missing config or source, a malformed project or region, or a
 *   substitution key Cloud Build does not accept
 */
export function cloudBuildSubmitCommand(options: CloudBuildSubmitCommandOptions): GcloudCommand {
  const issues: ContainersIssue[] = [];
  if (typeof options.config !== 'string' || options.config.trim() === '') issues.push({ path: 'config', message: 'missing; give the build config path, e.g. "cloudbuild.yaml"' });
  if (typeof options.source !== 'string' || options.source.trim() === '') issues.push({ path: 'source', message: 'missing; give the source directory to upload, e.g. "."' });
  if (typeof options.project !== 'string' || !PROJECT_ID.test(options.project)) {
    issues.push({ path: 'project', message: `${JSON.stringify(options.project)} is not a Google Cloud project ID: 6–30 lowercase letters, digits and "-", starting with a letter` });
  }
  if (options.region !== undefined && !REGION.test(options.region) && options.region !== 'global') {
    issues.push({ path: 'region', message: `${JSON.stringify(options.region)} is not a Cloud Build region; write one such as "us-central1", or leave it out for the global pool` });
  }
  const substitutions = Object.entries(options.substitutions ?? {});
  for (const [key] of substitutions) {
    if (!USER_SUBSTITUTION.test(key) && !OVERRIDABLE_BUILT_INS.includes(key)) {
      issues.push({
        path: `substitutions.${key}`,
        message: `${JSON.stringify(key)} cannot be set: user substitutions are "_" then upper-case letters, digits and "_" (e.g. _${key.replace(/^_+/, '').toUpperCase().replace(/[^A-Z0-9_]+/g, '_')}), built-ins settable by hand are ${OVERRIDABLE_BUILT_INS.join(', ')}`,
      });
    }
  }
  throwIfIssues('cloudBuildSubmitCommand', issues);
  const flags = [
    `--config=${options.config}`,
    `--project=${options.project}`,
    ...(options.region !== undefined ? [`--region=${options.region}`] : []),
    ...(substitutions.length > 0 ? [`--substitutions=${joinGcloudList(substitutions.map(([key, value]) => `${key}=${value}`))}`] : []),
  ];
  return gcloudCommand({ args: ['builds', 'submit', ...flags, options.source] });
}

import type { GcloudCommand } from '../rendered-files.js';
import { gcloudCommand } from '../gcloud/gcloud-command.js';
import { throwIfIssues, type ContainersIssue } from '../containers-error.js';
import { PROJECT_ID } from '../cloud-build/image-reference.js';
import { REGION } from './cloud-run-service-options.js';

/** Options of {@link cloudRunServicesReplaceCommand}. */
export interface CloudRunServicesReplaceCommandOptions {
  /** Path of the service YAML, e.g. `service.yaml` (as written by {@link renderCloudRunService}). */
  file: string;
  /** Region to deploy to, e.g. `us-central1`. */
  region: string;
  /** Project ID to deploy into. */
  project: string;
}

/**
 * `gcloud run services replace FILE --region=REGION --project=PROJECT`: creates the service the YAML describes, or
 * replaces its configuration with a new revision. Public access is IAM, not YAML: after the first deploy grant
 * `roles/run.invoker` to `allUsers` (`gcloud run services add-iam-policy-binding`) if the service should be public.
 *
 * @example cloudRunServicesReplaceCommand({ file: 'service.yaml', region: 'us-central1', project: 'my-project' }).text
 * @throws ContainersError INVALID_OPTIONS for a missing file or a malformed region or project
 */
export function cloudRunServicesReplaceCommand(options: CloudRunServicesReplaceCommandOptions): GcloudCommand {
  const issues: ContainersIssue[] = [];
  if (typeof options.file !== 'string' || options.file.trim() === '') issues.push({ path: 'file', message: 'missing; give the path of the service YAML, e.g. "service.yaml"' });
  if (typeof options.region !== 'string' || !REGION.test(options.region)) {
    issues.push({ path: 'region', message: `${JSON.stringify(options.region)} is not a Cloud Run region; write one such as "us-central1"` });
  }
  if (typeof options.project !== 'string' || !PROJECT_ID.test(options.project)) {
    issues.push({ path: 'project', message: `${JSON.stringify(options.project)} is not a Google Cloud project ID: 6–30 lowercase letters, digits and "-", starting with a letter` });
  }
  throwIfIssues('cloudRunServicesReplaceCommand', issues);
  return gcloudCommand({ args: ['run', 'services', 'replace', options.file, `--region=${options.region}`, `--project=${options.project}`] });
}

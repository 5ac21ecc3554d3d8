// `gcloud run deploy` flags as the gcloud reference lists them (https://cloud.google.com/sdk/gcloud/reference/run/deploy).
import type { GcloudCommand } from '../rendered-files.js';
import { gcloudCommand } from '../gcloud/gcloud-command.js';
import { joinGcloudList } from '../gcloud/gcloud-list.js';
import { throwIfIssues } from '../containers-error.js';
import { cloudRunServiceIssues, resolveCloudRunService, type CloudRunServiceOptions } from './cloud-run-service-options.js';

/** Options of {@link cloudRunDeployCommand}: a service, with the region and project gcloud needs. */
export type CloudRunDeployCommandOptions = CloudRunServiceOptions & {
  /** Region to deploy to, e.g. `us-central1`. */
  region: string;
  /** Project ID to deploy into. */
  project: string;
};

/**
 * The `gcloud run deploy` command that deploys the same service {@link renderCloudRunService} describes: image,
 * region, project, port, memory, CPU, concurrency, timeout, instance bounds, ingress, env (with gcloud's `^@^`
 * delimiter when a value holds a comma), Secret Manager secrets, service account, labels, and the
 * allow-unauthenticated, CPU throttling and startup CPU boost switches.
 *
 * Two differences remain. gcloud has no flag for HTTP startup or liveness probes on services (Cloud Run's health
 * check page configures them through the console, YAML or Terraform only), so a service deployed this way keeps Cloud
 * Run's default TCP startup probe: use the YAML and {@link cloudRunServicesReplaceCommand} for the health route.
 * And `--allow-unauthenticated` is an IAM binding, which the YAML cannot carry.
 *
 * @example cloudRunDeployCommand({ name: 'sentiment', image, region: 'us-central1', project: 'my-project' }).argv
 * @throws ContainersError INVALID_OPTIONS listing every invalid option with its fix
 */
export function cloudRunDeployCommand(options: CloudRunDeployCommandOptions): GcloudCommand {
  const issues = cloudRunServiceIssues(options);
  if (typeof options.region !== 'string' || options.region === '') issues.push({ path: 'region', message: 'missing; gcloud run deploy needs the region, e.g. "us-central1"' });
  if (typeof options.project !== 'string' || options.project === '') issues.push({ path: 'project', message: 'missing; gcloud run deploy needs the project ID' });
  throwIfIssues('cloudRunDeployCommand', issues);
  const service = resolveCloudRunService(options);
  const flags = [
    `--image=${service.image}`,
    `--region=${options.region}`,
    `--project=${options.project}`,
    `--port=${service.port}`,
    `--memory=${service.memory}`,
    `--cpu=${service.cpu}`,
    `--concurrency=${service.concurrency}`,
    `--timeout=${service.timeoutSeconds}`,
    `--min-instances=${service.minInstances}`,
    `--max-instances=${service.maxInstances}`,
    `--ingress=${service.ingress}`,
    ...(service.executionEnvironment !== undefined ? [`--execution-environment=${service.executionEnvironment}`] : []),
    // --set-* replace what the previous revision had while a missing flag keeps it; --clear-* makes "none" explicit,
    // so the command ends in the same state as `services replace` with this service's YAML.
    service.env.length > 0 ? `--set-env-vars=${joinGcloudList(service.env.map(({ name, value }) => `${name}=${value}`))}` : '--clear-env-vars',
    service.secrets.length > 0 ? `--set-secrets=${joinGcloudList(service.secrets.map(({ name, secret, version }) => `${name}=${secret}:${version}`))}` : '--clear-secrets',
    ...(service.serviceAccount !== undefined ? [`--service-account=${service.serviceAccount}`] : []),
    service.labels.length > 0 ? `--labels=${joinGcloudList(service.labels.map(({ key, value }) => `${key}=${value}`))}` : '--clear-labels',
    service.allowUnauthenticated ? '--allow-unauthenticated' : '--no-allow-unauthenticated',
    service.cpuAlwaysAllocated ? '--no-cpu-throttling' : '--cpu-throttling',
    service.startupCpuBoost ? '--cpu-boost' : '--no-cpu-boost',
  ];
  return gcloudCommand({ args: ['run', 'deploy', service.name, ...flags] });
}

import validatePackageName from 'validate-npm-package-name';
import { CreateVertexkitError } from './create-vertexkit-error.js';

/** What {@link validateProjectName} returns for a valid name. */
export interface ProjectNames {
  /** The npm package name, as given: `my-spam-filter`, `@team/spam-filter`. */
  packageName: string;
  /** The Cloud Run service and container image name made from it: `spam-filter` for `@team/spam-filter`. */
  serviceName: string;
}

// Cloud Run service names: lowercase letters, digits and hyphens, starting with a letter, not ending with a hyphen,
// at most 49 characters. The same name is the image's in Artifact Registry.
const SERVICE_NAME = /^[a-z](?:[-a-z0-9]{0,47}[a-z0-9])?$/;

/**
 * Checks a project's npm package name with npm's own rules (validate-npm-package-name) and makes the Cloud Run
 * service and image name from it: the unscoped part, with `.` and `_` as `-`.
 *
 * @example validateProjectName('@team/spam_filter') // { packageName: '@team/spam_filter', serviceName: 'spam-filter' }
 * @throws CreateVertexkitError `INVALID_NAME`, saying why npm refuses the name, or why it cannot name a service
 */
export function validateProjectName(name: string, flag = 'name'): ProjectNames {
  const result = validatePackageName(name);
  if (!result.validForNewPackages) {
    const why = [...(result.errors ?? []), ...(result.warnings ?? [])].join('; ');
    throw new CreateVertexkitError('INVALID_NAME', `${flag} ${JSON.stringify(name)} is not a valid npm package name: ${why}. Pass --name with a name such as "my-spam-filter" (lowercase letters, digits, "-").`, { option: 'name' });
  }
  const serviceName = name.replace(/^@[^/]+\//, '').replace(/[._]+/g, '-');
  if (!SERVICE_NAME.test(serviceName)) {
    throw new CreateVertexkitError(
      'INVALID_NAME',
      `${flag} ${JSON.stringify(name)} cannot name the Cloud Run service and image: ${JSON.stringify(serviceName)} must start with a letter, hold only lowercase letters, digits and "-", not end with "-" and be at most 49 characters. Pass --name with such a name.`,
      { option: 'name' },
    );
  }
  return { packageName: name, serviceName };
}

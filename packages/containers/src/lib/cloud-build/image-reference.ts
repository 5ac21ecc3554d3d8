// Container image references: the general Docker grammar (for Cloud Run, which also pulls from Docker Hub) and the
// Artifact Registry form Cloud Build pushes to, `LOCATION-docker.pkg.dev/PROJECT/REPOSITORY/IMAGE[:TAG]`
// (https://cloud.google.com/artifact-registry/docs/docker/names). Cloud Build substitutions (`$PROJECT_ID`,
// `${_TAG}`) may stand in for the project and the tag; they are resolved before anything pulls or pushes.
import type { ContainersIssue } from '../containers-error.js';

// distribution/reference grammar: lowercase path components joined by `.`, `_`, `__` or dashes; tags up to 128.
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
const DOMAIN = /^(?:localhost|[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)(?::\d+)?$/;
/** `$NAME` or `${NAME}`: a Cloud Build substitution. */
export const SUBSTITUTION = /^\$(?:[A-Z_][A-Z0-9_]*|\{[A-Z_][A-Z0-9_]*\})$/;

/** Artifact Registry locations: a region (`us-central1`) or a multi-region (`us`, `europe`, `asia`). */
export const ARTIFACT_REGISTRY_LOCATION = /^(?:us|europe|asia|[a-z]+-[a-z]+\d+)$/;
/**
 * Artifact Registry repository IDs: lowercase letters, digits and hyphens, starting with a letter, not ending with a
 * hyphen, at most 63 characters: the RFC 1035 label rule of Google Cloud resource IDs. Not confirmed on an Artifact
 * Registry page we could check; revisit if it refuses a name this accepts.
 */
export const ARTIFACT_REGISTRY_REPOSITORY = /^[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?$/;
/** Google Cloud project IDs: 6–30 characters, lowercase, digits, hyphens; or `$PROJECT_ID`. */
export const PROJECT_ID = /^(?:[a-z][-a-z0-9]{4,28}[a-z0-9]|[a-z0-9.-]+:[a-z][-a-z0-9]{4,28}[a-z0-9])$/;

function show(value: unknown): string {
  return typeof value === 'number' || typeof value === 'boolean' || value === undefined ? String(value) : JSON.stringify(value);
}

/** Split `name[:tag][@digest]` the way Docker does: a `:` after the last `/` starts the tag. */
function splitReference(reference: string): { name: string; tag?: string; digest?: string } {
  const at = reference.indexOf('@');
  const withoutDigest = at === -1 ? reference : reference.slice(0, at);
  const digest = at === -1 ? undefined : reference.slice(at + 1);
  const colon = withoutDigest.lastIndexOf(':');
  const slash = withoutDigest.lastIndexOf('/');
  if (colon > slash) return { name: withoutDigest.slice(0, colon), tag: withoutDigest.slice(colon + 1), ...(digest !== undefined ? { digest } : {}) };
  return { name: withoutDigest, ...(digest !== undefined ? { digest } : {}) };
}

/** A Docker image reference anyone can pull (`registry/path[:tag][@sha256:...]`), checked by its grammar. */
export function imageReferenceIssues(image: unknown, path: string): ContainersIssue[] {
  if (typeof image !== 'string' || image.trim() === '') {
    return [{ path, message: 'missing; give the container image, e.g. "us-central1-docker.pkg.dev/my-project/models/server:1.0"' }];
  }
  if (/\s/.test(image)) return [{ path, message: `${show(image)} holds whitespace; an image reference cannot, remove it` }];
  const { name, tag, digest } = splitReference(image);
  const parts = name.split('/');
  // The first part is a registry host when it looks like one (has a dot or a port, or is localhost).
  if (parts.length > 1 && (DOMAIN.test(parts[0] ?? '') || SUBSTITUTION.test(parts[0] ?? ''))) parts.shift();
  const bad = parts.find((part) => !PATH_COMPONENT.test(part) && !SUBSTITUTION.test(part));
  if (bad !== undefined) {
    const fix = PATH_COMPONENT.test(bad.toLowerCase()) ? `; image paths are lowercase: "${bad.toLowerCase()}"` : '; image paths use lowercase letters, digits, ".", "_" and "-"';
    return [{ path, message: `${show(image)} is not a valid image reference ("${bad}")${fix}` }];
  }
  if (tag !== undefined && !TAG.test(tag) && !SUBSTITUTION.test(tag)) {
    return [{ path, message: `${show(image)} has the invalid tag "${tag}"; tags are up to 128 letters, digits, "_", "." and "-", not starting with "." or "-"` }];
  }
  if (digest !== undefined && !DIGEST.test(digest)) {
    return [{ path, message: `${show(image)} has the invalid digest "${digest}"; write @sha256: and 64 hexadecimal digits` }];
  }
  return [];
}

/** An Artifact Registry Docker image, in its parts. */
export interface ArtifactRegistryImageParts {
  /** Region or multi-region of the repository: `us-central1`, `europe-west4`, `us`. */
  location: string;
  /** Project ID, or `$PROJECT_ID` for the project the build runs in. */
  project: string;
  /** Repository ID: `models`. */
  repository: string;
  /** Image path inside the repository: `server` or `team/server`. */
  name: string;
  /** Tag, a substitution such as `$_TAG` or `$SHORT_SHA`, or absent. */
  tag?: string;
}

/** `LOCATION-docker.pkg.dev/PROJECT/REPOSITORY/IMAGE[:TAG]`; a domain-scoped `example.com:proj` becomes `example.com/proj`. */
export function formatArtifactRegistryImage(parts: ArtifactRegistryImageParts): string {
  const base = `${parts.location}-docker.pkg.dev/${parts.project.replace(':', '/')}/${parts.repository}/${parts.name}`;
  return parts.tag === undefined ? base : `${base}:${parts.tag}`;
}

/** The parts of an Artifact Registry image, or the issue naming what is wrong with it. */
export function parseArtifactRegistryImage(image: string, path: string): { parts?: ArtifactRegistryImageParts; issues: ContainersIssue[] } {
  const { name, tag, digest } = splitReference(image);
  const segments = name.split('/');
  const host = segments[0] ?? '';
  const hostMatch = /^(.+)-docker\.pkg\.dev$/.exec(host);
  if (!hostMatch || segments.length < 4) {
    const why = hostMatch
      ? 'it needs a project, a repository and an image after the host'
      : host.endsWith('gcr.io')
        ? 'Container Registry (gcr.io) is deprecated; push to Artifact Registry'
        : `"${host}" is not an Artifact Registry host (LOCATION-docker.pkg.dev)`;
    return { issues: [{ path, message: `${show(image)} is not an Artifact Registry image: ${why}; write LOCATION-docker.pkg.dev/PROJECT/REPOSITORY/IMAGE[:TAG], e.g. "us-central1-docker.pkg.dev/$PROJECT_ID/models/server:$_TAG"` }] };
  }
  // A domain-scoped project takes two path segments (example.com/my-project).
  const domainScoped = segments.length >= 5 && (segments[1] ?? '').includes('.');
  const project = domainScoped ? `${segments[1] ?? ''}:${segments[2] ?? ''}` : (segments[1] ?? '');
  const rest = segments.slice(domainScoped ? 3 : 2);
  const parts: ArtifactRegistryImageParts = {
    location: hostMatch[1] ?? '',
    project,
    repository: rest[0] ?? '',
    name: rest.slice(1).join('/'),
    ...(tag !== undefined ? { tag } : {}),
  };
  const issues = artifactRegistryPartsIssues(parts, { location: path, project: path, repository: path, name: path, tag: path });
  if (digest !== undefined) issues.push({ path, message: `${show(image)} names a digest; Cloud Build pushes tags, so write a tag (e.g. ":$_TAG") instead of "@${digest}"` });
  return issues.length > 0 ? { issues } : { parts, issues };
}

/** Each part checked, the issue on the path given for it. */
export function artifactRegistryPartsIssues(
  parts: ArtifactRegistryImageParts,
  paths: Record<'location' | 'project' | 'repository' | 'name' | 'tag', string>,
): ContainersIssue[] {
  const issues: ContainersIssue[] = [];
  // A substitution (`$_REGION`) may stand in for the location and the repository too, so one committed
  // cloudbuild.yaml serves every region: `gcloud builds submit --substitutions=_REGION=europe-west4`.
  if (!ARTIFACT_REGISTRY_LOCATION.test(parts.location) && !SUBSTITUTION.test(parts.location)) {
    issues.push({ path: paths.location, message: `${show(parts.location)} is not an Artifact Registry location; use a region such as "us-central1" or a multi-region "us", "europe" or "asia"` });
  }
  if (!PROJECT_ID.test(parts.project) && !SUBSTITUTION.test(parts.project)) {
    issues.push({ path: paths.project, message: `${show(parts.project)} is not a Google Cloud project ID (6–30 lowercase letters, digits and "-"); or write "$PROJECT_ID" for the build's own project` });
  }
  if (!ARTIFACT_REGISTRY_REPOSITORY.test(parts.repository) && !SUBSTITUTION.test(parts.repository)) {
    const suggestion = parts.repository.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^[^a-z]+/, '').replace(/-+$/, '');
    const fix = suggestion !== '' && suggestion !== parts.repository ? `, e.g. "${suggestion}"` : '';
    issues.push({ path: paths.repository, message: `${show(parts.repository)} is not an Artifact Registry repository ID: use lowercase letters, digits and "-", start with a letter, end with a letter or digit, at most 63 characters${fix}` });
  }
  const badComponent = parts.name === '' ? '' : parts.name.split('/').find((component) => !PATH_COMPONENT.test(component));
  if (badComponent !== undefined) {
    issues.push({ path: paths.name, message: `${show(parts.name)} is not a valid image name: use lowercase letters, digits, ".", "_" and "-" (with "/" between parts), e.g. "${parts.name.toLowerCase().replace(/[^a-z0-9._/-]+/g, '-') || 'server'}"` });
  }
  if (parts.tag !== undefined && !TAG.test(parts.tag) && !SUBSTITUTION.test(parts.tag)) {
    issues.push({ path: paths.tag, message: `${show(parts.tag)} is not a valid image tag: up to 128 letters, digits, "_", "." and "-", not starting with "." or "-"; or a substitution such as "$_TAG"` });
  }
  return issues;
}

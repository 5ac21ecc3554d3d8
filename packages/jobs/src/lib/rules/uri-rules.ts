// Checks of the strings Vertex AI reads as locations: Cloud Storage URIs and container image references.

const GCS_URI = /^gs:\/\/([^/]+)(\/.*)?$/;
const BUCKET_NAME = /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/;

/** Why a string is not a usable gs:// URI (with the fix), or undefined when it is one. */
export function gcsUriProblem(uri: string): string | undefined {
  const match = GCS_URI.exec(uri);
  if (match) {
    const bucket = match[1] ?? '';
    if (!BUCKET_NAME.test(bucket)) {
      return `${JSON.stringify(bucket)} is not a bucket name: 3-222 lowercase letters, digits, -, _ and . (no uppercase)`;
    }
    return undefined;
  }
  if (uri.startsWith('/gcs/')) {
    return `${JSON.stringify(uri)} is where a job sees the bucket mounted; the API wants gs://${uri.slice('/gcs/'.length)}`;
  }
  const https = /^https:\/\/storage\.(?:cloud\.)?googleapis\.com\/(.+)$/.exec(uri);
  if (https) return `${JSON.stringify(uri)} is an HTTPS URL; write gs://${https[1] ?? ''}`;
  if (/^gs:\/[^/]/.test(uri) || /^gcs:\/\//.test(uri) || /^GS:\/\//.test(uri)) {
    return `${JSON.stringify(uri)} is misspelt; Cloud Storage URIs start with gs://`;
  }
  if (/^(file:|\/|\.{1,2}\/|[A-Za-z]:\\)/.test(uri)) {
    return `${JSON.stringify(uri)} is a local path; Vertex AI reads Cloud Storage only: upload it (e.g. with @vertexkit/storage) and give its gs:// URI`;
  }
  return `expected a gs:// URI (Cloud Storage), got ${JSON.stringify(uri)}`;
}

const REGISTRY_HOST = /^(?:[a-z0-9-]+\.)+[a-z0-9-]+(?::\d+)?$|^localhost(?::\d+)?$/;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
const GOOGLE_REGISTRY = /(^|\.)gcr\.io$|^[a-z0-9-]+-docker\.pkg\.dev$/;

/**
 * Why a string is not a container image reference (`host/path/name:tag` or `@sha256:...`), or undefined. Serving
 * images must come from Artifact Registry or Container Registry (ModelContainerSpec.image_uri says so); training
 * images may come from any registry Vertex AI can pull from.
 */
export function imageUriProblem(uri: string, where: 'training' | 'serving'): string | undefined {
  const example = 'e.g. us-docker.pkg.dev/my-project/my-repo/trainer:latest';
  if (uri.startsWith('gs://')) {
    return `${JSON.stringify(uri)} is a Cloud Storage URI, not a container image (${example})`;
  }
  const scheme = /^(?:https?|docker):\/\/(.*)$/.exec(uri);
  if (scheme) return `drop the scheme: write ${JSON.stringify(scheme[1] ?? '')}`;
  if (/\s/.test(uri)) return `${JSON.stringify(uri)} contains spaces; an image reference has none (${example})`;
  let rest = uri;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const parts = rest.split('/');
  const first = parts[0] ?? '';
  const host = parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost') ? first : undefined;
  const path = host ? parts.slice(1) : parts;
  if (/[A-Z]/.test(rest)) return `${JSON.stringify(uri)}: registry hosts and image names are lowercase`;
  const problem =
    (host !== undefined && !REGISTRY_HOST.test(host) && `${JSON.stringify(host)} is not a registry host name`) ||
    (path.length === 0 || path.some((component) => !PATH_COMPONENT.test(component))
      ? `${JSON.stringify(uri)} is not an image reference (${example})`
      : undefined) ||
    (tag !== undefined && !TAG.test(tag) && `${JSON.stringify(tag)} is not a valid image tag`) ||
    (digest !== undefined && !DIGEST.test(digest) && `${JSON.stringify(digest)} is not a sha256 digest`);
  if (problem) return problem;
  if (where === 'serving' && !(host && GOOGLE_REGISTRY.test(host.replace(/:\d+$/, '')))) {
    return (
      `Vertex AI serves images from Artifact Registry (REGION-docker.pkg.dev/...) or Container Registry (gcr.io/...) ` +
      `only; push ${JSON.stringify(uri)} there first`
    );
  }
  return undefined;
}

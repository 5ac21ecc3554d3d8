import { createGoogleAuth } from './load-google-auth.js';
import { PredictionError, describeValue, invalidArgument } from './prediction-error.js';
import type {
  AccessTokenClient,
  CloudRunTarget,
  IdTokenClientFactory,
  PredictionTarget,
  UrlTarget,
  VertexEndpointOptions,
} from './prediction-target.js';

/** Which kind of target a client talks to. */
export type TargetKind = 'vertex' | 'cloud-run' | 'url';

/** A target turned into what a request needs. */
export interface ResolvedTarget {
  kind: TargetKind;
  /** The URL every request is POSTed to. */
  url: string;
  /** Vertex `:rawPredict`: the deployed model id comes in a header. */
  rawPredict: boolean;
  /** Headers every request carries (the API key). */
  headers: Record<string, string>;
  /** The `Authorization` header value for the next attempt, or undefined for targets without Google auth. */
  authorize: (() => Promise<string>) | undefined;
}

const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
const ENDPOINT_NAME = /^projects\/([^/]+)\/locations\/([^/]+)\/endpoints\/([^/:]+)$/;
const SEGMENT = /^[\w.:-]+$/;
const HOST = /^[a-z0-9.-]+(:\d+)?$/i;

const VERTEX_OPTIONS = ['dedicatedEndpointDomain', 'rawPredict', 'apiVersion', 'baseUrl', 'authClient', 'accessToken', 'googleAuthOptions'];
const KNOWN_KEYS: Record<TargetKind, string[]> = {
  vertex: ['vertexEndpoint', 'project', 'location', 'endpointId', ...VERTEX_OPTIONS],
  'cloud-run': ['cloudRunUrl', 'predictRoute', 'audience', 'apiKey', 'idToken', 'authClient', 'googleAuthOptions'],
  url: ['url', 'apiKey'],
};

const SHAPES =
  "{ url: 'http://127.0.0.1:8080/predict' }, { cloudRunUrl: 'https://my-service-abc123-uc.a.run.app' }, " +
  "{ vertexEndpoint: 'projects/my-project/locations/us-central1/endpoints/1234' } or { project, location, endpointId }";

/**
 * Check a target and work out its URL and authentication. Nothing is loaded or fetched here: for Google
 * targets `authorize` imports google-auth-library on its first call.
 */
export function resolveTarget(target: PredictionTarget): ResolvedTarget {
  if (typeof target !== 'object' || target === null || Array.isArray(target)) {
    throw invalidArgument('target', `expected one of ${SHAPES}; got ${describeValue(target)}`);
  }
  const t = target as unknown as Record<string, unknown>;
  const kinds: TargetKind[] = [];
  if ('url' in t) kinds.push('url');
  if ('cloudRunUrl' in t) kinds.push('cloud-run');
  if ('vertexEndpoint' in t || 'endpointId' in t) kinds.push('vertex');
  const kind = kinds[0];
  if (kind === undefined || kinds.length > 1) {
    throw invalidArgument(
      'target',
      kind === undefined
        ? `has none of url, cloudRunUrl, vertexEndpoint, endpointId; expected one of ${SHAPES}`
        : `names more than one kind of target (${kinds.join(', ')}); pass exactly one of ${SHAPES}`,
    );
  }
  for (const key of Object.keys(t)) {
    if (!KNOWN_KEYS[kind].includes(key)) {
      throw invalidArgument(`target.${key}`, `is not an option of a ${kind} target; known options: ${KNOWN_KEYS[kind].join(', ')}`);
    }
  }
  if (kind === 'url') return resolveUrlTarget(target as UrlTarget);
  if (kind === 'cloud-run') return resolveCloudRunTarget(target as CloudRunTarget);
  return resolveVertexTarget(t);
}

function parseHttpUrl(path: string, value: unknown, example: string): URL {
  if (typeof value !== 'string') throw invalidArgument(path, `expected a URL string like ${example}, got ${describeValue(value)}`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalidArgument(path, `${describeValue(value)} is not a URL; pass an absolute URL like ${example}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalidArgument(path, `${describeValue(value)} is not an http(s) URL; pass one like ${example}`);
  }
  return url;
}

function apiKeyHeaders(apiKey: unknown): Record<string, string> {
  if (apiKey === undefined) return {};
  if (typeof apiKey !== 'string' || apiKey === '' || /\s/.test(apiKey)) {
    throw invalidArgument('target.apiKey', `${typeof apiKey === 'string' ? 'an empty key or one with whitespace' : describeValue(apiKey)} cannot be sent in a header; pass a non-empty key without spaces`);
  }
  return { 'x-api-key': apiKey };
}

function resolveUrlTarget(target: UrlTarget): ResolvedTarget {
  const url = parseHttpUrl('target.url', target.url, "'http://127.0.0.1:8080/predict'");
  return { kind: 'url', url: url.href, rawPredict: false, headers: apiKeyHeaders(target.apiKey), authorize: undefined };
}

function resolveCloudRunTarget(target: CloudRunTarget): ResolvedTarget {
  const service = parseHttpUrl('target.cloudRunUrl', target.cloudRunUrl, "'https://my-service-abc123-uc.a.run.app'");
  const hasPath = service.pathname !== '/' && service.pathname !== '';
  if (hasPath && target.predictRoute !== undefined) {
    throw invalidArgument('target.predictRoute', `cloudRunUrl already has a path (${service.pathname}); pass the service URL without a path, or drop predictRoute`);
  }
  const route = target.predictRoute ?? '/predict';
  if (typeof route !== 'string' || !route.startsWith('/')) {
    throw invalidArgument('target.predictRoute', `${describeValue(route)} is not a route; pass a path starting with "/", e.g. "/predict"`);
  }
  const url = hasPath ? service.href : new URL(route, service.origin).href;
  const audience = target.audience ?? service.origin;
  if (typeof audience !== 'string' || audience === '') {
    throw invalidArgument('target.audience', `expected the audience string Cloud Run checks (the service URL), got ${describeValue(audience)}`);
  }
  const headers = apiKeyHeaders(target.apiKey);
  const { idToken, authClient } = target;
  const useIdToken = target.apiKey === undefined || idToken !== undefined || authClient !== undefined;
  return {
    kind: 'cloud-run',
    url,
    rawPredict: false,
    headers,
    authorize: useIdToken ? idTokenAuthorizer({ idToken, authClient, googleAuthOptions: target.googleAuthOptions, audience, url }) : undefined,
  };
}

function resolveVertexTarget(t: Record<string, unknown>): ResolvedTarget {
  let project: unknown;
  let location: unknown;
  let endpointId: unknown;
  if ('vertexEndpoint' in t) {
    for (const key of ['project', 'location', 'endpointId']) {
      if (key in t) throw invalidArgument(`target.${key}`, 'name the endpoint either by vertexEndpoint or by project, location and endpointId, not both');
    }
    const match = typeof t.vertexEndpoint === 'string' ? ENDPOINT_NAME.exec(t.vertexEndpoint.trim()) : null;
    if (!match) {
      throw invalidArgument(
        'target.vertexEndpoint',
        `${describeValue(t.vertexEndpoint)} is not an endpoint resource name; expected projects/{project}/locations/{location}/endpoints/{endpointId}` +
          (typeof t.vertexEndpoint === 'string' && /^https?:/.test(t.vertexEndpoint) ? ' (for a URL use { url } or { cloudRunUrl })' : ''),
      );
    }
    [, project, location, endpointId] = match;
  } else {
    ({ project, location, endpointId } = t);
    // `gcloud ai endpoints list --format='value(name)'` prints the whole resource name, with the project
    // number: take it as it is (the API accepts a number for a project id) if its region is the one given.
    const named = typeof endpointId === 'string' ? ENDPOINT_NAME.exec(endpointId.trim()) : null;
    if (named) {
      if (typeof location === 'string' && named[2] !== location) {
        throw invalidArgument('target.endpointId', `${describeValue(endpointId)} is an endpoint in ${named[2]}, but target.location is ${describeValue(location)}; make them agree, or pass { vertexEndpoint: ${describeValue(endpointId)} } alone`);
      }
      [, project, location, endpointId] = named;
    }
    for (const [key, value] of [['project', project], ['location', location], ['endpointId', endpointId]] as const) {
      if (typeof value !== 'string' || !SEGMENT.test(value)) {
        throw invalidArgument(`target.${key}`, `${describeValue(value)} is not a valid ${key}; expected e.g. ${key === 'project' ? "'my-project'" : key === 'location' ? "'us-central1'" : "'1234567890'"}`);
      }
    }
  }
  const options = t as VertexEndpointOptions;
  const region = String(location);
  const apiVersion = options.apiVersion ?? 'v1';
  if (apiVersion !== 'v1' && apiVersion !== 'v1beta1') {
    throw invalidArgument('target.apiVersion', `${describeValue(apiVersion)} is not a Vertex AI API version; pass 'v1' (default) or 'v1beta1'`);
  }
  const dedicated = options.dedicatedEndpointDomain;
  if (dedicated !== undefined && (typeof dedicated !== 'string' || !HOST.test(dedicated))) {
    throw invalidArgument('target.dedicatedEndpointDomain', `${describeValue(dedicated)} is not a host name; pass the endpoint's dedicatedEndpointDns, e.g. '1234.us-central1-567.prediction.vertexai.goog'`);
  }
  const base =
    options.baseUrl !== undefined
      ? parseHttpUrl('target.baseUrl', options.baseUrl, "'http://127.0.0.1:9000'")
      : new URL(dedicated !== undefined ? `https://${dedicated}` : `https://${region}-aiplatform.googleapis.com`);
  const method = options.rawPredict === true ? 'rawPredict' : 'predict';
  const resource = `projects/${String(project)}/locations/${region}/endpoints/${String(endpointId)}`;
  const prefix = base.pathname.replace(/\/+$/, '');
  const url = new URL(`${prefix}/${apiVersion}/${resource}:${method}`, base.origin).href;
  return {
    kind: 'vertex',
    url,
    rawPredict: method === 'rawPredict',
    headers: {},
    authorize: accessTokenAuthorizer(options),
  };
}

function bearer(token: unknown, source: string): string {
  if (typeof token !== 'string' || token === '') {
    throw new PredictionError('AUTH_FAILED', `${source} returned no token (got ${describeValue(token)})`);
  }
  return `Bearer ${token}`;
}

function authFailed(error: unknown, what: string, hint: string): PredictionError {
  if (PredictionError.isInstance(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new PredictionError('AUTH_FAILED', `could not get ${what}: ${message} (${hint})`, { cause: error });
}

const ADC_HINT =
  'run `gcloud auth application-default login`, set GOOGLE_APPLICATION_CREDENTIALS to a service account key file, ' +
  'or pass target.authClient / target.googleAuthOptions';

function accessTokenAuthorizer(options: VertexEndpointOptions): () => Promise<string> {
  const { accessToken, googleAuthOptions } = options;
  let client: AccessTokenClient | Promise<AccessTokenClient> | undefined = options.authClient;
  if (accessToken !== undefined && typeof accessToken !== 'string' && typeof accessToken !== 'function') {
    throw invalidArgument('target.accessToken', `expected a token string or a function returning one, got ${describeValue(accessToken)}`);
  }
  if (client !== undefined && typeof (client as Partial<AccessTokenClient>).getAccessToken !== 'function') {
    throw invalidArgument('target.authClient', 'expected a GoogleAuth or google-auth-library client (an object with getAccessToken())');
  }
  const source = options.authClient !== undefined ? 'target.authClient.getAccessToken()' : 'Application Default Credentials';
  return async () => {
    try {
      if (typeof accessToken === 'string') return bearer(accessToken, 'target.accessToken');
      if (typeof accessToken === 'function') return bearer(await accessToken(), 'target.accessToken()');
      client ??= createGoogleAuth(googleAuthOptions, [CLOUD_PLATFORM_SCOPE]);
      let resolved: AccessTokenClient;
      try {
        resolved = await client;
      } catch (error) {
        client = undefined;
        throw error;
      }
      const token = await resolved.getAccessToken();
      return bearer(typeof token === 'object' && token !== null ? token.token : token, source);
    } catch (error) {
      throw authFailed(error, 'an access token for Vertex AI', ADC_HINT);
    }
  };
}

interface IdTokenSource {
  idToken: CloudRunTarget['idToken'];
  authClient: IdTokenClientFactory | undefined;
  googleAuthOptions: CloudRunTarget['googleAuthOptions'];
  audience: string;
  url: string;
}

function idTokenAuthorizer({ idToken, authClient, googleAuthOptions, audience, url }: IdTokenSource): () => Promise<string> {
  if (idToken !== undefined && typeof idToken !== 'string' && typeof idToken !== 'function') {
    throw invalidArgument('target.idToken', `expected a token string or a function of the audience returning one, got ${describeValue(idToken)}`);
  }
  if (authClient !== undefined && typeof (authClient as Partial<IdTokenClientFactory>).getIdTokenClient !== 'function') {
    throw invalidArgument('target.authClient', 'expected a GoogleAuth (an object with getIdTokenClient(audience))');
  }
  // One ID-token client per client: it caches the token until shortly before it expires.
  let tokenClient: ReturnType<IdTokenClientFactory['getIdTokenClient']> | undefined;
  return async () => {
    try {
      if (typeof idToken === 'string') return bearer(idToken, 'target.idToken');
      if (typeof idToken === 'function') return bearer(await idToken(audience), 'target.idToken()');
      tokenClient ??= (authClient !== undefined ? Promise.resolve(authClient) : createGoogleAuth(googleAuthOptions)).then((auth) =>
        auth.getIdTokenClient(audience),
      );
      let headers: Headers | Record<string, string>;
      try {
        headers = await (await tokenClient).getRequestHeaders(url);
      } catch (error) {
        tokenClient = undefined;
        throw error;
      }
      const value = headers instanceof Headers ? headers.get('authorization') : (headers.authorization ?? headers.Authorization);
      if (typeof value !== 'string' || !/^Bearer \S+/.test(value)) {
        throw new PredictionError('AUTH_FAILED', `the ID token client returned no Authorization header for audience ${audience}`);
      }
      return value;
    } catch (error) {
      throw authFailed(
        error,
        `an ID token for ${audience}`,
        'Application Default Credentials mint ID tokens from a service account key (GOOGLE_APPLICATION_CREDENTIALS), the metadata server on Google Cloud, or refreshable user credentials; or pass target.idToken / target.authClient',
      );
    }
  };
}

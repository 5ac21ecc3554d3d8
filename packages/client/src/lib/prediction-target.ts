import type { GoogleAuthOptions } from 'google-auth-library';

/**
 * Anything that hands out OAuth 2 access tokens: a `GoogleAuth` or any google-auth-library client
 * (`OAuth2Client`, `JWT`, `Compute`, `Impersonated`, ...), or an object of your own.
 */
export interface AccessTokenClient {
  /** A valid access token (google-auth-library clients cache and refresh it). */
  getAccessToken(): Promise<string | null | undefined | { token?: string | null | undefined }>;
}

/** Anything that makes ID-token clients for an audience: a `GoogleAuth`, or an object of your own. */
export interface IdTokenClientFactory {
  /** A client whose request headers carry `Authorization: Bearer <ID token for targetAudience>`. */
  getIdTokenClient(targetAudience: string): Promise<{
    /** Headers for a request to `url`, with the ID token in `authorization` (cached until it expires). */
    getRequestHeaders(url?: string): Promise<Headers | Record<string, string>>;
  }>;
}

/** Options shared by both ways of naming a Vertex AI endpoint. */
export interface VertexEndpointOptions {
  /**
   * The DNS name of a dedicated endpoint (`ENDPOINT_ID.LOCATION-PROJECT_NUMBER.prediction.vertexai.goog`,
   * shown as `dedicatedEndpointDns` on the endpoint). Requests go there instead of the shared regional host.
   */
  dedicatedEndpointDomain?: string;
  /**
   * Call `:rawPredict` instead of `:predict`: the body reaches the container unchanged and its answer
   * comes back unchanged (the deployed model id arrives in a header). Default false.
   */
  rawPredict?: boolean;
  /** API version in the path. Default `v1`. */
  apiVersion?: 'v1' | 'v1beta1';
  /**
   * Where the REST API lives, e.g. a local server standing in for it in tests. Default
   * `https://{location}-aiplatform.googleapis.com`, or `https://{dedicatedEndpointDomain}`.
   */
  baseUrl?: string;
  /** The source of access tokens. Default: Application Default Credentials through google-auth-library. */
  authClient?: AccessTokenClient;
  /** A fixed access token, or a function returning one (called before every attempt). Wins over `authClient`. */
  accessToken?: string | (() => string | Promise<string>);
  /**
   * Options for the `GoogleAuth` made when neither `authClient` nor `accessToken` is given (`keyFilename`,
   * `credentials`, `projectId`, ...). The scope defaults to `https://www.googleapis.com/auth/cloud-platform`.
   */
  googleAuthOptions?: GoogleAuthOptions;
}

/** A Vertex AI endpoint by resource name: `projects/{project}/locations/{location}/endpoints/{endpointId}`. */
export interface VertexEndpointNameTarget extends VertexEndpointOptions {
  /** `projects/{project}/locations/{location}/endpoints/{endpointId}`, as the console and gcloud show it. */
  vertexEndpoint: string;
}

/** A Vertex AI endpoint by its parts. */
export interface VertexEndpointPartsTarget extends VertexEndpointOptions {
  /** Project id or number. */
  project: string;
  /** Region, e.g. `us-central1`. */
  location: string;
  /**
   * The endpoint's id (the last part of its resource name), or its whole resource name
   * (`projects/123/locations/us-central1/endpoints/456`, as `gcloud ai endpoints list --format='value(name)'`
   * prints it, with the project number): then its project and region are used, and `location` must agree.
   */
  endpointId: string;
}

/** A Vertex AI endpoint, by resource name or by parts. */
export type VertexEndpointTarget = VertexEndpointNameTarget | VertexEndpointPartsTarget;

/**
 * A Cloud Run service. By default every request carries a Google ID token whose audience is the service
 * URL (what Cloud Run IAM checks); with `apiKey` (and no `idToken` / `authClient`) it sends the key instead.
 */
export interface CloudRunTarget {
  /**
   * The service URL as `gcloud run services describe` prints it (`https://my-service-abc123-uc.a.run.app`),
   * or the full URL of the predict route. Without a path, `predictRoute` is appended.
   */
  cloudRunUrl: string;
  /** Route appended to a `cloudRunUrl` without a path. Default `/predict` (@vertexkit/serve's). */
  predictRoute?: string;
  /** The ID token's audience. Default: the service URL's origin, as Cloud Run expects. */
  audience?: string;
  /** Send this key as `x-api-key` (a service deployed with @vertexkit/serve's `apiKey`). */
  apiKey?: string;
  /** A fixed ID token, or a function returning one for an audience (called before every attempt). */
  idToken?: string | ((audience: string) => string | Promise<string>);
  /** Where ID tokens come from. Default: a `GoogleAuth` (Application Default Credentials). */
  authClient?: IdTokenClientFactory;
  /** Options for the `GoogleAuth` made when neither `idToken` nor `authClient` is given. */
  googleAuthOptions?: GoogleAuthOptions;
}

/** Any URL that answers `POST {"instances": [...]}` with `{"predictions": [...]}`: a local server, a proxy. No Google code is loaded. */
export interface UrlTarget {
  /** The full URL of the predict route, e.g. `http://127.0.0.1:8080/predict`. */
  url: string;
  /** Send this key as `x-api-key`. */
  apiKey?: string;
}

/** Where predictions come from: a Vertex AI endpoint, a Cloud Run service, or any URL. */
export type PredictionTarget = VertexEndpointTarget | CloudRunTarget | UrlTarget;

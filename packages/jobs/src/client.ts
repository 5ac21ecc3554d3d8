/**
 * `@vertexkit/jobs/client`: Vertex AI API calls (submit and wait for jobs, upload models, deploy to endpoints)
 * through the official `@google-cloud/aiplatform`, an optional peer dependency of `@vertexkit/jobs`: install it
 * beside this package (`npm install @vertexkit/jobs @google-cloud/aiplatform`) to use this entry point. Specs,
 * validation, gcloud rendering and the local runner are in `@vertexkit/jobs` and work without it.
 * @packageDocumentation
 */
export {
  createJobsClient,
  type JobsClient,
  type JobsClientOptions,
  type UploadedModel,
  type DeployedModelInfo,
} from './lib/client/create-jobs-client.js';

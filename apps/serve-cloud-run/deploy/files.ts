// The files this app ships generated from @vertexkit/containers, by path relative to the app folder.
// `npm run generate:deploy` writes them; test/deploy-files.test.ts fails when a committed copy is stale.
import { serveCloudBuild, serveImage } from './image.ts';

export const deployFiles: Record<string, string> = {
  Dockerfile: serveImage.dockerfile,
  // Beside the Dockerfile, for its build context (the repository root): BuildKit reads <Dockerfile>.dockerignore,
  // buildah/podman take it as --ignorefile.
  'Dockerfile.dockerignore': serveImage.dockerignore,
  // Build and push on Cloud Build, from the repository root.
  'cloudbuild.yaml': serveCloudBuild,
};

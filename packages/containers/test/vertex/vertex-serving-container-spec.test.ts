import { renderGcloudCommand, validateModelUploadSpec } from '@vertexkit/jobs';
import { describe, expect, it } from 'vitest';
import { ContainersError, vertexServingContainerSpec } from '../../src/index.js';

const IMAGE = 'us-central1-docker.pkg.dev/my-project/models/spam-serve:v1';

describe('vertexServingContainerSpec', () => {
  it('gives the routes and port @vertexkit/serve answers by default', () => {
    expect(vertexServingContainerSpec({ imageUri: IMAGE })).toEqual({
      imageUri: IMAGE,
      ports: [{ containerPort: 8080 }],
      predictRoute: '/predict',
      healthRoute: '/health',
    });
  });

  it('is a containerSpec @vertexkit/jobs validates, uploads and renders as gcloud ai models upload', () => {
    const containerSpec = vertexServingContainerSpec({ imageUri: IMAGE, port: 8501, env: { LOG_LEVEL: 'debug' }, args: ['--verbose'] });
    const spec = { model: { displayName: 'spam', artifactUri: 'gs://my-bucket/models/spam/', containerSpec }, modelId: 'spam' };
    expect(() => validateModelUploadSpec(spec)).not.toThrow();
    expect(renderGcloudCommand({ uploadModel: spec }, { project: 'my-project', region: 'us-central1' }).argv).toEqual([
      'gcloud',
      'ai',
      'models',
      'upload',
      '--project=my-project',
      '--region=us-central1',
      '--display-name=spam',
      '--artifact-uri=gs://my-bucket/models/spam/',
      `--container-image-uri=${IMAGE}`,
      '--container-args=--verbose',
      '--container-env-vars=LOG_LEVEL=debug',
      '--container-ports=8501',
      '--container-predict-route=/predict',
      '--container-health-route=/health',
      '--model-id=spam',
    ]);
  });

  it('refuses what Vertex AI would, naming the field', () => {
    let error: unknown;
    try {
      vertexServingContainerSpec({ imageUri: 'not an image', port: 0, predictRoute: 'predict', env: { AIP_HTTP_PORT: '9000', 'A-B': 'x' } });
    } catch (caught) {
      error = caught;
    }
    expect(ContainersError.isInstance(error)).toBe(true);
    expect((error as ContainersError).issues).toEqual([
      { path: 'imageUri', message: '"not an image" is not an image reference; use REGION-docker.pkg.dev/PROJECT/REPOSITORY/IMAGE:TAG' },
      { path: 'port', message: '0 is not a TCP port; use 1-65535 (default 8080)' },
      { path: 'predictRoute', message: '"predict" is not a route; start it with / and leave out query and spaces, e.g. "/predict"' },
      { path: 'env.AIP_HTTP_PORT', message: 'AIP_HTTP_PORT is set by Vertex AI itself; leave it out (set port, predictRoute or healthRoute instead)' },
      { path: 'env.A-B', message: '"A-B" is not a valid environment variable name; use letters, digits and _' },
    ]);
  });
});

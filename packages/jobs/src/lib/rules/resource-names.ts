// Resource names the specs refer to other resources by. A bare ID or a display name here is a common mistake
// the service reports only as "not found" or "invalid argument".

const MODEL_NAME = /^projects\/[^/]+\/locations\/[^/]+\/models\/[^/@]+(?:@[^/@]+)?$/;

/** Why `name` is not a Model resource name (with the fix), or undefined. */
export function modelNameProblem(name: string): string | undefined {
  if (MODEL_NAME.test(name)) return undefined;
  if (/^[\w-]+(?:@[\w-]+)?$/.test(name)) {
    return `${JSON.stringify(name)} looks like a bare model ID; write the resource name projects/PROJECT/locations/REGION/models/${name}`;
  }
  return `expected a model resource name projects/PROJECT/locations/REGION/models/ID (optionally @VERSION), got ${JSON.stringify(name)}`;
}

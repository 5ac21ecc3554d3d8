import type { Endpoint } from '../../generated/vertex-types.js';
import type { ValidateSpecOptions } from '../rules/common-rules.js';
import { V1 } from '../schema/vertex-schema.js';
import { isPlainObject } from '../schema/well-known-types.js';
import { toResource } from '../to-resource.js';
import { assertValidSpec, type SpecKind } from './spec-validation.js';

/** An Endpoint as you write it (the body of `endpoints.create`): `{ displayName, description?, labels? }`. */
export type EndpointSpec = Endpoint;

/** An Endpoint as the official client's `createEndpoint({ parent, endpoint })` takes it. */
export type EndpointResource = Record<string, unknown>;

export const ENDPOINT_KIND: SpecKind = {
  label: 'Endpoint',
  type: `${V1}.Endpoint`,
  rules: (spec, issues) => {
    if (isPlainObject(spec.trafficSplit) && Object.keys(spec.trafficSplit).length > 0) {
      issues.push({
        path: 'trafficSplit',
        message: 'a new endpoint has no deployed models to split traffic between; give trafficSplit when deploying',
      });
    }
  },
};

/**
 * Checks an Endpoint spec before anything is sent (the protos, labels, display name length).
 *
 * @throws JobsError INVALID_SPEC with every problem
 */
export function validateEndpointSpec(spec: unknown, options: ValidateSpecOptions = {}): EndpointSpec {
  assertValidSpec(ENDPOINT_KIND, spec, options);
  return spec as EndpointSpec;
}

/**
 * Validates an Endpoint spec and converts it to the official client's shape.
 *
 * @throws JobsError INVALID_SPEC
 */
export function toEndpointResource(spec: EndpointSpec, options: ValidateSpecOptions = {}): EndpointResource {
  validateEndpointSpec(spec, options);
  return toResource(spec, ENDPOINT_KIND.type, 'client');
}

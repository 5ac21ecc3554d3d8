import { JobsError, type SpecIssue } from '../jobs-error.js';
import { commonRules, type ValidateSpecOptions } from '../rules/common-rules.js';
import { isPlainObject } from '../schema/well-known-types.js';
import { validateResource } from '../validate-resource.js';

/** How one kind of spec is checked: against which message, leaving which fields out, with which extra rules. */
export interface SpecKind {
  /** What messages call it, e.g. `CustomJob`. */
  label: string;
  /** Full name of the message the spec is (e.g. `google.cloud.aiplatform.v1.CustomJob`). */
  type: string;
  /** Fields of that message the spec must not carry, with the reason (e.g. `parent`: given to the call). */
  excludedFields?: Record<string, string>;
  /** Checks beyond the protos for this kind; the spec is an object, maybe with wrongly typed parts. */
  rules?: (spec: Record<string, unknown>, issues: SpecIssue[], options: ValidateSpecOptions) => void;
}

/** Every problem of `spec` as a `kind`: the proto checks, then the checks every user hits beyond them. */
export function collectSpecIssues(kind: SpecKind, spec: unknown, options: ValidateSpecOptions = {}): SpecIssue[] {
  const issues = validateResource(spec, kind.type, kind.excludedFields ? { excludedFields: kind.excludedFields } : {});
  if (isPlainObject(spec)) {
    commonRules(spec, kind.type, '', issues, options);
    kind.rules?.(spec, issues, options);
  }
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${issue.path}\n${issue.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Throws JobsError INVALID_SPEC listing every problem (`path: message`, one a line) when there is any. */
export function assertValidSpec(kind: SpecKind, spec: unknown, options: ValidateSpecOptions = {}): void {
  const issues = collectSpecIssues(kind, spec, options);
  if (issues.length === 0) return;
  const lines = issues.map((issue) => `  - ${issue.path || '(spec)'}: ${issue.message}`);
  const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
  throw new JobsError('INVALID_SPEC', `${kind.label} spec has ${count}:\n${lines.join('\n')}`, { issues });
}

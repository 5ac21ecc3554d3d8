// Cloud Build substitutions (https://cloud.google.com/build/docs/configuring-builds/substitute-variable-values).
// User-defined keys must match ^_[A-Z0-9_]+$ (the API's own error: "substitution key ... does not respect format
// "^_[A-Z0-9_]+$" and is not an overridable built-in substitutions"). A manual build (gcloud builds submit) fails
// when a key it is given is not used ("key ... in the substitution data is not matched in the template") or a key
// used is not given, unless options.substitutionOption is ALLOW_LOOSE; builds started by triggers are loose anyway.

/** Built-in substitutions: for all builds, for triggered builds, and GitHub's for pull-request triggers. */
export const BUILT_IN_SUBSTITUTIONS: readonly string[] = [
  'PROJECT_ID',
  'BUILD_ID',
  'PROJECT_NUMBER',
  'LOCATION',
  'TRIGGER_NAME',
  'COMMIT_SHA',
  'REVISION_ID',
  'SHORT_SHA',
  'REPO_NAME',
  'REPO_FULL_NAME',
  'BRANCH_NAME',
  'TAG_NAME',
  'REF_NAME',
  'TRIGGER_BUILD_CONFIG_PATH',
  'SERVICE_ACCOUNT_EMAIL',
  'SERVICE_ACCOUNT',
  '_HEAD_BRANCH',
  '_BASE_BRANCH',
  '_HEAD_REPO_URL',
  '_PR_NUMBER',
];

/** Built-ins a manual `gcloud builds submit --substitutions` may set (they otherwise come from a trigger). */
export const OVERRIDABLE_BUILT_INS: readonly string[] = ['COMMIT_SHA', 'REVISION_ID', 'SHORT_SHA', 'REPO_NAME', 'BRANCH_NAME', 'TAG_NAME'];

/** User-defined substitution keys. */
export const USER_SUBSTITUTION = /^_[A-Z0-9_]+$/;

// `$$` is an escaped dollar (a shell variable for the step); `${NAME}` and `${NAME:-default}` (with dynamic
// substitutions) and `$NAME` are substitutions. Lower-case names are left alone: Cloud Build's are upper case.
const REFERENCE = /\$\$|\$\{([A-Z_][A-Z0-9_]*)[^}]*\}|\$([A-Z_][A-Z0-9_]*)/g;

/** The substitution names a string refers to, in order, repeats included. */
export function substitutionReferences(text: string): string[] {
  const names: string[] = [];
  for (const match of text.matchAll(REFERENCE)) {
    const name = match[1] ?? match[2];
    if (name !== undefined) names.push(name);
  }
  return names;
}

/** `$` doubled, so Cloud Build passes it through instead of substituting. */
export function escapeDollars(text: string): string {
  return text.replace(/\$/g, '$$$$');
}

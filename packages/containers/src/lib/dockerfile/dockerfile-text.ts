// Small pieces every renderer writes the same way, so generated Dockerfiles quote alike.

/** Exec form (`["node", "src/main.ts"]`): no shell in between, so signals reach the process itself. */
export function execForm(words: readonly string[]): string {
  return `[${words.map((word) => JSON.stringify(word)).join(', ')}]`;
}

/** `ENV` value: bare when it is safe, else double-quoted with Dockerfile escapes. */
export function envValue(value: string): string {
  if (/^[A-Za-z0-9_./:@%+,=-]+$/.test(value)) return value;
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\$/g, '\\$')}"`;
}

/** One `ENV` instruction per variable, sorted, so a diff of two generated files is readable. */
export function envLines(env: Readonly<Record<string, string>>): string[] {
  return Object.keys(env)
    .sort()
    .map((name) => `ENV ${name}=${envValue(env[name] ?? '')}`);
}

/** A `#` comment block; empty lines stay `#`. */
export function commentLines(text: string): string[] {
  return text.split('\n').map((line) => (line === '' ? '#' : `# ${line}`));
}

/** Environment variable names the way a shell (and Cloud Run) accepts them. */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A context-relative path that stays inside the build context. */
export function contextPathIssue(value: string): string | undefined {
  if (value === '') return 'is empty; give a path relative to the build context';
  if (value.startsWith('/')) return `"${value}" is absolute; give it relative to the build context`;
  if (value.split(/[\\/]/).includes('..')) return `"${value}" leaves the build context; a build can only COPY files inside it`;
  return undefined;
}

/** `a/b/` → `a/b`, `./x` → `x`, `.` stays `.`. */
export function normalizeContextPath(value: string): string {
  const trimmed = value.replace(/\\/g, '/').replace(/^\.\/+/, '').replace(/\/+$/, '');
  return trimmed === '' ? '.' : trimmed;
}

// Secrets and keys that must never enter a build context; every rendered .dockerignore has these. The leading
// double-star segment reaches every directory: a bare `*.pem` only matches at the context root
// (https://docs.docker.com/build/concepts/context/#dockerignore-files).
export const SECRET_PATTERNS: readonly string[] = [
  '**/.env',
  '**/.env.*',
  '**/*.pem',
  '**/*.key',
  '**/*.p12',
  '**/*.pfx',
  '**/id_rsa*',
  '**/id_ed25519*',
  '**/.ssh',
  '**/.npmrc',
  '**/.pypirc',
  '**/.netrc',
  '**/.git-credentials',
  '**/.docker/config.json',
  '**/*service-account*.json',
  '**/*credentials*.json',
  '**/application_default_credentials.json',
  '**/credentials',
  '**/secrets',
];

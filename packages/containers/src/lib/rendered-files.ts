/** A container image's build files, ready to write next to (or at the root of) its build context. */
export interface RenderedImage {
  /** The Dockerfile's text. */
  dockerfile: string;
  /** The .dockerignore's text: what the build context leaves out (secrets, tests, local state). */
  dockerignore: string;
  /** Every image a FROM line names, in order: what must be pullable (or built locally) for the build. */
  baseImages: string[];
  /** The non-root user the final stage runs as, `name` or `uid:gid`. */
  user: string;
}

/** A gcloud command twice: as words for `execFile`/`spawn`, and as text to paste into a shell. */
export interface GcloudCommand {
  /** `['gcloud', 'run', 'deploy', 'my-service', '--image=...']`, unquoted. */
  argv: string[];
  /** The same, quoted for a POSIX shell: the command words, then one flag a line with backslash continuations. */
  text: string;
}

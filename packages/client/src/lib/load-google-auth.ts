import type * as GoogleAuthLibraryModule from 'google-auth-library';
import type { GoogleAuth, GoogleAuthOptions } from 'google-auth-library';

type GoogleAuthLibrary = typeof GoogleAuthLibraryModule;

let loading: Promise<GoogleAuthLibrary> | undefined;

/**
 * google-auth-library, imported on first use. It is the package's only dependency and the only heavy
 * part (about 12 MB with its own dependencies, 90 ms to import): clients of a plain URL never call this,
 * so they never load it. A failed import is not cached, so a later call can try again.
 */
export function loadGoogleAuthLibrary(): Promise<GoogleAuthLibrary> {
  loading ??= import('google-auth-library').catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
  return loading;
}

/** A `GoogleAuth` (Application Default Credentials) built from `options`, with google-auth-library loaded lazily. */
export async function createGoogleAuth(options: GoogleAuthOptions | undefined, scopes?: string[]): Promise<GoogleAuth> {
  const library = await loadGoogleAuthLibrary();
  // Loaded from ESM the CommonJS package's exports are named exports; through some bundlers only `default` has them.
  const GoogleAuthClass = library.GoogleAuth ?? (library as unknown as { default: GoogleAuthLibrary }).default.GoogleAuth;
  return new GoogleAuthClass({ ...(scopes === undefined ? {} : { scopes }), ...options });
}

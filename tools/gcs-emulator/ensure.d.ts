/**
 * Runs `npm ci` in `tools/gcs-emulator` unless `node_modules` already holds the pinned
 * firebase-tools. Concurrent callers (other processes too) wait for one install.
 */
export function ensureInstalled(): Promise<void>;

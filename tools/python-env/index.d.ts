// Types of index.mjs (plain ESM, no build step).
export function findPythonTools(): { python: string; version: string; missing?: undefined } | { missing: string; python?: undefined; version?: undefined };

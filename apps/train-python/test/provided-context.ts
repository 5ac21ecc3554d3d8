// What tools/gcs-emulator/vitest-global-setup.ts hands to the test files.
declare module 'vitest' {
  export interface ProvidedContext {
    /** Base URL of the Cloud Storage emulator started for this run. */
    gcsEmulatorUrl: string;
  }
}
export {};

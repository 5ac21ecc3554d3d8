// What the tests of every renderer share.
import { ContainersError } from '../src/lib/containers-error.js';

/** The ContainersError `run` throws, for asserting its code, message and issues; fails the test if none. */
export function errorOf(run: () => unknown): ContainersError {
  try {
    run();
  } catch (error) {
    if (ContainersError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a ContainersError, and nothing was thrown');
}

import type { InferenceSession } from 'onnxruntime-node';

/** ONNX Runtime's options for serving on shared CPUs: `threads` for one run, sequential, fully optimised. */
export function onnxSessionOptions(threads: number): InferenceSession.SessionOptions {
  return {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    // Spinning threads burn the cores the event loop and other requests need between runs.
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
  };
}

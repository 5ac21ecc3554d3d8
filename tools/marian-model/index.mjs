// A small Marian translation model for tests (built in code, no download) and transformers.js as the reference
// that translates with it. Plain ESM; types in index.d.ts.
export { buildMarianModelDir } from './build-marian-model-dir.mjs';
export { MARIAN_ROUND_TRIP_SENTENCES, MARIAN_SPECIAL_SENTENCES, MARIAN_TEST_SENTENCES } from './sentences.mjs';
export {
  DEFAULT_SESSION_OPTIONS,
  disposeTransformersJsTranslators,
  generateWithTransformersJs,
  loadTransformersJsTranslator,
  tokenizeWithTransformersJs,
} from './transformers-js.mjs';

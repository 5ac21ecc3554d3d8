// The request and response shapes of a text classifier served by @vertexkit/serve (apps/serve-cloud-run), for
// `createPredictionClient<string, TextClassificationPrediction, TextClassificationParameters>`. Types only: they
// cost nothing at run time. test/serve-types.test.ts fails to compile if they drift from serve's own.

/** One label of a prediction and its probability. */
export interface LabelScore {
  label: string;
  score: number;
}

/**
 * What @vertexkit/serve answers for each text: `{"labels": [{"label": "spam", "score": 0.98}, ...]}`, best first.
 * Single-label models: softmax scores (they sum to 1), cut to `top_k`. Multi-label models: one sigmoid score per
 * label, only the labels scoring at least `threshold`, and of those at most `top_k`.
 */
export interface TextClassificationPrediction {
  labels: LabelScore[];
}

/** The `parameters` a @vertexkit/serve text classifier takes. */
export interface TextClassificationParameters {
  /** At most this many labels per prediction (a positive integer). Default: all. */
  top_k?: number;
  /** Multi-label models only: the score a label needs (0 to 1). Default: the model's own (config.json), else 0.5. */
  threshold?: number;
}

/** An instance of a @vertexkit/serve text classifier: the text, or `{ "text": ... }`. */
export type TextClassificationInstance = string | { text: string };

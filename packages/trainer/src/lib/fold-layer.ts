import type { TextClassifier, TextClassifierConfig } from './text-classifier.js';

/**
 * Whether the linear layer is folded into the table when the caller does not say: when that makes the table
 * narrower (fewer labels than `dim`), as for every model with the default `dim` 64 and under 64 labels.
 */
export function foldsByDefault(config: Pick<TextClassifierConfig, 'labels' | 'dim'>): boolean {
  return config.labels.length < config.dim;
}

/**
 * Row `r` of the folded table into `out` (one value per label): `weight x embedding row r`, summed in float64
 * before the caller rounds it (to float32 or 8 bits). A text's logits are the bias plus the mean of these rows.
 */
export function foldedRow(model: TextClassifier, r: number, out: { [index: number]: number }): void {
  const { dim, labels } = model.config;
  const { embedding, weight } = model.weights;
  const start = r * dim;
  for (let label = 0; label < labels.length; label++) {
    let sum = 0;
    for (let d = 0; d < dim; d++) sum += weight[label * dim + d]! * embedding[start + d]!;
    out[label] = sum;
  }
}

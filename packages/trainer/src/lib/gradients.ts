import { sigmoid, type FeatureBag, type ProblemType, type TextClassifier } from './text-classifier.js';

/**
 * A mini-batch's gradients. The embedding gradient is sparse: only the rows the batch's texts use get a slot,
 * so a batch costs its own size, not the size of the table (hundreds of thousands of rows).
 */
export class Gradients {
  readonly dim: number;
  /** `[labels, dim]`. */
  readonly weight: Float64Array;
  readonly bias: Float64Array;
  /** Slot of each embedding row in `rows`, or -1. */
  readonly #slotOf: Int32Array;
  /** The embedding rows touched, in slot order. */
  rowIds: Int32Array;
  /** Their gradients, `[slots, dim]`. */
  rows: Float64Array;
  size = 0;

  constructor(model: TextClassifier) {
    const { dim, labels, buckets } = model.config;
    this.dim = dim;
    this.weight = new Float64Array(labels.length * dim);
    this.bias = new Float64Array(labels.length);
    this.#slotOf = new Int32Array(model.vocabulary.size + buckets).fill(-1);
    this.rowIds = new Int32Array(1024);
    this.rows = new Float64Array(1024 * dim);
  }

  /** The gradient row of an embedding row, allocated (zeroed) on first use. */
  slot(row: number): number {
    let slot = this.#slotOf[row]!;
    if (slot === -1) {
      if (this.size === this.rowIds.length) this.#grow();
      slot = this.size++;
      this.#slotOf[row] = slot;
      this.rowIds[slot] = row;
    }
    return slot;
  }

  reset(): void {
    for (let slot = 0; slot < this.size; slot++) this.#slotOf[this.rowIds[slot]!] = -1;
    this.rows.fill(0, 0, this.size * this.dim);
    this.size = 0;
    this.weight.fill(0);
    this.bias.fill(0);
  }

  #grow(): void {
    const rowIds = new Int32Array(this.rowIds.length * 2);
    rowIds.set(this.rowIds);
    const rows = new Float64Array(rowIds.length * this.dim);
    rows.set(this.rows);
    this.rowIds = rowIds;
    this.rows = rows;
  }
}

/** Work arrays for {@link accumulateGradients}, allocated once per training run. */
export interface Scratch {
  hidden: Float64Array;
  logits: Float64Array;
  dLogits: Float64Array;
  dHidden: Float64Array;
}

export function createScratch(model: TextClassifier): Scratch {
  const { dim, labels } = model.config;
  return {
    hidden: new Float64Array(dim),
    logits: new Float64Array(labels.length),
    dLogits: new Float64Array(labels.length),
    dHidden: new Float64Array(dim),
  };
}

/**
 * Adds one example's gradient of the loss, times `scale` (1 / batch size for a batch mean), to `gradients`
 * and returns its loss (see {@link lossAndLogitGradients}). `target` holds 1 for the example's labels and 0
 * elsewhere. The mean pooling spreads d/dhidden evenly over the text's features.
 */
export function accumulateGradients(
  model: TextClassifier,
  bag: FeatureBag,
  target: Float64Array,
  scale: number,
  gradients: Gradients,
  scratch: Scratch,
): number {
  const { dim, problemType } = model.config;
  const { weight } = model.weights;
  const { hidden, logits, dLogits, dHidden } = scratch;
  const numLabels = logits.length;
  model.forward(bag, hidden, logits);

  const loss = lossAndLogitGradients(problemType, logits, target, dLogits);

  dHidden.fill(0);
  for (let label = 0; label < numLabels; label++) {
    const g = dLogits[label]! * scale;
    if (g === 0) continue;
    gradients.bias[label]! += g;
    const row = label * dim;
    for (let d = 0; d < dim; d++) {
      gradients.weight[row + d]! += g * hidden[d]!;
      dHidden[d]! += g * weight[row + d]!;
    }
  }
  if (bag.total > 0) {
    const share = 1 / bag.total;
    for (let d = 0; d < dim; d++) dHidden[d]! *= share;
    const { rows, counts } = bag;
    for (let i = 0; i < rows.length; i++) {
      const offset = gradients.slot(rows[i]!) * dim;
      const count = counts[i]!;
      const gradientRows = gradients.rows;
      for (let d = 0; d < dim; d++) gradientRows[offset + d]! += count * dHidden[d]!;
    }
  }
  return loss;
}

/**
 * An example's loss from its logits, and the loss's gradient with respect to the logits into `dLogits`.
 *
 * Single-label: softmax cross-entropy, d/dlogits = softmax - target. Multi-label: binary cross-entropy on each
 * label's sigmoid, averaged over labels as PyTorch's BCEWithLogitsLoss does, d/dlogits = (sigmoid - target) / L.
 */
export function lossAndLogitGradients(problemType: ProblemType, logits: Float64Array, target: Float64Array, dLogits: Float64Array): number {
  const numLabels = logits.length;
  let loss = 0;
  if (problemType === 'multi_label_classification') {
    for (let label = 0; label < numLabels; label++) {
      const z = logits[label]!;
      const y = target[label]!;
      // log(1 + e^z) - y z, without overflow for large |z|.
      loss += Math.max(z, 0) - z * y + Math.log1p(Math.exp(-Math.abs(z)));
      dLogits[label] = (sigmoid(z) - y) / numLabels;
    }
    return loss / numLabels;
  }
  let max = -Infinity;
  for (let label = 0; label < numLabels; label++) max = Math.max(max, logits[label]!);
  let sum = 0;
  for (let label = 0; label < numLabels; label++) sum += Math.exp(logits[label]! - max);
  const logSum = max + Math.log(sum);
  for (let label = 0; label < numLabels; label++) {
    dLogits[label] = Math.exp(logits[label]! - logSum) - target[label]!;
    loss -= target[label]! * (logits[label]! - logSum);
  }
  return loss;
}

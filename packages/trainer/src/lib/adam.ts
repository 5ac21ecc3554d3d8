import type { Gradients } from './gradients.js';
import type { TextClassifierWeights } from './text-classifier.js';

/** Adam's hyper-parameters; the defaults of Kingma & Ba (and PyTorch). */
export interface AdamOptions {
  learningRate: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

/**
 * Adam for the classifier: dense for the linear layer, lazy for the embedding table (only the rows a batch
 * used are updated, with the global step's bias correction, as PyTorch's SparseAdam does), so a step costs
 * the batch's size rather than the table's.
 */
export class Adam {
  readonly #learningRate: number;
  readonly #beta1: number;
  readonly #beta2: number;
  readonly #epsilon: number;
  readonly #embeddingM: Float32Array;
  readonly #embeddingV: Float32Array;
  readonly #weightM: Float64Array;
  readonly #weightV: Float64Array;
  readonly #biasM: Float64Array;
  readonly #biasV: Float64Array;
  #step = 0;

  constructor(weights: TextClassifierWeights, options: AdamOptions) {
    this.#learningRate = options.learningRate;
    this.#beta1 = options.beta1 ?? 0.9;
    this.#beta2 = options.beta2 ?? 0.999;
    this.#epsilon = options.epsilon ?? 1e-8;
    this.#embeddingM = new Float32Array(weights.embedding.length);
    this.#embeddingV = new Float32Array(weights.embedding.length);
    this.#weightM = new Float64Array(weights.weight.length);
    this.#weightV = new Float64Array(weights.weight.length);
    this.#biasM = new Float64Array(weights.bias.length);
    this.#biasV = new Float64Array(weights.bias.length);
  }

  /** Applies one step of `gradients` to `weights`. */
  step(weights: TextClassifierWeights, gradients: Gradients): void {
    this.#step++;
    const b1 = this.#beta1;
    const b2 = this.#beta2;
    // The bias corrections folded into the step size, as in the paper's "more efficient" formulation.
    const rate = (this.#learningRate * Math.sqrt(1 - b2 ** this.#step)) / (1 - b1 ** this.#step);
    const eps = this.#epsilon;
    const update = (params: Float32Array, m: Float32Array | Float64Array, v: Float32Array | Float64Array, index: number, g: number): void => {
      const mi = (m[index] = b1 * m[index]! + (1 - b1) * g);
      const vi = (v[index] = b2 * v[index]! + (1 - b2) * g * g);
      params[index]! -= (rate * mi) / (Math.sqrt(vi) + eps);
    };
    for (let i = 0; i < weights.weight.length; i++) update(weights.weight, this.#weightM, this.#weightV, i, gradients.weight[i]!);
    for (let i = 0; i < weights.bias.length; i++) update(weights.bias, this.#biasM, this.#biasV, i, gradients.bias[i]!);
    const dim = gradients.dim;
    // The hot loop (a batch touches thousands of rows): written out rather than through `update`.
    const { embedding } = weights;
    const m = this.#embeddingM;
    const v = this.#embeddingV;
    const rows = gradients.rows;
    for (let slot = 0; slot < gradients.size; slot++) {
      const row = gradients.rowIds[slot]! * dim;
      const offset = slot * dim;
      for (let d = 0; d < dim; d++) {
        const g = rows[offset + d]!;
        const index = row + d;
        const mi = (m[index] = b1 * m[index]! + (1 - b1) * g);
        const vi = (v[index] = b2 * v[index]! + (1 - b2) * g * g);
        embedding[index]! -= (rate * mi) / (Math.sqrt(vi) + eps);
      }
    }
  }
}

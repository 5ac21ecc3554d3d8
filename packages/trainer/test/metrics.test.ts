import { describe, expect, it } from 'vitest';
import { computeClassificationMetrics } from '../src/index.js';

describe('computeClassificationMetrics', () => {
  it('matches scikit-learn on a single-label example', () => {
    // y_true = [0, 0, 1, 1, 2, 2], y_pred = [0, 1, 1, 1, 2, 0]:
    // sklearn: accuracy 0.6667; precision [0.5, 0.6667, 1], recall [0.5, 1, 0.5], f1 [0.5, 0.8, 0.6667]; macro-F1 0.6556
    const metrics = computeClassificationMetrics({
      labels: ['a', 'b', 'c'],
      truth: [[0], [0], [1], [1], [2], [2]],
      predicted: [[0], [1], [1], [1], [2], [0]],
      loss: 0.25,
    });
    expect(metrics.accuracy).toBeCloseTo(4 / 6, 10);
    expect(metrics.perLabel['a']).toEqual({ precision: 0.5, recall: 0.5, f1: 0.5, support: 2 });
    expect(metrics.perLabel['b']!.precision).toBeCloseTo(2 / 3, 10);
    expect(metrics.perLabel['b']!.f1).toBeCloseTo(0.8, 10);
    expect(metrics.perLabel['c']).toMatchObject({ precision: 1, recall: 0.5, support: 2 });
    expect(metrics.macroF1).toBeCloseTo((0.5 + 0.8 + 2 / 3) / 3, 10);
    expect(metrics.loss).toBe(0.25);
  });

  it('counts exact label sets for multi-label accuracy and leaves absent labels out of macro-F1', () => {
    const metrics = computeClassificationMetrics({
      labels: ['x', 'y', 'z'],
      truth: [[0, 1], [1], []],
      predicted: [[0], [1], []],
    });
    expect(metrics.accuracy).toBeCloseTo(2 / 3, 10);
    expect(metrics.perLabel['z']).toEqual({ precision: 0, recall: 0, f1: 0, support: 0 });
    // x: P 1 R 1; y: P 1 R 0.5 -> F1 2/3; z never true nor predicted.
    expect(metrics.macroF1).toBeCloseTo((1 + 2 / 3) / 2, 10);
    expect(Number.isNaN(metrics.loss)).toBe(true);
  });
});

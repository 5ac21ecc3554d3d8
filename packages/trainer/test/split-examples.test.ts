import { describe, expect, it } from 'vitest';
import { splitExamples, TrainerError } from '../src/index.js';

const examples = [
  ...Array.from({ length: 80 }, (_, i) => ({ text: `ham ${i}`, labels: ['ham'] })),
  ...Array.from({ length: 20 }, (_, i) => ({ text: `spam ${i}`, labels: ['spam'] })),
];

describe('splitExamples', () => {
  it('splits by fractions, stratified, each example in exactly one split, order kept', () => {
    const { train, dev, test } = splitExamples(examples, { dev: 0.1, test: 0.2, seed: 1 });
    expect([train.length, dev.length, test.length]).toEqual([70, 10, 20]);
    expect(dev.filter((example) => example.labels[0] === 'spam')).toHaveLength(2);
    expect(test.filter((example) => example.labels[0] === 'spam')).toHaveLength(4);
    expect(new Set([...train, ...dev, ...test])).toEqual(new Set(examples));
    const positions = train.map((example) => examples.indexOf(example));
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
  });

  it('takes counts as well as fractions', () => {
    const { dev, test } = splitExamples(examples, { dev: 7, test: 13 });
    expect([dev.length, test.length]).toEqual([7, 13]);
  });

  it('is the same for a seed and different for another, whichever label comes first in the input', () => {
    const a = splitExamples(examples, { dev: 0.2, seed: 3 });
    const b = splitExamples([...examples.slice(80), ...examples.slice(0, 80)], { dev: 0.2, seed: 3 });
    const c = splitExamples(examples, { dev: 0.2, seed: 4 });
    expect(new Set(b.dev)).toEqual(new Set(a.dev));
    expect(new Set(c.dev)).not.toEqual(new Set(a.dev));
  });

  it('can split without stratifying', () => {
    const { dev } = splitExamples(examples, { dev: 50, seed: 1, stratify: false });
    expect(dev).toHaveLength(50);
  });

  it('rejects sizes that leave nothing to train on, or are not sizes', () => {
    expect(() => splitExamples(examples, { dev: 0.5, test: 0.5 })).toThrow(/dev \(50\) and test \(50\) take all 100 examples, leaving none to train on/);
    expect(() => splitExamples(examples, { dev: -1 })).toThrow(TrainerError);
    expect(() => splitExamples(examples, { test: 2.5 })).toThrow(/^test: 2\.5 is neither a fraction in \(0, 1\) nor a whole number of examples/);
  });
});

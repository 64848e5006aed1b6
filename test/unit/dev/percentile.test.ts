import { describe, expect, it } from 'vitest';
import { percentile } from '../../../dev/percentile';

const TEN = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

describe('percentile', () => {
  it.each([
    [0, 1],
    [0.5, 6],
    [0.9, 10],
    [0.99, 10],
    [1, 10],
  ])('of ten values at %f is the value at index ⌊p·n⌋: %i', (p, value) => {
    expect(percentile(TEN, p)).toBe(value);
  });

  it('of one value is that value at every fraction', () => {
    expect([0, 0.5, 1].map((p) => percentile([7], p))).toEqual([7, 7, 7]);
  });

  it('of no values is NaN', () => {
    expect(percentile([], 0.5)).toBeNaN();
  });

  it.each([50, -0.1, 1.01, Number.NaN])('refuses %f, which is not a fraction', (p) => {
    expect(() => percentile(TEN, p)).toThrow(RangeError);
  });
});

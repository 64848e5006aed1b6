import { describe, expect, it } from 'vitest';
import { groupingAccuracy } from '../../../../dev/grouping-accuracy';

describe('groupingAccuracy', () => {
  it('is 1 when the clusters are exactly the events, whatever their names', () => {
    expect(groupingAccuracy(['x', 'x', 'y'], ['E1', 'E1', 'E2'])).toBe(1);
  });

  it('counts none of the messages of a cluster that mixes two events', () => {
    expect(groupingAccuracy(['x', 'x', 'x', 'y'], ['E1', 'E1', 'E2', 'E3'])).toBe(0.25);
  });

  it('counts none of the messages of an event split over two clusters', () => {
    expect(groupingAccuracy(['x', 'y', 'z', 'z'], ['E1', 'E1', 'E2', 'E2'])).toBe(0.5);
  });

  it('is 1 for no messages and refuses mismatched lengths', () => {
    expect(groupingAccuracy([], [])).toBe(1);
    expect(() => groupingAccuracy(['x'], [])).toThrow(RangeError);
  });
});

import { describe, expect, it } from 'vitest';
import { groupingAccuracy } from '../../../../dev/grouping-accuracy';
import { LOGHUB_SETS, loadLoghubSet } from '../../../../dev/loghub';
import { clusterLines } from '../../../../lib/failures/clustering/cluster-lines';

describe('grouping accuracy on the Loghub-2k samples', () => {
  it('reaches a mean GA of 0.90 with the default configuration', () => {
    const scores = LOGHUB_SETS.map((set) => {
      const messages = loadLoghubSet(set);
      const predicted = clusterLines(messages.map((m) => m.content)).map((l) => l.cluster);
      return groupingAccuracy(
        predicted,
        messages.map((m) => m.event),
      );
    });
    const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
    expect(mean).toBeGreaterThanOrEqual(0.9);
    for (const score of scores) expect(score).toBeGreaterThan(0.8);
  });
});

import { describe, expect, it } from 'vitest';
import { groupingAccuracy } from '../../../../dev/grouping-accuracy';
import { DRAIN3_GA, LOGHUB_SETS, loadLoghubSet } from '../../../../dev/loghub';
import { clusterLines } from '../../../../lib/failures/clustering/cluster-lines';

const scores = LOGHUB_SETS.map((set) => {
  const messages = loadLoghubSet(set);
  const predicted = clusterLines(messages.map((m) => m.content)).map((l) => l.cluster);
  const truth = messages.map((m) => m.event);
  return { set, ga: groupingAccuracy(predicted, truth) };
});

describe('grouping accuracy on the Loghub-2k samples, with the default configuration', () => {
  it('reaches a mean GA of 0.95', () => {
    const mean = scores.reduce((sum, s) => sum + s.ga, 0) / scores.length;
    expect(mean).toBeGreaterThanOrEqual(0.95);
  });

  it.each(LOGHUB_SETS)('is not below drain3 on %s', (set) => {
    const score = scores.find((s) => s.set === set)?.ga;
    expect(score).toBeGreaterThanOrEqual(DRAIN3_GA[set]);
  });
});

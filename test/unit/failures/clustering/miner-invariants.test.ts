import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../../dev/random';
import { TemplateMiner } from '../../../../lib/failures/clustering/miner';

const VOCABULARY = [
  'open',
  'close',
  'user',
  'root',
  'admin',
  'Failed',
  'GET',
  'from',
  'to',
  'file',
];

/** Messages of 1 to 6 words, some of them numbers, from a small vocabulary: many near-misses. */
function messages(seed: number, n: number): string[] {
  const random = seededRandom(seed);
  const pick = () => VOCABULARY[Math.floor(random() * VOCABULARY.length)] as string;
  return Array.from({ length: n }, () => {
    const length = 1 + Math.floor(random() * 6);
    return Array.from({ length }, () =>
      random() < 0.2 ? String(Math.floor(random() * 1e4)) : pick(),
    ).join(' ');
  });
}

describe('TemplateMiner under many near-miss messages', () => {
  it('stays within its caps and answers a live cluster that matches each message it adds', () => {
    const miner = new TemplateMiner({ maxClusters: 30, maxChildren: 6, maxShapes: 50 });
    for (const message of messages(7, 20_000)) {
      const added = miner.add(message);
      expect(miner.size).toBeLessThanOrEqual(30);
      expect(miner.resolve(added.clusterId)).toBe(added.clusterId);
      expect(miner.match(message)?.clusterId).toBe(added.clusterId);
    }
  });

  it('counts every message exactly once when nothing is evicted', () => {
    const input = messages(11, 5000);
    const miner = new TemplateMiner({ maxClusters: 100_000, maxChildren: 100_000 });
    for (const message of input) miner.add(message);
    const total = miner.clusters().reduce((sum, c) => sum + c.count, 0);
    expect(total).toBe(input.length);
  });
});

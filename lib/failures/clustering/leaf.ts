import { type Cluster, differences, matches } from './cluster';
import { WILDCARD } from './tokenize';

/** The clusters under one path of the tree: same token count, same leading words. */
export interface Leaf {
  clusters: Cluster[];
}

// A leading token keys the tree only when it reads as a plain word; names
// with dots, brackets or digits are often variables themselves.
const WORD = /^[A-Za-z][A-Za-z_-]*[:,;.!?]?$/;

/** The tree path of a tokenized message: its token count and `depth` leading words. */
export function leafKey(tokens: readonly string[], depth: number): string {
  const lead = tokens.slice(0, depth).map((t) => (WORD.test(t) ? t : WILDCARD));
  return `${tokens.length} ${lead.join(' ')}`;
}

/** The most specific cluster of the leaf whose template matches (oldest on ties). */
export function findMatch(leaf: Leaf | undefined, tokens: readonly string[]): Cluster | undefined {
  let best: Cluster | undefined;
  for (const c of leaf?.clusters ?? []) {
    if (!matches(c.tokens, tokens)) continue;
    if (!best || c.wildcards < best.wildcards) best = c;
  }
  return best;
}

/**
 * The cluster of the leaf that differs least from the message (fewest hard
 * differences, then fewest differences, then oldest) and where, if it
 * differs at no more than `maxDifferences` constant positions (numbers
 * aside: see `differences`), keeps at least `minSimilarity` of all positions
 * as shared constants (numbers aside too), and shares one constant at least.
 */
export function closest(
  leaf: Leaf,
  tokens: readonly string[],
  maxDifferences: number,
  minSimilarity: number,
): { parent?: Cluster; diff?: number[] } {
  const n = tokens.length;
  let parent: Cluster | undefined;
  let best: { diff: number[]; hard: number } | undefined;
  for (const c of leaf.clusters) {
    const constants = n - c.wildcards;
    let limit = Math.min(maxDifferences, Math.floor(constants - minSimilarity * n));
    if (best) limit = Math.min(limit, best.hard);
    if (limit < 0) continue;
    const d = differences(c.tokens, tokens, limit);
    // A variant never leaves its cluster without a constant word.
    if (!d || d.diff.length === 0 || d.diff.length >= constants) continue;
    if (
      best &&
      (d.hard > best.hard || (d.hard === best.hard && d.diff.length >= best.diff.length))
    ) {
      continue;
    }
    parent = c;
    best = d;
  }
  return { parent, diff: best?.diff };
}

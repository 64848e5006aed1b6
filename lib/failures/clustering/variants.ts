import { type Cluster, countWildcards } from './cluster';
import { isKeyword, isValueDifference } from './evidence';
import { WILDCARD } from './tokenize';

/** Position sets a cluster counts values for at most. */
const MAX_POSITION_SETS = 64;

/**
 * Records that `variant` differs from `root` at `diff` and answers the
 * positions to turn into wildcards: those where the difference is itself a
 * value (see `isValueDifference`) at once, and the others once the values seen at
 * exactly those positions (the root's own included, keywords aside) number
 * `minDistinct`.
 */
export function recordVariant(
  root: Cluster,
  variant: Cluster,
  diff: number[],
  minDistinct: number,
): number[] {
  variant.parent = root;
  variant.diff = diff;
  root.variants.push(variant);
  const data = diff.filter((p) =>
    isValueDifference(root.tokens[p] as string, variant.tokens[p] as string),
  );
  const open = diff.filter((p) => !data.includes(p));
  if (open.length === 0) return diff;
  const key = open.join(',');
  let seen = root.values.get(key);
  if (!seen) {
    seen = new Set();
    root.values.set(key, seen);
    // Bounded: the oldest position sets are forgotten first.
    if (root.values.size > MAX_POSITION_SETS)
      root.values.delete(root.values.keys().next().value as string);
    count(seen, open, root.tokens);
  }
  count(seen, open, variant.tokens);
  return seen.size >= minDistinct ? diff : data;
}

function count(seen: Set<string>, diff: number[], tokens: readonly string[]): void {
  const values = diff.map((p) => tokens[p] as string);
  if (!values.some(isKeyword)) seen.add(values.join(' '));
}

/**
 * Turns `positions` of the root, and of its variants, into wildcards, and
 * returns the variants that now equal the root or an older variant: the
 * caller folds each into the cluster it is paired with.
 */
export function generalise(root: Cluster, positions: number[]): Array<[Cluster, Cluster]> {
  for (const p of positions) root.tokens[p] = WILDCARD;
  // Counts keyed by position sets that now hold a wildcard are stale.
  for (const key of [...root.values.keys()]) {
    if (key.split(',').some((p) => root.tokens[Number(p)] === WILDCARD)) root.values.delete(key);
  }
  root.wildcards = countWildcards(root.tokens);
  const folds: Array<[Cluster, Cluster]> = [];
  const byTemplate = new Map<string, Cluster>();
  for (const variant of root.variants) {
    for (const p of positions) variant.tokens[p] = WILDCARD;
    variant.wildcards = countWildcards(variant.tokens);
    variant.diff = variant.diff.filter((p) => root.tokens[p] !== WILDCARD);
    if (variant.diff.length === 0) {
      folds.push([variant, root]);
      continue;
    }
    const key = variant.tokens.join(' ');
    const twin = byTemplate.get(key);
    if (twin) folds.push([variant, twin]);
    else byTemplate.set(key, variant);
  }
  return folds;
}

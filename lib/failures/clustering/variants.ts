import { type Cluster, countWildcards } from './cluster';
import { WILDCARD } from './tokenize';

// Words that name a state or an option rather than carry data: capitalised
// and upper-case words (GET, Started, ACTION_UP) and literals. Log lines
// tell apart events by them, so they never count as evidence of a variable.
const KEYWORD = /^(?:[A-Z][A-Za-z]*|[A-Z][A-Z0-9_]+|true|false|null|nil|none|yes|no|on|off)$/;

/** Position sets a cluster counts values for at most. */
const MAX_POSITION_SETS = 64;

/** True for a keyword, alone or as the value of a `key=`/`key:` pair, punctuation aside. */
export function isKeyword(token: string): boolean {
  const core = token.replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  const value = core.slice(Math.max(core.lastIndexOf('='), core.lastIndexOf(':')) + 1);
  return KEYWORD.test(core) || KEYWORD.test(value);
}

/**
 * Records that `variant` differs from `root` at `diff` and counts the
 * distinct values seen at exactly those positions (the root's own included),
 * keywords aside. Returns the positions to turn into wildcards: all of
 * `diff` once it has shown `minDistinct` distinct values, or masked values
 * only, else none.
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
  if (diff.every((p) => isMasked(variant.tokens[p] as string))) return diff;
  const key = diff.join(',');
  let seen = root.values.get(key);
  if (!seen) {
    seen = new Set();
    root.values.set(key, seen);
    // Bounded: the oldest position sets are forgotten first.
    if (root.values.size > MAX_POSITION_SETS)
      root.values.delete(root.values.keys().next().value as string);
    count(seen, diff, root.tokens);
  }
  count(seen, diff, variant.tokens);
  return seen.size >= minDistinct ? diff : [];
}

function count(seen: Set<string>, diff: number[], tokens: readonly string[]): void {
  const values = diff.map((p) => tokens[p] as string);
  if (!values.some(isKeyword)) seen.add(values.join(' '));
}

/** True for a wildcard with at most punctuation around it: `<*>`, `(<*>)`, `"<*>",`. */
export function isMasked(token: string): boolean {
  const at = token.indexOf(WILDCARD);
  if (at < 0) return false;
  for (let i = 0; i < token.length; i++) {
    if (i >= at && i < at + WILDCARD.length) continue;
    const c = token.charCodeAt(i);
    const alnum = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
    if (alnum) return false;
  }
  return true;
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

/**
 * The value at fraction `p` (0 to 1) of numbers sorted ascending: the one at
 * index ⌊p·n⌋, the last for p = 1; NaN when there are none.
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (!(p >= 0 && p <= 1))
    throw new RangeError(`percentile takes a fraction from 0 to 1, got ${p}`);
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;
}

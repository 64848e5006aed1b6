/** Tuning of the template miner; every field has a default. */
export interface MinerOptions {
  /** Live clusters kept at most; the least recently used is evicted past it. */
  maxClusters: number;
  /** Clusters kept at most under one leaf of the tree (same length and leading tokens). */
  maxChildren: number;
  /** Leading tokens that key the tree below the token count. */
  depth: number;
  /** Distinct values a position must show before it becomes a wildcard. */
  minDistinctValues: number;
  /** Constant positions a message may differ at to be held as a variant of a cluster. */
  maxDifferences: number;
  /** Share of positions a variant must have equal to its cluster. */
  minSimilarity: number;
  /** Message shapes (masked token strings) remembered for the fast path. */
  maxShapes: number;
  /** Tokens kept per message; the rest of a longer message becomes one wildcard. */
  maxTokens: number;
}

/** The one configuration the service, the CLI and the bench use. */
export const DEFAULT_MINER_OPTIONS: Readonly<MinerOptions> = Object.freeze({
  maxClusters: 2000,
  maxChildren: 200,
  depth: 1,
  minDistinctValues: 3,
  maxDifferences: 2,
  minSimilarity: 0.6,
  maxShapes: 8000,
  maxTokens: 128,
});

import { type Cluster, differences, hashId, newCluster, resolveCluster } from './cluster';
import { isKeyword } from './evidence';
import { closest, findMatch, type Leaf, leafKey } from './leaf';
import { DEFAULT_MINER_OPTIONS, type MinerOptions } from './options';
import { tokenize, WILDCARD } from './tokenize';
import { generalise, recordVariant } from './variants';

export { DEFAULT_MINER_OPTIONS, type MinerOptions } from './options';

/** Where a message went. */
export interface MinedMessage {
  clusterId: string;
  template: string;
  /** Messages in the cluster, this one included. */
  count: number;
}

/** A cluster as listed by `clusters()`. */
export interface ClusterSummary {
  id: string;
  template: string;
  count: number;
}

const summary = (c: Cluster): MinedMessage => ({
  clusterId: c.id,
  template: c.tokens.join(' '),
  count: c.count,
});

/**
 * An online log-template miner in the spirit of Drain: messages are
 * tokenized and masked, routed by token count and leading tokens to a leaf,
 * and matched against the leaf's templates. A message that differs from a
 * cluster at a few constant positions opens a variant of it; a position turns
 * into a wildcard once it has shown `minDistinctValues` distinct values, and
 * the variants then fold into the cluster. Cluster ids are a hash of the
 * template a cluster was founded with, so they do not change as it
 * generalises; a folded cluster's id resolves to the cluster it joined.
 */
export class TemplateMiner {
  readonly options: Readonly<MinerOptions>;
  private readonly leaves = new Map<string, Leaf>();
  private readonly live = new Map<string, Cluster>(); // by id, least recently used first
  private readonly aliases = new Map<string, Cluster>();
  private readonly shapes = new Map<string, Cluster>();
  private seq = 0;
  private tick = 0;

  constructor(options: Partial<MinerOptions> = {}) {
    this.options = { ...DEFAULT_MINER_OPTIONS, ...options };
  }

  /** Adds a message and answers the cluster it joined or founded. */
  add(message: string): MinedMessage {
    const tokens = this.tokens(message);
    const shape = tokens.join(' ');
    let cluster = this.cached(shape);
    if (!cluster) {
      const key = leafKey(tokens, this.options.depth);
      cluster = findMatch(this.leaves.get(key), tokens) ?? this.found(key, tokens);
      this.remember(shape, cluster);
    }
    cluster.count++;
    this.touch(cluster);
    return summary(cluster);
  }

  /**
   * The cluster a message would join, without changing anything: the one it
   * matches, or the one it differs from only by numbers in words (which
   * `add` would generalise at once), as it stands now.
   */
  match(message: string): MinedMessage | undefined {
    const tokens = this.tokens(message);
    const cached = this.shapes.get(tokens.join(' '));
    let cluster = cached && resolveCluster(cached);
    if (!cluster) {
      const leaf = this.leaves.get(leafKey(tokens, this.options.depth));
      cluster =
        findMatch(leaf, tokens) ??
        (leaf && closest(leaf, tokens, 0, this.options.minSimilarity).parent);
    }
    return cluster && !cluster.evicted ? summary(cluster) : undefined;
  }

  /** The id a cluster id now answers to (after folds), or undefined once evicted. */
  resolve(id: string): string | undefined {
    const cluster = this.live.get(id) ?? this.aliases.get(id);
    if (!cluster) return undefined;
    const current = resolveCluster(cluster);
    return current.evicted ? undefined : current.id;
  }

  /** The live clusters, most messages first (ties: oldest first). */
  clusters(): ClusterSummary[] {
    return [...this.live.values()]
      .sort((a, b) => b.count - a.count || a.seq - b.seq)
      .map((c) => ({ id: c.id, template: c.tokens.join(' '), count: c.count }));
  }

  /** Live clusters. */
  get size(): number {
    return this.live.size;
  }

  private cached(shape: string): Cluster | undefined {
    const hit = this.shapes.get(shape);
    if (!hit) return undefined;
    const cluster = resolveCluster(hit);
    if (cluster.evicted) {
      this.shapes.delete(shape);
      return undefined;
    }
    return cluster;
  }

  private tokens(message: string): string[] {
    const tokens = tokenize(message);
    const max = this.options.maxTokens;
    if (tokens.length <= max) return tokens;
    return [...tokens.slice(0, max - 1), WILDCARD];
  }

  private remember(shape: string, cluster: Cluster): void {
    this.shapes.set(shape, cluster);
    if (this.shapes.size > this.options.maxShapes) {
      this.shapes.delete(this.shapes.keys().next().value as string);
    }
  }

  /** Founds a cluster: a variant of the closest root cluster, or a new root. */
  private found(leafKey: string, tokens: string[]): Cluster {
    while (this.live.size >= this.options.maxClusters) {
      this.evict(this.live.values().next().value as Cluster);
    }
    let leaf = this.leaves.get(leafKey);
    if (!leaf) {
      leaf = { clusters: [] };
      this.leaves.set(leafKey, leaf);
    } else if (leaf.clusters.length >= this.options.maxChildren) {
      this.evictFromLeaf(leaf);
    }
    const { maxDifferences, minSimilarity } = this.options;
    const { parent, diff } = closest(leaf, tokens, maxDifferences, minSimilarity);
    const id = this.uniqueId(tokens.join(' '));
    const cluster = newCluster(id, this.seq++, leafKey, tokens);
    leaf.clusters.push(cluster);
    this.live.set(id, cluster);
    if (parent && diff) {
      for (let i = 0; i < tokens.length; i++) {
        if (parent.tokens[i] === WILDCARD) cluster.tokens[i] = WILDCARD;
      }
      cluster.wildcards = parent.wildcards;
      const variable = recordVariant(parent, cluster, diff, this.options.minDistinctValues);
      if (variable.length > 0) this.generalise(parent, variable);
    }
    return resolveCluster(cluster);
  }

  /**
   * Turns positions of a cluster into wildcards and folds the variants that
   * now equal another cluster. If the cluster is itself a variant and
   * differs from its root at some of those positions, the root's value there
   * was one more value: the root generalises there too (unless its value is
   * a keyword), and the cluster folds into it.
   */
  private generalise(cluster: Cluster, positions: number[]): void {
    const root = cluster.parent;
    const up = root
      ? positions.filter((p) => cluster.diff.includes(p) && !isKeyword(root.tokens[p] as string))
      : [];
    for (const [from, into] of generalise(cluster, positions)) this.fold(from, into);
    if (root && up.length > 0 && cluster.parent === root) this.generalise(root, up);
  }

  private uniqueId(template: string): string {
    const base = hashId(template);
    let id = base;
    for (let n = 2; this.live.has(id) || this.aliases.has(id); n++) id = `${base}-${n}`;
    return id;
  }

  private touch(cluster: Cluster): void {
    cluster.lastUsed = ++this.tick;
    this.live.delete(cluster.id);
    this.live.set(cluster.id, cluster);
  }

  /**
   * Moves a cluster's messages into another; its id becomes an alias, and
   * its own variants become variants of the other (or fold too, if equal).
   */
  private fold(from: Cluster, into: Cluster): void {
    into.count += from.count;
    from.mergedInto = into;
    const orphans = from.variants;
    from.variants = [];
    this.detach(from);
    this.aliases.set(from.id, into);
    if (this.aliases.size > this.options.maxClusters) {
      this.aliases.delete(this.aliases.keys().next().value as string);
    }
    for (const orphan of orphans) {
      orphan.parent = null;
      const diff = differences(into.tokens, orphan.tokens, orphan.tokens.length)?.diff ?? [];
      if (diff.length === 0) {
        this.fold(orphan, into);
      } else {
        orphan.parent = into;
        orphan.diff = diff;
        into.variants.push(orphan);
      }
    }
  }

  private evictFromLeaf(leaf: Leaf): void {
    let oldest = leaf.clusters[0] as Cluster;
    for (const c of leaf.clusters) if (c.lastUsed < oldest.lastUsed) oldest = c;
    this.evict(oldest);
  }

  private evict(cluster: Cluster): void {
    cluster.evicted = true;
    this.detach(cluster);
    for (const variant of cluster.variants) {
      variant.parent = null;
      variant.diff = [];
    }
    cluster.variants = [];
  }

  /** Removes a cluster from its leaf, the live set and its root's variants. */
  private detach(cluster: Cluster): void {
    this.live.delete(cluster.id);
    const leaf = this.leaves.get(cluster.leafKey);
    if (leaf) {
      leaf.clusters = leaf.clusters.filter((c) => c !== cluster);
      if (leaf.clusters.length === 0) this.leaves.delete(cluster.leafKey);
    }
    if (cluster.parent) {
      cluster.parent.variants = cluster.parent.variants.filter((v) => v !== cluster);
      cluster.parent = null;
    }
  }
}

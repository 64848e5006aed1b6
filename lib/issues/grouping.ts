import {
  type Cluster,
  countWildcards,
  differences,
  newCluster,
} from '../failures/clustering/cluster';
import { failureClusterId, NO_ERROR_TEMPLATE } from '../failures/clustering/clusters';
import { isKeyword } from '../failures/clustering/evidence';
import { closest, findMatch, type Leaf, leafKey } from '../failures/clustering/leaf';
import { DEFAULT_MINER_OPTIONS, type MinerOptions } from '../failures/clustering/options';
import { tokenize, WILDCARD } from '../failures/clustering/tokenize';
import { generalise, recordVariant } from '../failures/clustering/variants';

/**
 * How one issue's template is kept between folds: its tokens, where it
 * sits in its endpoint's tree, and, while it is a pending variant of
 * another issue, that issue and where the two differ. Roots keep the
 * values seen where their variants differ (see clustering/variants.ts).
 */
export interface GroupingRecord {
  id: string;
  endpoint: string;
  seq: number;
  leaf: string;
  tokens: string[];
  parent?: string | undefined;
  diff?: number[] | undefined;
  values?: [string, string[]][] | undefined;
}

/** Where a failed op's error went: its issue, and any issues that folded into others meanwhile. */
export interface Assignment {
  id: string;
  /** True when the op founded the issue. */
  founded: boolean;
  /** Issues whose template generalised into another's: `[from, into]`, in the order they folded. */
  folds: Array<[string, string]>;
}

interface Node extends Cluster {
  endpoint: string;
}

/**
 * The template miner's grouping (lib/failures/clustering/miner.ts) made
 * durable: the same masking, tree, variants and generalisation, with the
 * miner's thresholds, but no eviction and every bit of state in the
 * records, so an issue keeps its identity across folds, containers and
 * years. An issue's id is `failureClusterId(endpoint, template)` of the
 * template it was founded with, so it never changes as the template
 * generalises; an issue whose template comes to equal another's folds into
 * it (`Assignment.folds`). Each endpoint has a tree of its own. Failed ops
 * with no error message form one issue per endpoint, `(no error)`.
 */
export class IssueGrouper {
  private readonly trees = new Map<string, Map<string, Leaf>>();
  private readonly nodes = new Map<string, Node>();
  private readonly options: MinerOptions;
  private seq = 0;

  /**
   * `taken` says whether an id names an issue outside the trees (one folded
   * or merged away), so a new issue never takes it.
   */
  constructor(
    records: readonly GroupingRecord[] = [],
    private readonly taken: (id: string) => boolean = () => false,
    options: Partial<MinerOptions> = {},
  ) {
    this.options = { ...DEFAULT_MINER_OPTIONS, ...options };
    for (const r of records) this.restore(r);
    for (const r of records) this.link(r);
  }

  /** The issue a failed op with this endpoint and error belongs to, founding it if none fits. */
  assign(endpoint: string, error: string | undefined): Assignment {
    if (error === undefined || error.trim() === '') {
      return { id: noErrorIssueId(endpoint), founded: false, folds: [] };
    }
    const tokens = this.tokens(error);
    const key = leafKey(tokens, this.options.depth);
    const found = findMatch(this.tree(endpoint).get(key), tokens);
    if (found) return { id: found.id, founded: false, folds: [] };
    const folds: Array<[string, string]> = [];
    const node = this.found(endpoint, key, tokens, folds);
    return { id: node.id, founded: true, folds };
  }

  /** The issue a failed op's error would count to now, without founding one (undefined: none fits). */
  match(endpoint: string, error: string | undefined): string | undefined {
    if (error === undefined || error.trim() === '') return noErrorIssueId(endpoint);
    const tokens = this.tokens(error);
    return findMatch(this.tree(endpoint).get(leafKey(tokens, this.options.depth)), tokens)?.id;
  }

  /** The template of an issue the grouper knows (`(no error)` for the issues of ops without one). */
  template(id: string): string | undefined {
    const node = this.nodes.get(id);
    return node ? node.tokens.join(' ') : undefined;
  }

  /** Every issue still in a tree, as records to store. */
  records(): GroupingRecord[] {
    return [...this.nodes.values()].map((n) => ({
      id: n.id,
      endpoint: n.endpoint,
      seq: n.seq,
      leaf: n.leafKey,
      tokens: [...n.tokens],
      ...(n.parent ? { parent: n.parent.id, diff: [...n.diff] } : {}),
      ...(n.values.size > 0
        ? { values: [...n.values].map(([k, v]): [string, string[]] => [k, [...v]]) }
        : {}),
    }));
  }

  private tokens(message: string): string[] {
    const tokens = tokenize(message);
    const max = this.options.maxTokens;
    return tokens.length <= max ? tokens : [...tokens.slice(0, max - 1), WILDCARD];
  }

  private tree(endpoint: string): Map<string, Leaf> {
    let tree = this.trees.get(endpoint);
    if (!tree) {
      tree = new Map();
      this.trees.set(endpoint, tree);
    }
    return tree;
  }

  private leaf(endpoint: string, key: string): Leaf {
    const tree = this.tree(endpoint);
    let leaf = tree.get(key);
    if (!leaf) {
      leaf = { clusters: [] };
      tree.set(key, leaf);
    }
    return leaf;
  }

  private restore(r: GroupingRecord): void {
    const node: Node = { ...newCluster(r.id, r.seq, r.leaf, r.tokens), endpoint: r.endpoint };
    node.values = new Map((r.values ?? []).map(([k, v]) => [k, new Set(v)]));
    this.nodes.set(r.id, node);
    this.leaf(r.endpoint, r.leaf).clusters.push(node);
    this.seq = Math.max(this.seq, r.seq + 1);
  }

  private link(r: GroupingRecord): void {
    const parent = r.parent === undefined ? undefined : this.nodes.get(r.parent);
    const node = this.nodes.get(r.id) as Node;
    if (!parent) return;
    node.parent = parent;
    node.diff = [...(r.diff ?? [])];
    parent.variants.push(node);
  }

  /** Founds an issue: a variant of the closest one of its leaf, or a root (as TemplateMiner.found). */
  private found(endpoint: string, key: string, tokens: string[], folds: Array<[string, string]>) {
    const leaf = this.leaf(endpoint, key);
    const { maxDifferences, minSimilarity, minDistinctValues } = this.options;
    const { parent, diff } = closest(leaf, tokens, maxDifferences, minSimilarity);
    const own = [...tokens];
    if (parent && diff) {
      for (let i = 0; i < own.length; i++) if (parent.tokens[i] === WILDCARD) own[i] = WILDCARD;
    }
    const id = this.uniqueId(failureClusterId(endpoint, own.join(' ')));
    const node: Node = { ...newCluster(id, this.seq++, key, own), endpoint };
    leaf.clusters.push(node);
    this.nodes.set(id, node);
    if (parent && diff) {
      node.wildcards = countWildcards(own);
      const variable = recordVariant(parent, node, diff, minDistinctValues);
      if (variable.length > 0) this.generalise(parent as Node, variable, folds);
    }
    return this.resolve(node);
  }

  private resolve(node: Cluster): Node {
    let n = node;
    while (n.mergedInto) n = n.mergedInto;
    return n as Node;
  }

  /** As TemplateMiner.generalise: wildcards at `positions`, folding variants that now equal another. */
  private generalise(node: Node, positions: number[], folds: Array<[string, string]>): void {
    const root = node.parent as Node | null;
    const up = root
      ? positions.filter((p) => node.diff.includes(p) && !isKeyword(root.tokens[p] as string))
      : [];
    for (const [from, into] of generalise(node, positions)) {
      this.fold(from as Node, into as Node, folds);
    }
    if (root && up.length > 0 && node.parent === root) this.generalise(root, up, folds);
  }

  private fold(from: Node, into: Node, folds: Array<[string, string]>): void {
    from.mergedInto = into;
    const orphans = from.variants;
    from.variants = [];
    this.detach(from);
    folds.push([from.id, into.id]);
    for (const orphan of orphans) {
      orphan.parent = null;
      const diff = differences(into.tokens, orphan.tokens, orphan.tokens.length)?.diff ?? [];
      if (diff.length === 0) this.fold(orphan as Node, into, folds);
      else {
        orphan.parent = into;
        orphan.diff = diff;
        into.variants.push(orphan);
      }
    }
  }

  private detach(node: Node): void {
    this.nodes.delete(node.id);
    const tree = this.tree(node.endpoint);
    const leaf = tree.get(node.leafKey);
    if (leaf) {
      leaf.clusters = leaf.clusters.filter((c) => c !== node);
      if (leaf.clusters.length === 0) tree.delete(node.leafKey);
    }
    if (node.parent) {
      node.parent.variants = node.parent.variants.filter((v) => v !== node);
      node.parent = null;
    }
  }

  private uniqueId(base: string): string {
    let id = base;
    for (let n = 2; this.nodes.has(id) || this.taken(id); n++) id = `${base}-${n}`;
    return id;
  }
}

/** The issue of an endpoint's failed ops that carry no error message. */
export function noErrorIssueId(endpoint: string): string {
  return failureClusterId(endpoint, '');
}

/** The template shown for the issue of failed ops with no error message. */
export const NO_ERROR = NO_ERROR_TEMPLATE;

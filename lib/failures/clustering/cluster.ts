import { isValueDifference } from './evidence';
import { WILDCARD } from './tokenize';

/**
 * One group of messages and its template. A root cluster collects the values
 * seen where its pending variants differ from it; a variant (a message shape
 * that differs from its root at a few constant positions) folds into the root
 * once each of those positions has shown enough distinct values.
 */
export interface Cluster {
  readonly id: string;
  /** Creation order, for deterministic tie-breaks. */
  readonly seq: number;
  readonly leafKey: string;
  /** The template: constant tokens and wildcards. */
  tokens: string[];
  /** Wildcards in `tokens`. */
  wildcards: number;
  count: number;
  /** When a message last joined, for least-recently-used eviction. */
  lastUsed: number;
  /** The root this cluster is a pending variant of, and where they differ. */
  parent: Cluster | null;
  diff: number[];
  /** Root only: its pending variants, and the distinct values seen per set of positions. */
  variants: Cluster[];
  values: Map<string, Set<string>>;
  /** Set once folded into another cluster. */
  mergedInto: Cluster | null;
  evicted: boolean;
}

/** A new root cluster for a tokenized message. */
export function newCluster(id: string, seq: number, leafKey: string, tokens: string[]): Cluster {
  return {
    id,
    seq,
    leafKey,
    tokens: [...tokens],
    wildcards: countWildcards(tokens),
    count: 0,
    lastUsed: seq,
    parent: null,
    diff: [],
    variants: [],
    values: new Map(),
    mergedInto: null,
    evicted: false,
  };
}

/** The number of wildcard tokens. */
export function countWildcards(tokens: readonly string[]): number {
  let n = 0;
  for (const t of tokens) if (t === WILDCARD) n++;
  return n;
}

/** True when every constant token of the template equals the message's token. */
export function matches(template: readonly string[], tokens: readonly string[]): boolean {
  for (let i = 0; i < template.length; i++) {
    const t = template[i];
    if (t !== WILDCARD && t !== tokens[i]) return false;
  }
  return true;
}

/**
 * Positions where a constant of the template differs from the message, or
 * null as soon as more than `limit` of them are hard differences: all but
 * those that are themselves a value (`Thread-3`/`Thread-12`, `()`/`(<*>)`:
 * see `isValueDifference`).
 */
export function differences(
  template: readonly string[],
  tokens: readonly string[],
  limit: number,
): { diff: number[]; hard: number } | null {
  const diff: number[] = [];
  let hard = 0;
  for (let i = 0; i < template.length; i++) {
    const t = template[i] as string;
    const m = tokens[i] as string;
    if (t === WILDCARD || t === m) continue;
    if (!isValueDifference(t, m)) {
      if (hard === limit) return null;
      hard++;
    }
    diff.push(i);
  }
  return { diff, hard };
}

/** Follows merges to the cluster that now holds this one's messages. */
export function resolveCluster(cluster: Cluster): Cluster {
  let c = cluster;
  while (c.mergedInto) c = c.mergedInto;
  return c;
}

/** A 48-bit FNV-1a hash of a string, as 12 hex digits. */
export function hashId(text: string): string {
  let lo = 0x811c9dc5;
  let hi = 0x050c5d1f;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    lo = Math.imul(lo ^ c, 0x01000193) >>> 0;
    hi = Math.imul(hi ^ c ^ (lo >>> 24), 0x01000193) >>> 0;
  }
  return (
    (hi & 0xffffff).toString(16).padStart(6, '0') + (lo & 0xffffff).toString(16).padStart(6, '0')
  );
}

import { compareEntries } from '../domain/entry';
import { isRetry, type StoredCopy } from '../domain/retries';

/** What adding a copy did: whether it counts, and a later copy of its id that stopped counting. */
export interface CopyVerdict {
  /** False when the copy was already known: nothing changed. */
  added: boolean;
  /** Whether the copy counts (it is no retry of the copy just before it). */
  counts: boolean;
  /** The next copy of the same id, if it counted until now and is a retry of this one. */
  demoted?: StoredCopy;
}

/**
 * Every stored copy of each op id a container knows of, counted or not,
 * in log order, so the retry rule (lib/domain/retries.ts) can be applied to
 * a copy that arrives in any order. Copies older than the floor a ring can
 * still need are forgotten by `prune`.
 */
export class CopyIndex {
  private readonly byId = new Map<string, StoredCopy[]>();

  constructor(readonly windowMs: number) {}

  /** How many ids have copies remembered. */
  get size(): number {
    return this.byId.size;
  }

  /**
   * Adds a copy of `id` and applies the rule: it counts unless the copy of
   * `id` just before it is within the window; the copy just after it, if
   * any, may become a retry of it (a copy that did not count never starts
   * to, so nothing else changes).
   */
  add(id: string, copy: StoredCopy): CopyVerdict {
    let copies = this.byId.get(id);
    if (copies === undefined) {
      copies = [];
      this.byId.set(id, copies);
    }
    let at = copies.length;
    while (at > 0 && compareEntries(copies[at - 1] as StoredCopy, copy) > 0) at--;
    const previous = copies[at - 1];
    if (previous !== undefined && compareEntries(previous, copy) === 0) {
      return { added: false, counts: false };
    }
    const next = copies[at];
    copies.splice(at, 0, copy);
    const counts = !isRetry(copy, previous, this.windowMs);
    const verdict: CopyVerdict = { added: true, counts };
    if (
      next !== undefined &&
      !isRetry(next, previous, this.windowMs) &&
      isRetry(next, copy, this.windowMs)
    ) {
      verdict.demoted = next;
    }
    return verdict;
  }

  /** Whether any copy of `id` is remembered. */
  has(id: string): boolean {
    return this.byId.has(id);
  }

  /** The newest remembered copy of `id`. */
  latest(id: string): StoredCopy | undefined {
    return this.byId.get(id)?.at(-1);
  }

  /** Forgets copies received before `floorMs`: no copy that can still arrive is within the window of them. */
  prune(floorMs: number): void {
    for (const [id, copies] of this.byId) {
      let keep = 0;
      while (keep < copies.length && (copies[keep] as StoredCopy).ms < floorMs) keep++;
      if (keep === copies.length) this.byId.delete(id);
      else if (keep > 0) copies.splice(0, keep);
    }
  }

  /** Every remembered copy as `[id, key, line]`, ids in insertion order, copies in log order. */
  *entries(): IterableIterator<[string, StoredCopy]> {
    for (const [id, copies] of this.byId) for (const copy of copies) yield [id, copy];
  }
}

// The reference the simulation checks every container against: a recount
// of what the bucket holds, computed from scratch, without lib/ring.
import { compareEntries, type RingEntry } from '../../lib/domain/entry';
import { type DroppedCopy, isRetry } from '../../lib/domain/retries';
import { IssueGrouper } from '../../lib/issues/grouping';
import { isCompactedKey, isSegmentKey, keyTime } from '../../lib/storage/keys';
import { replayObject } from '../../lib/storage/replay';
import type { MemorySegmentStore } from '../memory-store';

/** Every stored op once, by where it was first stored, and every copy compaction dropped. */
export function storedLog(bucket: MemorySegmentStore): {
  entries: RingEntry[];
  dropped: DroppedCopy[];
} {
  const byPlace = new Map<string, RingEntry>();
  const dropped: DroppedCopy[] = [];
  for (const [key, body] of bucket.objects) {
    if (key.startsWith('lake/retries/')) {
      const doc = JSON.parse(Buffer.from(body).toString('utf-8')) as {
        dropped: [string, string, number][];
      };
      for (const [id, k, line] of doc.dropped) dropped.push({ id, key: k, line });
    } else if (isSegmentKey(key) || isCompactedKey(key)) {
      for (const e of replayObject(key, body)) byPlace.set(`${e.key}\n${e.line}`, e);
    }
  }
  return { entries: [...byPlace.values()].sort(compareEntries), dropped };
}

/**
 * The ops that count, in log order, by the rule of lib/domain/retries.ts
 * written out again: a copy of an op id is a retry when the copy of its id
 * just before it (stored, or dropped by compaction) was received less than
 * `windowMs` earlier.
 */
export function countedLog(bucket: MemorySegmentStore, windowMs: number): RingEntry[] {
  const { entries, dropped } = storedLog(bucket);
  const places = new Set(entries.map((e) => `${e.key}\n${e.line}`));
  type Copy = { key: string; line: number; id: string | undefined; entry?: RingEntry };
  const copies: Copy[] = [
    ...entries.map((entry) => ({ key: entry.key, line: entry.line, id: entry.op.id, entry })),
    ...dropped.filter((d) => !places.has(`${d.key}\n${d.line}`)),
  ].sort(compareEntries);
  const previous = new Map<string, number>();
  const counted: RingEntry[] = [];
  for (const copy of copies) {
    const ms = keyTime(copy.key) ?? 0;
    const before = copy.id === undefined ? undefined : previous.get(copy.id);
    if (copy.id !== undefined) previous.set(copy.id, ms);
    const retry = before !== undefined && isRetry({ ms }, { ms: before }, windowMs);
    if (!retry && copy.entry) counted.push(copy.entry);
  }
  return counted;
}

/** Where each op of a ring is, as `key#line`, oldest first: what two rings are compared by. */
export function places(entries: Iterable<RingEntry>): string[] {
  return [...entries].map((e) => `${e.key}#${e.line}`);
}

/** A copy of an op as it was written: where, and with which id. */
export interface WrittenCopy {
  key: string;
  line: number;
  id: string | undefined;
}

/**
 * What is wrong with the lake, recounted against every copy ever written
 * (`written`): a written copy the bucket holds nowhere (in a segment, a
 * compacted object or a document of dropped copies) is lost; a stored one
 * never written is invented; and in an hour that is done (`done`), the
 * rows a query reads (every line of every object of the hour) must be
 * exactly the copies that count by the rule, each once. Empty when all
 * holds.
 */
export function lakeProblems(
  bucket: MemorySegmentStore,
  written: readonly WrittenCopy[],
  windowMs: number,
  done: ReadonlySet<string> = new Set(),
): string[] {
  const problems: string[] = [];
  const { entries, dropped } = storedLog(bucket);
  const stored = new Set([...entries, ...dropped].map((c) => `${c.key}#${c.line}`));
  const truth = new Set(written.map((c) => `${c.key}#${c.line}`));
  for (const place of truth) if (!stored.has(place)) problems.push(`lost ${place}`);
  for (const place of stored) if (!truth.has(place)) problems.push(`invented ${place}`);
  const counted = countedCopies(written, windowMs);
  for (const hour of done) {
    const rows: string[] = [];
    for (const [key, body] of bucket.objects) {
      if (!key.startsWith(hour) || !isSegmentKey(key)) continue;
      for (const e of replayObject(key, body)) rows.push(`${e.key}#${e.line}`);
    }
    const expected = counted.filter((place) => place.startsWith(hour));
    if ([...rows].sort().join() !== expected.join()) {
      problems.push(`${hour}: rows ${rows.length}, counted ${expected.length}`);
    }
  }
  return problems;
}

/** The places (`key#line`, in log order) of the written copies that count by the rule. */
export function countedCopies(written: readonly WrittenCopy[], windowMs: number): string[] {
  const previous = new Map<string, number>();
  const out: string[] = [];
  for (const c of [...written].sort(compareEntries)) {
    const ms = keyTime(c.key) ?? 0;
    const before = c.id === undefined ? undefined : previous.get(c.id);
    if (c.id !== undefined) previous.set(c.id, ms);
    if (before === undefined || !isRetry({ ms }, { ms: before }, windowMs)) {
      out.push(`${c.key}#${c.line}`);
    }
  }
  return out.sort();
}

/**
 * Each issue's count over all history, recounted from the ops that count
 * (countedLog), grouped from scratch in log order with a grouper of its
 * own: an issue folded into another brings its count along. As `id:count`,
 * sorted.
 */
export function issueCounts(bucket: MemorySegmentStore, windowMs: number): string[] {
  const grouper = new IssueGrouper();
  const counts = new Map<string, number>();
  const into = new Map<string, string>();
  const resolve = (id: string) => {
    let at = id;
    while (into.has(at)) at = into.get(at) as string;
    return at;
  };
  for (const entry of countedLog(bucket, windowMs)) {
    if (entry.op.success) continue;
    const assigned = grouper.assign(entry.op.endpoint, entry.op.error);
    for (const [from, to] of assigned.folds) {
      const target = resolve(to);
      counts.set(target, (counts.get(target) ?? 0) + (counts.get(from) ?? 0));
      counts.delete(from);
      into.set(from, target);
    }
    const id = resolve(assigned.id);
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return [...counts].map(([id, n]) => `${id}:${n}`).sort();
}

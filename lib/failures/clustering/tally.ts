import type { RingEntry } from '../../domain/entry';
import { compareEntries } from '../../domain/entry';
import { HOUR_MS } from '../../storage/keys';
import type { OpRef } from './report';

/** Sample ops a cluster keeps (the newest). */
export const MAX_SAMPLES = 3;

/** Names (sources, staffers) a cluster lists at most: those with the most failures. */
export const MAX_NAMES = 20;

/** What is known of a group of failed ops as they are read, oldest first. */
export interface Tally {
  count: number;
  sources: Map<string, number>;
  staffers: Map<string, number>;
  /** Receive times, ms since the epoch. */
  first: number;
  last: number;
  lastHour: number;
  hourBefore: number;
  /** The newest ops, oldest first, at most MAX_SAMPLES. */
  samples: OpRef[];
}

/** An empty tally. */
export function newTally(): Tally {
  return {
    count: 0,
    sources: new Map(),
    staffers: new Map(),
    first: Number.POSITIVE_INFINITY,
    last: Number.NEGATIVE_INFINITY,
    lastHour: 0,
    hourBefore: 0,
    samples: [],
  };
}

/** Counts one failed op received at `at` (ms) into a tally; entries come in log order. */
export function count(tally: Tally, entry: RingEntry, at: number, now: number): void {
  tally.count++;
  bump(tally.sources, entry.op.source);
  if (entry.op.staffer_id !== undefined) bump(tally.staffers, entry.op.staffer_id);
  tally.first = Math.min(tally.first, at);
  tally.last = Math.max(tally.last, at);
  if (at > now - HOUR_MS) tally.lastHour++;
  else if (at > now - 2 * HOUR_MS) tally.hourBefore++;
  tally.samples.push({ key: entry.key, line: entry.line });
  if (tally.samples.length > MAX_SAMPLES) tally.samples.shift();
}

/** Adds `from` into `into` (two groups that turned out to be one). */
export function merge(into: Tally, from: Tally): void {
  into.count += from.count;
  for (const [name, n] of from.sources) bump(into.sources, name, n);
  for (const [name, n] of from.staffers) bump(into.staffers, name, n);
  into.first = Math.min(into.first, from.first);
  into.last = Math.max(into.last, from.last);
  into.lastHour += from.lastHour;
  into.hourBefore += from.hourBefore;
  into.samples = [...into.samples, ...from.samples].sort(compareEntries).slice(-MAX_SAMPLES);
}

/** The names with the most failures first (ties by name), at most MAX_NAMES. */
export function topNames(names: Map<string, number>): string[] {
  return [...names]
    .sort(([a, m], [b, n]) => n - m || (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, MAX_NAMES)
    .map(([name]) => name);
}

function bump(names: Map<string, number>, name: string, n = 1): void {
  names.set(name, (names.get(name) ?? 0) + n);
}

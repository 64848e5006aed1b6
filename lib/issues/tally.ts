import { z } from 'zod';
import { compareEntries, type Position } from '../domain/entry';
import type { ObservedOp } from '../domain/op';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

/** Hourly counts are kept this long (the 7-day baseline and the hour before); older hours as days. */
export const HOURLY_DAYS = 8;
/** Daily counts are kept this long: the ops themselves expire after 90 days (retentionDays). */
export const DAILY_DAYS = 90;
/** Names a breakdown keeps with their own count; the rest are counted together as OTHER. */
export const MAX_NAMES = 50;
/** The name the failures of names past MAX_NAMES are counted under. */
export const OTHER = '(other)';
/** Sample ops an issue keeps: the newest. */
export const MAX_SAMPLES = 5;

/** The breakdowns an issue keeps: who and what its failures touched. */
export const BREAKDOWNS = ['endpoints', 'sources', 'staffers', 'roles'] as const;
export type Breakdown = (typeof BREAKDOWNS)[number];

/** Everything counted about one issue's failed ops. Times are receive times, ms since the epoch. */
export interface Tally {
  count: number;
  first: number;
  last: number;
  /** Counts by minute (index: ms / 60 000), for the last minutes only. */
  minutes: Map<number, number>;
  /** Counts by hour (ms / 3 600 000), for the last HOURLY_DAYS days. */
  hours: Map<number, number>;
  /** Counts by day (ms / 86 400 000), for the days before those, back to DAILY_DAYS. */
  days: Map<number, number>;
  names: Record<Breakdown, Map<string, number>>;
  /** The newest ops, oldest first. */
  samples: Position[];
}

/** An empty tally. */
export function newTally(): Tally {
  return {
    count: 0,
    first: Number.POSITIVE_INFINITY,
    last: Number.NEGATIVE_INFINITY,
    minutes: new Map(),
    hours: new Map(),
    days: new Map(),
    names: { endpoints: new Map(), sources: new Map(), staffers: new Map(), roles: new Map() },
    samples: [],
  };
}

/** Counts one failed op received at `at`, stored at `position`. */
export function countOp(t: Tally, op: ObservedOp, position: Position, at: number): void {
  t.count++;
  t.first = Math.min(t.first, at);
  t.last = Math.max(t.last, at);
  bump(t.minutes, Math.floor(at / MINUTE_MS));
  bump(t.hours, Math.floor(at / HOUR_MS));
  bumpName(t.names.endpoints, op.endpoint);
  bumpName(t.names.sources, op.source);
  if (op.staffer_id !== undefined) bumpName(t.names.staffers, op.staffer_id);
  if (op.role !== undefined) bumpName(t.names.roles, op.role);
  addSample(t, { key: position.key, line: position.line });
}

/** Adds `from` into `into`: an issue merged into another brings its history along. */
export function addTally(into: Tally, from: Tally): void {
  into.count += from.count;
  into.first = Math.min(into.first, from.first);
  into.last = Math.max(into.last, from.last);
  for (const [field, map] of [
    ['minutes', from.minutes],
    ['hours', from.hours],
    ['days', from.days],
  ] as const) {
    for (const [k, n] of map) bump(into[field], k, n);
  }
  for (const b of BREAKDOWNS)
    for (const [name, n] of from.names[b]) bumpName(into.names[b], name, n);
  for (const s of from.samples) addSample(into, s);
}

/** A copy of a tally that shares nothing with it. */
export function copyTally(t: Tally): Tally {
  const out = newTally();
  addTally(out, t);
  return out;
}

/**
 * Forgets what is too old to keep: minutes older than `minutesKept`, hours
 * older than HOURLY_DAYS (added to their day), days older than DAILY_DAYS.
 */
export function pruneTally(t: Tally, now: number, minutesKept: number): void {
  const minute = Math.floor(now / MINUTE_MS) - minutesKept;
  for (const m of t.minutes.keys()) if (m < minute) t.minutes.delete(m);
  const hour = Math.floor((now - HOURLY_DAYS * DAY_MS) / HOUR_MS);
  for (const [h, n] of t.hours) {
    if (h >= hour) continue;
    t.hours.delete(h);
    bump(t.days, Math.floor((h * HOUR_MS) / DAY_MS), n);
  }
  const day = Math.floor(now / DAY_MS) - DAILY_DAYS;
  for (const d of t.days.keys()) if (d < day) t.days.delete(d);
}

/** Failures received in the minutes `[fromMinute, toMinute]`, by the minute counts. */
export function minutesSum(t: Tally, fromMinute: number, toMinute: number): number {
  let sum = 0;
  for (const [m, n] of t.minutes) if (m >= fromMinute && m <= toMinute) sum += n;
  return sum;
}

/** Failures received in the hours `[fromHour, toHour]`, by the hour counts. */
export function hoursSum(t: Tally, fromHour: number, toHour: number): number {
  let sum = 0;
  for (const [h, n] of t.hours) if (h >= fromHour && h <= toHour) sum += n;
  return sum;
}

/** A breakdown's names, most failures first (ties by name), OTHER last. */
export function topNames(names: Map<string, number>, limit = MAX_NAMES): [string, number][] {
  return [...names]
    .sort(([a, m], [b, n]) =>
      a === OTHER ? 1 : b === OTHER ? -1 : n - m || (a < b ? -1 : a > b ? 1 : 0),
    )
    .slice(0, limit);
}

function bump(map: Map<number, number>, key: number, n = 1): void {
  map.set(key, (map.get(key) ?? 0) + n);
}

function bumpName(map: Map<string, number>, name: string, n = 1): void {
  const real = map.size - (map.has(OTHER) ? 1 : 0);
  const key = map.has(name) || real < MAX_NAMES ? name : OTHER;
  map.set(key, (map.get(key) ?? 0) + n);
}

function addSample(t: Tally, s: Position): void {
  if (t.samples.some((x) => compareEntries(x, s) === 0)) return;
  t.samples.push(s);
  t.samples.sort(compareEntries);
  if (t.samples.length > MAX_SAMPLES) t.samples.splice(0, t.samples.length - MAX_SAMPLES);
}

/** Counts by consecutive index, `[first index, [count, count, …]]`: dense, so short. */
const run = z.tuple([z.number().int(), z.array(z.number().int().nonnegative())]);
const pairs = run.nullable();
const namePairs = z.array(z.tuple([z.string(), z.number().int().nonnegative()]));

/** A tally as an issue state document stores it. */
export const StoredTallySchema = z.object({
  count: z.number().int().nonnegative(),
  first: z.number(),
  last: z.number(),
  minutes: pairs,
  hours: pairs,
  days: pairs,
  endpoints: namePairs,
  sources: namePairs,
  staffers: namePairs,
  roles: namePairs,
  samples: z.array(z.tuple([z.string(), z.number().int().nonnegative()])),
});
export type StoredTally = z.infer<typeof StoredTallySchema>;

/** A tally as stored. */
export function encodeTally(t: Tally): StoredTally {
  return {
    count: t.count,
    first: t.count === 0 ? 0 : t.first,
    last: t.count === 0 ? 0 : t.last,
    minutes: runOf(t.minutes),
    hours: runOf(t.hours),
    days: runOf(t.days),
    endpoints: [...t.names.endpoints],
    sources: [...t.names.sources],
    staffers: [...t.names.staffers],
    roles: [...t.names.roles],
    samples: t.samples.map((s) => [s.key, s.line]),
  };
}

/** A stored tally, as a fresh one. */
export function decodeTally(s: StoredTally): Tally {
  const empty = s.count === 0;
  return {
    count: s.count,
    first: empty ? Number.POSITIVE_INFINITY : s.first,
    last: empty ? Number.NEGATIVE_INFINITY : s.last,
    minutes: mapOf(s.minutes),
    hours: mapOf(s.hours),
    days: mapOf(s.days),
    names: {
      endpoints: new Map(s.endpoints),
      sources: new Map(s.sources),
      staffers: new Map(s.staffers),
      roles: new Map(s.roles),
    },
    samples: s.samples.map(([key, line]) => ({ key, line })),
  };
}

/** Counts by index as one run from the lowest index to the highest (null for none). */
function runOf(map: Map<number, number>): [number, number[]] | null {
  if (map.size === 0) return null;
  const keys = [...map.keys()];
  const first = Math.min(...keys);
  const last = Math.max(...keys);
  return [first, Array.from({ length: last - first + 1 }, (_, i) => map.get(first + i) ?? 0)];
}

function mapOf(run: [number, number[]] | null): Map<number, number> {
  const map = new Map<number, number>();
  run?.[1].forEach((n, i) => {
    if (n > 0) map.set(run[0] + i, n);
  });
  return map;
}

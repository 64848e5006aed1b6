import { createHash, randomBytes } from 'node:crypto';

/**
 * The segment key layout, relative to the configured prefix:
 * `ops/YYYY/MM/DD/HH/YYYYMMDDTHHmmssSSSZ-<unique>.jsonl`, stamped with the
 * server's receive time (UTC), so lexical key order is time order across
 * hour partitions. A compacted hour is held by objects in the same
 * partition, each stamped with the hour's last millisecond so that it sorts
 * after every segment of its hour and before every segment of the next:
 * parts, each holding the segments of one key range of the hour and named
 * after the range's first millisecond
 * (`ops/YYYY/MM/DD/HH/YYYYMMDDTHH5959999Z-part-YYYYMMDDTHHmmssSSSZ.jsonl.gz`),
 * or, as earlier versions wrote it, one object for the whole hour
 * (`ops/YYYY/MM/DD/HH/YYYYMMDDTHH5959999Z-compacted.jsonl.gz`).
 */
export const OPS_ROOT = 'ops/';

/** One hour in milliseconds. */
export const HOUR_MS = 3_600_000;
const COMPACTED_SUFFIX = '-compacted.jsonl.gz';
const STAMP = '(\\d{4})(\\d{2})(\\d{2})T(\\d{2})(\\d{2})(\\d{2})(\\d{3})Z';
const HOUR_FOLDER = 'ops\\/\\d{4}\\/\\d{2}\\/\\d{2}\\/\\d{2}\\/';
const KEY_PATTERN = new RegExp(
  `^${HOUR_FOLDER}${STAMP}-(?:[0-9a-z]+\\.jsonl|compacted\\.jsonl\\.gz|part-\\d{8}T\\d{9}Z\\.jsonl\\.gz)$`,
);
const PART_PATTERN = new RegExp(`^${HOUR_FOLDER}\\d{8}T\\d{9}Z-part-${STAMP}\\.jsonl\\.gz$`);
const FLOOR_PATTERN = new RegExp(`^${HOUR_FOLDER}${STAMP}$`);
const PARTITION_PATTERN = /^ops\/(\d{4})\/(\d{2})\/(\d{2})\/(\d{2})\/$/;

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** `YYYYMMDDTHHmmssSSSZ` for a UTC instant. */
export function stamp(at: Date): string {
  return (
    `${pad(at.getUTCFullYear(), 4)}${pad(at.getUTCMonth() + 1)}${pad(at.getUTCDate())}` +
    `T${pad(at.getUTCHours())}${pad(at.getUTCMinutes())}${pad(at.getUTCSeconds())}` +
    `${pad(at.getUTCMilliseconds(), 3)}Z`
  );
}

/** `YYYY/MM/DD/HH` of a UTC instant: the date path of every hourly key. */
function hourPath(at: Date): string {
  return `${pad(at.getUTCFullYear(), 4)}/${pad(at.getUTCMonth() + 1)}/${pad(at.getUTCDate())}/${pad(at.getUTCHours())}`;
}

/** The hour partition an instant falls in: `ops/YYYY/MM/DD/HH/`. */
export function hourPartition(at: Date): string {
  return `${OPS_ROOT}${hourPath(at)}/`;
}

/** The key of a segment received at `at`. */
export function segmentKey(at: Date, unique: string): string {
  return `${hourPartition(at)}${stamp(at)}-${unique}.jsonl`;
}

/**
 * A listing bound: every key stamped at or after `ms` sorts after it, every
 * key stamped earlier sorts before it. Used as S3 `StartAfter`.
 */
export function keyFloor(ms: number): string {
  const at = new Date(ms);
  return `${hourPartition(at)}${stamp(at)}`;
}

/** The receive time encoded in a segment key, or undefined for a key of another shape. */
export function keyTime(key: string): number | undefined {
  return stampedTime(KEY_PATTERN.exec(key));
}

/** The instant a listing bound made by `keyFloor` stands for, or undefined for another string. */
export function floorTime(floor: string): number | undefined {
  return stampedTime(FLOOR_PATTERN.exec(floor));
}

function stampedTime(m: RegExpExecArray | null): number | undefined {
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, ms] = m.map(Number) as number[];
  return Date.UTC(y ?? 0, (mo ?? 1) - 1, d ?? 1, h ?? 0, mi ?? 0, s ?? 0, ms ?? 0);
}

/** True when the key has the segment layout (a per-op segment or a compacted hour). */
export function isSegmentKey(key: string): boolean {
  return KEY_PATTERN.test(key);
}

/** True for the key of a compacted object: a part of an hour, or a whole hour as earlier versions wrote it. */
export function isCompactedKey(key: string): boolean {
  return (key.endsWith(COMPACTED_SUFFIX) && KEY_PATTERN.test(key)) || PART_PATTERN.test(key);
}

/**
 * The key of an hour partition's compacted object as earlier versions
 * wrote it, one for the whole hour: stamped with the hour's last
 * millisecond, so it sorts after every segment of its hour and before
 * every segment of the next one.
 */
export function compactedKey(partition: string): string {
  return `${compactedFloor(partition)}${COMPACTED_SUFFIX}`;
}

/**
 * The key of the part of an hour partition that holds the segments
 * stamped from `fromMs` (within the hour) up to the next part's start:
 * stamped with the hour's last millisecond like a whole compacted hour,
 * then named after `fromMs`, so the parts of an hour sort in key order
 * after all of its segments.
 */
export function partKey(partition: string, fromMs: number): string {
  const start = partitionStart(partition);
  if (start === undefined || fromMs < start || fromMs >= start + HOUR_MS) {
    throw new RangeError(`not a time within ${partition}: ${fromMs}`);
  }
  return `${compactedFloor(partition)}-part-${stamp(new Date(fromMs))}.jsonl.gz`;
}

/**
 * Where the compacted objects of an hour partition begin, as a listing
 * bound: every compacted object of the hour sorts after it (and only the
 * segments stamped at the hour's last millisecond besides).
 */
export function compactedFloor(partition: string): string {
  const start = partitionStart(partition);
  if (start === undefined) throw new RangeError(`not an hour partition: ${partition}`);
  return `${partition}${stamp(new Date(start + HOUR_MS - 1))}`;
}

/**
 * The first millisecond of the key range a compacted object holds: a
 * part's own start, the hour's start for a whole compacted hour; undefined
 * for any other key.
 */
export function compactedFrom(key: string): number | undefined {
  const part = stampedTime(PART_PATTERN.exec(key));
  if (part !== undefined) return part;
  return isCompactedKey(key) ? partitionStart(partitionOf(key)) : undefined;
}

/** The hour partition a segment key lies in: everything up to its last `/`. */
export function partitionOf(key: string): string {
  return key.slice(0, key.lastIndexOf('/') + 1);
}

/** When an hour partition (`ops/YYYY/MM/DD/HH/`) begins, or undefined for another shape. */
export function partitionStart(partition: string): number | undefined {
  const m = PARTITION_PATTERN.exec(partition);
  if (!m) return undefined;
  const [, y, mo, d, h] = m.map(Number) as number[];
  return Date.UTC(y ?? 0, (mo ?? 1) - 1, d ?? 1, h ?? 0);
}

/** The hour partition `hours` hours after `partition` (before it, for a negative number). */
export function partitionAfter(partition: string, hours: number): string {
  const start = partitionStart(partition);
  if (start === undefined) throw new RangeError(`not an hour partition: ${partition}`);
  return hourPartition(new Date(start + hours * HOUR_MS));
}

/** The hour partition before `partition` (`ops/YYYY/MM/DD/HH/`). */
export function previousPartition(partition: string): string {
  return partitionAfter(partition, -1);
}

/** The hour partitions from the one holding `fromMs` back through `hours` earlier ones, newest first. */
export function hourPartitionsBack(fromMs: number, hours: number): string[] {
  const out: string[] = [];
  for (let i = 0; i <= hours; i++) out.push(hourPartition(new Date(fromMs - i * HOUR_MS)));
  return out;
}

/**
 * Unique suffixes for one container: a random container id, then a sequence
 * number, so keys written in the same millisecond by one container keep
 * their order and never clash with another container's.
 */
export function uniqueSuffixes(containerId = randomBytes(5).toString('hex')): () => string {
  let seq = 0;
  return () => `${containerId}${(seq++).toString(36).padStart(6, '0')}`;
}

/**
 * `lake/retries/YYYY/MM/DD/HH.json`: the copies compaction dropped from an
 * hour partition compacted whole (as earlier versions did) as retries (id,
 * segment key, line), kept outside `ops/` so the Athena table never reads
 * them, and so readers still know that those copies were stored.
 */
export function retriesKey(partition: string): string {
  const start = partitionStart(partition);
  if (start === undefined) throw new RangeError(`not an hour partition: ${partition}`);
  return `lake/retries/${hourPath(new Date(start))}.json`;
}

/**
 * Where the copies dropped from a compacted object are recorded: a part's
 * own document, `lake/retries/YYYY/MM/DD/HH/<the part's first stamp>.json`,
 * or the hour's (`retriesKey`) for a whole compacted hour.
 */
export function droppedKeyOf(compacted: string): string {
  const partition = partitionOf(compacted);
  const from = stampedTime(PART_PATTERN.exec(compacted));
  if (from === undefined) return retriesKey(partition);
  return `lake/retries/${hourPath(new Date(from))}/${stamp(new Date(from))}.json`;
}

/** The ring checkpoint: the last ≤ cap ops and the listing they run up to. */
export const CHECKPOINT_KEY = 'ring/checkpoint.json';

/** Where the copies of op ids beside checkpoints are kept, one document per listing. */
export const COPIES_ROOT = 'ring/copies/';

/**
 * `ring/copies/<listing time>-<unique>.json`: the copies of op ids the
 * checkpoints that name it rely on (besides their own recent ones), written
 * before any of them, and never overwritten: each is named afresh.
 */
export function copiesKey(listedAt: number, unique: string): string {
  return `${COPIES_ROOT}${stamp(new Date(listedAt))}-${unique}.json`;
}

/** The newest stats snapshot. */
export const LATEST_STATS_KEY = 'stats/latest.json';

/** `stats/YYYY/MM/DD/HH/mm.json`: the snapshot of one minute. */
export function statsMinuteKey(at: Date): string {
  return `stats/${hourPath(at)}/${pad(at.getUTCMinutes())}.json`;
}

/** `stats/hourly/YYYY/MM/DD/HH.json`: every snapshot of one hour, for the history route. */
export function statsHourKey(at: Date): string {
  return `stats/hourly/${hourPath(at)}.json`;
}

/** `ids/<sha256 of the id>.json`: the marker that claims an op id for one segment. */
export function idMarkerKey(id: string): string {
  return `ids/${createHash('sha256').update(id).digest('hex')}.json`;
}

/** Where correction files are dropped (`inbox/<file>.jsonl`) for the inbox function. */
export const INBOX_ROOT = 'inbox/';
const INBOX_DONE = `${INBOX_ROOT}done/`;
const INBOX_REPORTS = `${INBOX_ROOT}reports/`;

/**
 * The file name (its key below `inbox/`) of a dropped correction file, or
 * undefined for any other key: ingested copies and reports are not ones.
 */
export function inboxFile(key: string): string | undefined {
  if (!key.startsWith(INBOX_ROOT) || key.endsWith('/')) return undefined;
  if (key.startsWith(INBOX_DONE) || key.startsWith(INBOX_REPORTS)) return undefined;
  return key.slice(INBOX_ROOT.length);
}

/** `inbox/done/<file>`: where an ingested file is moved. */
export function inboxDoneKey(file: string): string {
  return `${INBOX_DONE}${file}`;
}

/** `inbox/reports/<file>.json`: what ingesting a file recorded and which lines it refused. */
export function inboxReportKey(file: string): string {
  return `${INBOX_REPORTS}${file}.json`;
}

/** `escalations/claims/<cluster id>.json`: who escalates a failure cluster, and how it went. */
export function escalationClaimKey(clusterId: string): string {
  return `escalations/claims/${clusterId}.json`;
}

/** `escalations/YYYY/MM/`: the escalation records of the month an instant falls in. */
export function escalationMonthPrefix(at: Date): string {
  return `escalations/${pad(at.getUTCFullYear(), 4)}/${pad(at.getUTCMonth() + 1)}/`;
}

/**
 * `escalations/YYYY/MM/DD/<stamp>-<cluster id>-r<round>.json`: the record of
 * one delivery round, stamped with the time it was claimed, so a listing
 * sorts records by that time.
 */
export function escalationRecordKey(claimedAt: Date, clusterId: string, round: number): string {
  const day = hourPath(claimedAt).slice(0, 10);
  return `escalations/${day}/${stamp(claimedAt)}-${clusterId}-r${round}.json`;
}

/** `span-errors/<trace id>/`: what error logs said about the spans of one trace (run). */
export function spanErrorsPrefix(traceId: string): string {
  return `span-errors/${traceId}/`;
}

/** `span-errors/<trace id>/<stamp>-<random>.json`: the span errors of one logs request. */
export function spanErrorsKey(traceId: string, at: Date): string {
  return `${spanErrorsPrefix(traceId)}${stamp(at)}-${randomBytes(6).toString('hex')}.json`;
}

/** The stored playbooks, rewritten by each snapshot. */
export const PLAYBOOKS_KEY = 'playbooks/latest.json';

/** The issues folded from the log: one gzip JSON document, written by one folder at a time (If-Match). */
export const ISSUES_STATE_KEY = 'issues/state.json.gz';

/** What people decided about issues (statuses, merges), written by the issue routes (If-Match). */
export const ISSUES_RULES_KEY = 'issues/rules.json';

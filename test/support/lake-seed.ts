import { seededRandom } from '../../dev/random';
import { type ObservedOp, parseOp } from '../../lib/domain/op';
import { compactHours, compactPartition } from '../../lib/lake/compaction';
import { collect } from '../../lib/platform/concurrency';
import {
  HOUR_MS,
  hourPartition,
  isCompactedKey,
  OPS_ROOT,
  partitionOf,
  segmentKey,
} from '../../lib/storage/keys';
import { encodeSegment } from '../../lib/storage/segment-codec';
import type { SegmentStore } from '../../lib/storage/store';

const ENDPOINTS = [
  'tools/call/search',
  'tools/call/read_file',
  'tools/call/write_file',
  'tools/call/run_tests',
  'tools/call/deploy',
];
/** How often each endpoint fails, in the same order. */
const FAILURE_RATES = [0.05, 0.1, 0.2, 0.35, 0.5];
const SOURCES = ['mcp', 'scenario', 'langfuse', 'overseer_correction'];

/**
 * Hours before now that hold ops. Every one is at least 4 hours from the
 * saved queries' cut-offs (24 h, 7 days, 30 days), so a query run a few
 * minutes after seeding sees the same hours as a recount.
 */
export const SEEDED_HOURS_BACK = [0, 1, 3, 6, 12, 20, 30, 50, 100, 200, 400, 900];

/** Hours compacted by compactPartition on top of what compactHours does (3 and 6 hours back). */
const COMPACTED_HOURS_BACK = [30, 200, 900];

/** One op a client could send: its timestamp written as clients do (UTC, offsets, lower case, absent). */
function clientOp(random: () => number, at: number): Record<string, unknown> {
  const e = Math.floor(random() * ENDPOINTS.length);
  const sent = new Date(at - Math.floor(random() * 5_000));
  const forms = [
    () => undefined,
    () => sent.toISOString(),
    () => sent.toISOString().replace('Z', '+00:00'),
    () => new Date(sent.getTime() + 2 * HOUR_MS).toISOString().replace('Z', '+02:00'),
    () => new Date(sent.getTime() - 330 * 60_000).toISOString().replace(/\.\d+Z$/, '-05:30'),
    () => sent.toISOString().replace('T', 't').replace('Z', 'z'),
    () => sent.toISOString().replace(/\.(\d)\d\dZ$/, '.$1Z'),
  ];
  const form = forms[Math.floor(random() * forms.length)] as () => string | undefined;
  return {
    endpoint: ENDPOINTS[e],
    success: random() >= (FAILURE_RATES[e] ?? 0),
    timestamp: form(),
    source: SOURCES[Math.floor(random() * SOURCES.length)],
    ...(random() < 0.8 ? { staffer_id: `w-${Math.floor(random() * 8)}` } : {}),
    ...(random() < 0.85
      ? { duration_ms: Math.round((20 + random() * 400 * (e + 1)) * 10) / 10 }
      : {}),
    ...(random() < 0.3
      ? { event_kind: 'fill', input_summary: `call ${Math.floor(random() * 100)}` }
      : {}),
  };
}

/**
 * Stores realistic ops over SEEDED_HOURS_BACK: 8 to 30 ops an hour, 1 to 3
 * ops a segment, each op parsed as the ingest route parses it; then
 * compacts some of the hours, as the `compact` function would. Returns the
 * ops in the order they were stored.
 */
export async function seedLake(
  store: SegmentStore,
  now: number,
  seed = 20_261_124,
): Promise<ObservedOp[]> {
  const random = seededRandom(seed);
  const stored: ObservedOp[] = [];
  for (const back of SEEDED_HOURS_BACK) {
    const count = 8 + Math.floor(random() * 23);
    let i = 0;
    while (i < count) {
      const at = now - back * HOUR_MS - i * 61_000;
      const batch: ObservedOp[] = [];
      for (let n = 1 + Math.floor(random() * 3); n > 0 && i < count; n--, i++) {
        const parsed = parseOp(clientOp(random, at), new Date(at));
        if (!parsed.ok) throw new Error(`seed op refused: ${JSON.stringify(parsed)}`);
        batch.push(parsed.op);
      }
      await store.append(batch, new Date(at));
      stored.push(...batch);
    }
  }
  // A segment with a damaged second line (as a torn write could leave): the lake skips that line.
  const at = new Date(now - 12 * HOUR_MS + 7_000);
  const whole = parseOp({ endpoint: 'tools/call/search', success: false, staffer_id: 'w-9' }, at);
  if (!whole.ok) throw new Error('seed op refused');
  const damaged = `${encodeSegment([whole.op])}{"endpoint":"tools/call/sea\n`;
  await store.putObject(segmentKey(at, 'damaged000000'), Buffer.from(damaged), null);
  stored.push(whole.op);
  // In parts of at most 3 segments: most compacted hours are held by several objects.
  await compactHours(store, { now, afterHours: 2, lookbackHours: 8, partSegments: 3 });
  for (const back of COMPACTED_HOURS_BACK) {
    await compactPartition(store, hourPartition(new Date(now - back * HOUR_MS)), {
      partSegments: 3,
    });
  }
  return stored;
}

/** One row of the Glue table, as a recount sees it: the op and the hour partition of its object. */
export interface LakeRow {
  dt: string;
  op: ObservedOp;
}

/** Every op the store holds under ops/, read back with the store's own codecs, and where it lies. */
export async function storedRows(
  store: SegmentStore,
): Promise<{ rows: LakeRow[]; compacted: number; compactedHours: number }> {
  const keys = await collect(store.list(OPS_ROOT));
  const rows: LakeRow[] = [];
  for (const key of keys) {
    const dt = partitionOf(key).slice(OPS_ROOT.length, -1);
    for (const entry of (await store.read(key)) ?? []) rows.push({ dt, op: entry.op });
  }
  const compacted = keys.filter(isCompactedKey);
  return {
    rows,
    compacted: compacted.length,
    compactedHours: new Set(compacted.map(partitionOf)).size,
  };
}

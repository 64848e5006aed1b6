// `npm run demo:compaction`: a compaction run on a local bucket, shown end to end.
// Seeds a local S3 (s3rver, in a temporary folder) with ops over the last hours
// and a checkpoint written hours ago, then prints the objects, the ops and what
// a cold start costs before and after compacting the closed hours. Exits 1 if
// compaction lost or doubled an op, or changed what a cold start answers.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { spawnLocalS3 } from '../dev/local-s3';
import { countRequests, localS3Client } from '../dev/s3-tools';
import type { ObservedOp } from '../lib/domain/op';
import { compactHours } from '../lib/lake/compaction';
import { mapLimit } from '../lib/platform/concurrency';
import { Observer } from '../lib/ring/observer';
import type { Stats } from '../lib/ring/ring';
import { writeSnapshot } from '../lib/stats/writer';
import { HOUR_MS, isCompactedKey, OPS_ROOT } from '../lib/storage/keys';
import { S3SegmentStore } from '../lib/storage/s3-store';
import { storeView } from '../lib/storage/store';

const BUCKET = 'observer-demo';
const CLOSED_HOURS = 6;
const OPS_PER_HOUR = 60;
const OPS_THIS_HOUR = 25;
const OPTIONS = { cap: 2000, skewMs: 15_000, coldStartHours: 168 };

const now = Date.now();
const thisHour = Math.floor(now / HOUR_MS) * HOUR_MS;

function op(i: number, at: number): ObservedOp {
  return {
    endpoint: `tools/call/${['search', 'read_file', 'write_file', 'run_tests'][i % 4]}`,
    success: i % 7 !== 0,
    source: i % 3 === 0 ? 'scenario' : 'mcp',
    timestamp: new Date(at).toISOString(),
    staffer_id: `w-${i % 12}`,
    duration_ms: 40 + (i % 200),
  };
}

/** Ops received over the closed hours and this one, and a checkpoint taken 3.5 h before this hour. */
async function seedHistory(store: S3SegmentStore): Promise<number[]> {
  const arrivals: number[] = [];
  for (let h = CLOSED_HOURS; h >= 1; h--) {
    for (let i = 0; i < OPS_PER_HOUR; i++) arrivals.push(thisHour - h * HOUR_MS + i * 59_000);
  }
  for (let i = 0; i < OPS_THIS_HOUR; i++) {
    arrivals.push(thisHour + Math.floor(((now - thisHour) * i) / OPS_THIS_HOUR));
  }
  const checkpointAt = thisHour - 4 * HOUR_MS + 30 * 60_000;
  const early = arrivals.filter((t) => t < checkpointAt);
  await mapLimit(early, 16, (t, i) => store.append([op(i, t)], new Date(t)));
  await writeSnapshot(new Observer(store, { ...OPTIONS, now: () => checkpointAt }));
  await mapLimit(arrivals.slice(early.length), 16, (t, i) =>
    store.append([op(early.length + i, t)], new Date(t)),
  );
  return arrivals;
}

type Look = Awaited<ReturnType<typeof look>>;

/** The before/after table. */
function printComparison(before: Look, after: Look): void {
  const row = (name: string, b: string | number, a: string | number) =>
    process.stdout.write(`${name.padEnd(54)}${String(b).padStart(10)}${String(a).padStart(10)}\n`);
  const rows: [string, (l: Look) => string | number][] = [
    ['objects under ops/', (l) => l.objects],
    ['  segments (.jsonl)', (l) => l.segments],
    ['  compacted hours (.jsonl.gz)', (l) => l.compacted],
    ['bytes under ops/', (l) => l.bytes],
    ['ops stored (distinct origin key and line)', (l) => l.ops],
    ['ops stored (lines in all objects)', (l) => l.lines],
    ['cold start by listing: ops in the ring', (l) => l.listing.stats.total],
    ['cold start by listing: S3 requests', (l) => l.listing.requests],
    ['  of which GetObject', (l) => l.listing.gets],
    ['  of which ListObjectsV2', (l) => l.listing.lists],
    ['cold start from the old checkpoint: ops in the ring', (l) => l.checkpoint.stats.total],
    ['cold start from the old checkpoint: S3 requests', (l) => l.checkpoint.requests],
    ['  of which GetObject', (l) => l.checkpoint.gets],
  ];
  row('', 'before', 'after');
  for (const [name, value] of rows) row(name, value(before), value(after));
}

/** What must hold after compaction; prints each check, false when one failed. */
function checked(before: Look, after: Look, stored: number): boolean {
  const checks = {
    'same ops stored': before.ops === after.ops && before.ops === stored,
    'each op stored once after compaction': after.lines === after.ops,
    'same stats, cold start by listing': isDeepStrictEqual(
      before.listing.stats,
      after.listing.stats,
    ),
    'same stats, cold start from the checkpoint': isDeepStrictEqual(
      before.checkpoint.stats,
      after.checkpoint.stats,
    ),
    'both cold starts agree': isDeepStrictEqual(after.listing.stats, after.checkpoint.stats),
  };
  process.stdout.write('\n');
  for (const [name, ok] of Object.entries(checks)) {
    process.stdout.write(`${ok ? 'ok  ' : 'FAIL'} ${name}\n`);
  }
  return Object.values(checks).every(Boolean);
}

async function main(): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'observer-demo-'));
  const s3 = await spawnLocalS3({ directory, bucket: BUCKET });
  const client = localS3Client(s3.endpoint);
  const store = new S3SegmentStore(client, BUCKET);
  try {
    const arrivals = await seedHistory(store);
    const before = await look(store, s3.endpoint);
    const summary = await compactHours(store, { now, afterHours: 2, lookbackHours: 48 });
    const after = await look(store, s3.endpoint);
    process.stdout.write(
      `\n${CLOSED_HOURS} closed hours x ${OPS_PER_HOUR} ops + ${OPS_THIS_HOUR} ops this hour, ` +
        `one segment per op; checkpoint written 3.5 h before the hour began\n` +
        `compaction of the hours closed >= 2 h ago: ${JSON.stringify(summary)}\n\n`,
    );
    printComparison(before, after);
    if (!checked(before, after, arrivals.length)) process.exitCode = 1;
  } finally {
    client.destroy();
    await s3.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

interface ColdStart {
  stats: Stats;
  requests: number;
  gets: number;
  lists: number;
}

/** What the bucket holds, and what cold starts (by listing, and from the checkpoint) cost. */
async function look(store: S3SegmentStore, endpoint: string) {
  const keys: string[] = [];
  for await (const page of store.list(OPS_ROOT)) keys.push(...page);
  const origins = new Set<string>();
  let lines = 0;
  let bytes = 0;
  await mapLimit(keys, 16, async (key) => {
    const size = (await store.getObject(key))?.body.length ?? 0;
    bytes += size;
    for (const e of (await store.read(key)) ?? []) {
      origins.add(`${e.key}#${e.line}`);
      lines++;
    }
  });
  return {
    objects: keys.length,
    segments: keys.filter((k) => !isCompactedKey(k)).length,
    compacted: keys.filter(isCompactedKey).length,
    bytes,
    ops: origins.size,
    lines,
    listing: await coldStart(endpoint, false),
    checkpoint: await coldStart(endpoint, true),
  };
}

async function coldStart(endpoint: string, useCheckpoint: boolean): Promise<ColdStart> {
  const client = localS3Client(endpoint);
  const counts = countRequests(client);
  const s = new S3SegmentStore(client, BUCKET);
  // Without a checkpoint: the same store, as if none had ever been written.
  const view = useCheckpoint ? s : storeView(s, { getDocument: async () => undefined });
  const { stats } = await new Observer(view, { ...OPTIONS, now: () => now }).stats();
  client.destroy();
  return {
    stats,
    requests: Object.values(counts).reduce((a, b) => a + b, 0),
    gets: counts.GetObjectCommand ?? 0,
    lists: counts.ListObjectsV2Command ?? 0,
  };
}

await main();

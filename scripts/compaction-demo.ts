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
import { compactHours } from '../lib/compaction';
import { mapLimit } from '../lib/concurrency';
import { isCompactedKey, OPS_ROOT } from '../lib/keys';
import { Observer } from '../lib/observer';
import type { ObservedOp } from '../lib/op';
import type { Stats } from '../lib/ring';
import { createS3Client } from '../lib/s3-client';
import { S3SegmentStore } from '../lib/s3-segment-store';
import { storeView } from '../lib/segment-store';
import { countRequests } from './s3-tools';

const BUCKET = 'observer-demo';
const HOUR = 3_600_000;
const CLOSED_HOURS = 6;
const OPS_PER_HOUR = 60;
const OPS_THIS_HOUR = 25;
const OPTIONS = { cap: 2000, skewMs: 15_000, coldStartHours: 168 };

const now = Date.now();
const thisHour = Math.floor(now / HOUR) * HOUR;

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

async function main(): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'observer-demo-'));
  const s3 = await spawnLocalS3({ directory, bucket: BUCKET });
  const config = {
    s3Endpoint: s3.endpoint,
    s3Credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    region: 'us-east-1',
  };
  const client = createS3Client(config);
  const store = new S3SegmentStore(client, BUCKET);
  try {
    // Ops received over the six closed hours before this one, and this hour so far.
    const arrivals: number[] = [];
    for (let h = CLOSED_HOURS; h >= 1; h--) {
      for (let i = 0; i < OPS_PER_HOUR; i++) arrivals.push(thisHour - h * HOUR + i * 59_000);
    }
    for (let i = 0; i < OPS_THIS_HOUR; i++) {
      arrivals.push(thisHour + Math.floor(((now - thisHour) * i) / OPS_THIS_HOUR));
    }
    // A checkpoint from four hours ago, over the ops received until then.
    const checkpointAt = thisHour - 4 * HOUR + 30 * 60_000;
    const early = arrivals.filter((t) => t < checkpointAt);
    await mapLimit(early, 16, (t, i) => store.append([op(i, t)], new Date(t)));
    await new Observer(store, { ...OPTIONS, now: () => checkpointAt }).snapshot();
    await mapLimit(arrivals.slice(early.length), 16, (t, i) =>
      store.append([op(early.length + i, t)], new Date(t)),
    );

    const before = await look(store, config);
    const summary = await compactHours(store, {
      now,
      afterHours: 2,
      lookbackHours: 48,
    });
    const after = await look(store, config);

    const row = (name: string, b: string | number, a: string | number) =>
      process.stdout.write(
        `${name.padEnd(54)}${String(b).padStart(10)}${String(a).padStart(10)}\n`,
      );
    process.stdout.write(
      `\n${CLOSED_HOURS} closed hours x ${OPS_PER_HOUR} ops + ${OPS_THIS_HOUR} ops this hour, ` +
        `one segment per op; checkpoint written 3.5 h before the hour began\n`,
    );
    process.stdout.write(
      `compaction of the hours closed >= 2 h ago: ${JSON.stringify(summary)}\n\n`,
    );
    row('', 'before', 'after');
    row('objects under ops/', before.objects, after.objects);
    row('  segments (.jsonl)', before.segments, after.segments);
    row('  compacted hours (.jsonl.gz)', before.compacted, after.compacted);
    row('bytes under ops/', before.bytes, after.bytes);
    row('ops stored (distinct origin key and line)', before.ops, after.ops);
    row('ops stored (lines in all objects)', before.lines, after.lines);
    row(
      'cold start by listing: ops in the ring',
      before.listing.stats.total,
      after.listing.stats.total,
    );
    row('cold start by listing: S3 requests', before.listing.requests, after.listing.requests);
    row('  of which GetObject', before.listing.gets, after.listing.gets);
    row('  of which ListObjectsV2', before.listing.lists, after.listing.lists);
    row(
      'cold start from the old checkpoint: ops in the ring',
      before.checkpoint.stats.total,
      after.checkpoint.stats.total,
    );
    row(
      'cold start from the old checkpoint: S3 requests',
      before.checkpoint.requests,
      after.checkpoint.requests,
    );
    row('  of which GetObject', before.checkpoint.gets, after.checkpoint.gets);

    const checks = {
      'same ops stored': before.ops === after.ops && before.ops === arrivals.length,
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
    if (!Object.values(checks).every(Boolean)) process.exitCode = 1;
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
async function look(store: S3SegmentStore, config: Parameters<typeof createS3Client>[0]) {
  const keys: string[] = [];
  for await (const page of store.list(OPS_ROOT)) keys.push(...page);
  const origins = new Set<string>();
  let lines = 0;
  let bytes = 0;
  await mapLimit(keys, 16, async (key) => {
    const size = (await store.getObject(key))?.body.length ?? 0;
    bytes += size;
    for (const e of await store.read(key)) {
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
    listing: await coldStart(config, false),
    checkpoint: await coldStart(config, true),
  };
}

async function coldStart(
  config: Parameters<typeof createS3Client>[0],
  useCheckpoint: boolean,
): Promise<ColdStart> {
  const client = createS3Client(config);
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

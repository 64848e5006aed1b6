// The read path's cost, with the real ring, checkpoint, snapshot and
// compaction code over an in-memory bucket that counts the S3 requests each
// call stands for (dev/sim/counting-store.ts), in simulated time:
//
// (a) the first stats call of a container idle for an hour while ops kept
//     arriving at 10/s, against a cold start from a fresh checkpoint;
// (b) S3 requests per ingested op, by type, with 1, 4 and 16 warm readers
//     polling every 5 s, at 100 ops/s in single ops and in batches of 100,
//     over a simulated hour: writers, the snapshot function (its minute's
//     snapshot and its checkpoint every 2 s while ops arrive), the readers,
//     then the compaction of the hour.
import { performance } from 'node:perf_hooks';
import { MemorySegmentStore } from '../dev/memory-store';
import { countingStore, noRequests, priceOf, type RequestCounts } from '../dev/sim/counting-store';
import type { ObservedOp } from '../lib/domain/op';
import { IssueFolder } from '../lib/issues/fold';
import { compactPartition } from '../lib/lake/compaction';
import { ESCALATION_LIMITS } from '../lib/platform/limits';
import { Observer, type ObserverOptions } from '../lib/ring/observer';
import { keepCheckpointFresh, takeSnapshot } from '../lib/stats/writer';
import { HOUR_MS, hourPartition, uniqueSuffixes } from '../lib/storage/keys';
import { reusingSegmentReads } from '../lib/storage/segment-reuse';
import { type SegmentStore, storeView } from '../lib/storage/store';
import { READER_STALENESS_MS, round } from './figures';

const H0 = Date.UTC(2026, 11, 5, 9, 0, 0);
const BASE: Omit<ObserverOptions, 'now'> = { cap: 2000, skewMs: 15_000, coldStartHours: 168 };
const CHECKPOINT_INTERVAL_MS = 2000;
const POLL_MS = 5000;
/** What one S3 request takes in the timed calls of (a). */
const LATENCY_MS = 20;
/** Minutes of the simulated hour of (b): 60 unless shortened for a quick look. */
const MINUTES = Number(process.env.BENCH_READ_MINUTES ?? 60);

/** A simulated clock, shared by every actor of one run. */
class Clock {
  constructor(public now: number) {}
  readonly read = () => this.now;
}

/** The store `box` holds at each call: one container's store can be made slow for one call. */
function switchable(box: { store: SegmentStore }): SegmentStore {
  return new Proxy({} as SegmentStore, {
    get:
      (_target, method: keyof SegmentStore) =>
      (...args: unknown[]) =>
        (box.store[method] as (...a: unknown[]) => unknown)(...args),
  });
}

/** A reader as a stats container runs it: answers up to 5 s old. */
function readerOver(store: SegmentStore, clock: Clock): Observer {
  return new Observer(store, {
    ...BASE,
    maxStalenessMs: READER_STALENESS_MS.default,
    now: clock.read,
  });
}

function op(i: number, at: number): ObservedOp {
  return {
    endpoint: `tools/call/${['search', 'read_file', 'write_file', 'run_tests'][i % 4]}`,
    success: i % 7 !== 0,
    timestamp: new Date(at).toISOString(),
    source: i % 3 === 0 ? 'scenario' : 'mcp',
    staffer_id: `w-${i % 50}`,
    duration_ms: 40 + (i % 200),
    id: `op-${i}`,
  };
}

/** The requests made between two counts, by type and in all. */
function costOf(before: RequestCounts, after: RequestCounts) {
  const d = {
    PUT: after.PUT - before.PUT,
    GET: after.GET - before.GET,
    LIST: after.LIST - before.LIST,
    DELETE: after.DELETE - before.DELETE,
  };
  return { ...d, requests: d.PUT + d.GET + d.LIST + d.DELETE };
}

/** (a) A container idle for an hour at 10 ops/s: its first stats call, and a cold start from a fresh checkpoint. */
export async function idleHour(): Promise<Record<string, number>> {
  const bucket = new MemorySegmentStore(uniqueSuffixes('idle000000'));
  const counts = noRequests();
  const store = countingStore(bucket, counts);
  const clock = new Clock(H0);
  // The idle container's store turns slow (20 ms a request) for the call measured.
  const box = { store };
  const reader = readerOver(switchable(box), clock);
  const writer = new Observer(store, { ...BASE, now: clock.read });
  const ingest = new Observer(store, { ...BASE, now: clock.read });
  await reader.stats();
  // An hour at 10 ops/s; the snapshot function runs each minute, keeping the checkpoint fresh.
  let i = 0;
  for (let minute = 0; minute < 60; minute++) {
    await takeSnapshot(writer);
    const minuteEnd = clock.now + 60_000;
    await keepCheckpointFresh(writer, {
      intervalMs: CHECKPOINT_INTERVAL_MS,
      continueWhile: () => clock.now < minuteEnd - CHECKPOINT_INTERVAL_MS,
      sleep: async (ms) => {
        for (const end = clock.now + ms; clock.now < end; clock.now += 100) {
          await ingest.record([op(i, clock.now)], new Date(clock.now));
          i++;
        }
      },
    });
    clock.now = minuteEnd;
  }
  // The calls measured take 20 ms per request (real time, the code's own concurrency).
  const slow = countingStore(bucket, counts, LATENCY_MS);
  const measure = async (o: Observer) => {
    const before = { ...counts };
    const t0 = performance.now();
    const { stats } = await o.stats();
    if (stats.total !== BASE.cap) throw new Error(`the ring held ${stats.total} ops`);
    return { ms: performance.now() - t0, ...costOf(before, counts) };
  };
  clock.now += 1000;
  // One cold start first, unmeasured, so that neither figure pays for warming up the code.
  await readerOver(store, clock).stats();
  box.store = slow;
  const idle = await measure(reader);
  const cold = await measure(readerOver(slow, clock));
  // For the record: a container that finds no checkpoint (none, or an unreadable one).
  const hidden = storeView(slow, {
    getDocument: async (key) => (key.startsWith('ring/') ? undefined : slow.getDocument(key)),
    getIfChanged: async (key, etag) =>
      key.startsWith('ring/') ? undefined : slow.getIfChanged(key, etag),
  });
  const noCheckpoint = await measure(readerOver(hidden, clock));
  return {
    ops_during_idle_hour: i,
    idle_first_call_requests: idle.requests,
    idle_first_call_gets: idle.GET,
    idle_first_call_ms: round(idle.ms, 1),
    cold_start_checkpoint_requests: cold.requests,
    cold_start_checkpoint_ms: round(cold.ms, 1),
    without_checkpoint_requests: noCheckpoint.requests,
    without_checkpoint_ms: round(noCheckpoint.ms, 1),
  };
}

/** The issue fold the snapshot function runs beside the checkpoint, as deployed. */
function issueFolder(store: SegmentStore, clock: Clock): IssueFolder {
  return new IssueFolder(store, {
    skewMs: BASE.skewMs,
    thresholds: {
      minCount: ESCALATION_LIMITS.minCount.default,
      windowMinutes: ESCALATION_LIMITS.windowMinutes.default,
      growth: ESCALATION_LIMITS.growth.default,
    },
    now: clock.read,
  });
}

/** (b) One simulated hour with `readers` warm readers at 100 ops/s, in requests of `batch` ops. */
export async function readersHour(
  readers: number,
  batch: number,
  stalenessMs: number = READER_STALENESS_MS.default,
): Promise<Record<string, number>> {
  const bucket = new MemorySegmentStore(uniqueSuffixes('hour000000'));
  const counts = noRequests();
  const store = countingStore(bucket, counts);
  const clock = new Clock(H0);
  // The snapshot function's ring and fold share the segments the ring read, as deployed.
  const snapshotStore = reusingSegmentReads(store);
  const writer = new Observer(snapshotStore, { ...BASE, now: clock.read });
  const folder = issueFolder(snapshotStore, clock);
  const ingest = new Observer(store, { ...BASE, now: clock.read });
  const readersOf = Array.from(
    { length: readers },
    () => new Observer(store, { ...BASE, maxStalenessMs: stalenessMs, now: clock.read }),
  );
  const opsPerSecond = 100;
  const requestGap = (1000 * batch) / opsPerSecond;
  let ops = 0;
  let nextWrite = clock.now;
  const pollAt = readersOf.map((_, r) => clock.now + Math.floor((POLL_MS * r) / readers));
  // Everything due until `until`, in time order: writes and reader polls.
  const runUntil = async (until: number) => {
    for (;;) {
      const nextPoll = Math.min(...pollAt);
      const next = Math.min(nextWrite, nextPoll);
      if (next >= until) break;
      clock.now = next;
      if (next === nextWrite) {
        const at = new Date(clock.now);
        await ingest.record(
          Array.from({ length: batch }, (_, k) => op(ops + k, clock.now)),
          at,
        );
        ops += batch;
        nextWrite += requestGap;
      } else {
        const r = pollAt.indexOf(nextPoll);
        await (readersOf[r] as Observer).freshRing();
        pollAt[r] = nextPoll + POLL_MS;
      }
    }
    clock.now = until;
  };
  for (let minute = 0; minute < MINUTES; minute++) {
    const minuteEnd = H0 + (minute + 1) * 60_000;
    await takeSnapshot(writer, folder);
    await keepCheckpointFresh(writer, {
      intervalMs: CHECKPOINT_INTERVAL_MS,
      continueWhile: () => clock.now < minuteEnd - CHECKPOINT_INTERVAL_MS,
      sleep: (ms) => runUntil(clock.now + ms),
      folder,
    });
    await runUntil(minuteEnd);
  }
  const ingestHour = { ...counts };
  clock.now = H0 + 3 * HOUR_MS;
  const compacted = await compactPartition(store, hourPartition(new Date(H0)));
  if (compacted.status !== 'compacted')
    throw new Error(`the hour was not compacted: ${JSON.stringify(compacted)}`);
  const per = (n: number) => round(n / ops, 4);
  return {
    readers,
    batch,
    staleness_ms: stalenessMs,
    ops,
    puts_per_op: per(counts.PUT),
    gets_per_op: per(counts.GET),
    lists_per_op: per(counts.LIST),
    deletes_per_op: per(counts.DELETE),
    gets_per_op_before_compaction: per(ingestHour.GET),
    usd_per_million_ops: round((priceOf(counts) / ops) * 1e6, 3),
  };
}

/** Both figures, each (b) configuration after the other. */
export async function readPathBench(log: (line: string) => void): Promise<Record<string, unknown>> {
  log('read path (a): the first stats call after an idle hour at 10 ops/s ...');
  const idle = await idleHour();
  const hours: Record<string, number>[] = [];
  for (const batch of [1, 100]) {
    for (const readers of [1, 4, 16]) {
      log(`read path (b): ${readers} readers, batches of ${batch}, one simulated hour ...`);
      hours.push(await readersHour(readers, batch));
    }
  }
  // Batches with readers that answer up to a minute old: what their polls cost then.
  for (const readers of [1, 16]) {
    log(
      `read path (b): ${readers} readers up to ${READER_STALENESS_MS.relaxed / 1000} s old, batches of 100, one simulated hour ...`,
    );
    hours.push(await readersHour(readers, 100, READER_STALENESS_MS.relaxed));
  }
  return { idle_hour: idle, readers_hour: hours };
}

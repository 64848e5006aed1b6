// The compaction figures of `npm run bench` (docs/performance.md,
// "Compaction"):
//
// (a) one worker's throughput on the embedded S3: an hour of segments
//     written to the local S3 server, planned, then its part and its seal
//     run one after the other by one worker, timed;
// (b) a scale run with the real planner and workers over an in-memory
//     bucket that counts S3 requests by type (dev/sim/scale-bucket.ts and
//     dev/sim/counting-store.ts), in simulated time: a steady ingest of one
//     op a segment for two hours, the planner at five past every hour as
//     the template schedules it, and workers taking units from the queue
//     up to the template's maximum concurrency. A unit runs whole when a
//     worker takes it (in this process, one at a time); its simulated
//     duration is the latency model below, and what it dispatches is
//     delivered once it and every unit started before it have finished (the
//     state it saw is theirs). The same run at 10 segments/s is the
//     baseline the requests per op are held against.
//
// The latency model: 20 ms a request; a unit's GETs 32 at once (its read
// concurrency), its LIST pages, PUTs and DELETE batches one after another;
// plus the CPU time the unit took here, times 1769 ÷ the function's memory
// size (Lambda gives a full vCPU at 1,769 MB).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { S3Client } from '@aws-sdk/client-s3';
import { countingStore, noRequests, priceOf, type RequestCounts } from '../dev/sim/counting-store';
import { type Ingest, isRetryIndex, ScaleBucket } from '../dev/sim/scale-bucket';
import { type ObservedOp, parseOp } from '../lib/domain/op';
import { runUnit } from '../lib/lake/compaction';
import { readManifest } from '../lib/lake/manifest';
import { planRun } from '../lib/lake/plan';
import { partsOf, readPlan } from '../lib/lake/plan-doc';
import { type CompactionUnit, type Dispatcher, settingsWith } from '../lib/lake/units';
import { mapLimit } from '../lib/platform/concurrency';
import { decodeDropped } from '../lib/ring/dropped';
import { droppedKeyOf, HOUR_MS, hourPartition, partitionStart } from '../lib/storage/keys';
import { S3SegmentStore } from '../lib/storage/s3-store';
import type { SegmentStore } from '../lib/storage/store';
import { round } from './figures';

const LATENCY_MS = 20;
const FULL_VCPU_MB = 1769;
const SCALE_RATE = Number(process.env.BENCH_COMPACTION_RATE ?? 1000);
const BASELINE_RATE = 10;
const HOURS = 2;
/** Simulated time the scale run waits for the last hour before it gives up on it. */
const GIVE_UP_MS = 3 * HOUR_MS;

/** What the template gives compaction: the worker's memory and timeout, the planner's memory, the queue's concurrency. */
export interface Deployment {
  workerMemoryMb: number;
  workerTimeoutS: number;
  plannerMemoryMb: number;
  maxConcurrency: number;
}

/** The figures serverless.yml sets for the compact and compactWorker functions and the queue's mapping. */
export function deployment(path = resolve('serverless.yml')): Deployment {
  const text = readFileSync(path, 'utf-8');
  const block = (name: string) => {
    const at = text.indexOf(`\n  ${name}:\n`);
    if (at < 0) throw new Error(`serverless.yml has no function ${name}`);
    const rest = text.slice(at + name.length + 4);
    const end = rest.search(/\n {2}\S/);
    return end < 0 ? rest : rest.slice(0, end);
  };
  const field = (body: string, name: string) => {
    const m = new RegExp(`\\n\\s+${name}: (\\d+)`).exec(body);
    if (!m) throw new Error(`serverless.yml: no ${name}`);
    return Number(m[1]);
  };
  const worker = block('compactWorker');
  return {
    workerMemoryMb: field(worker, 'memorySize'),
    workerTimeoutS: field(worker, 'timeout'),
    plannerMemoryMb: field(block('compact'), 'memorySize'),
    maxConcurrency: field(text, 'compactWorkers'),
  };
}

/** (a) One worker, the embedded S3: an hour of `segments` segments of `opsPer` ops, planned and compacted. */
export async function workerThroughput(
  client: S3Client,
  bucket: string,
  segments = Number(process.env.BENCH_COMPACTION_SEGMENTS ?? 3000),
  opsPer = 5,
): Promise<Record<string, number>> {
  const store = new S3SegmentStore(client, bucket, 'compaction/');
  const hourStart = Math.floor(Date.now() / HOUR_MS) * HOUR_MS - 3 * HOUR_MS;
  const op = (i: number): ObservedOp => {
    const parsed = parseOp(
      {
        endpoint: `tools/call/${['search', 'read_file', 'write_file', 'run_tests'][i % 4]}`,
        success: i % 7 !== 0,
        source: i % 3 === 0 ? 'scenario' : 'mcp',
        id: `op-${i}`,
        staffer_id: `w-${i % 50}`,
        duration_ms: 40 + (i % 200),
        input_summary: `query for item ${i}: find the relevant section and summarize it`,
        output_summary: `ok: 3 results, first at line ${i % 400}`,
      },
      new Date(hourStart + i),
    );
    if (!parsed.ok) throw new Error('bad op');
    return parsed.op;
  };
  await mapLimit(
    Array.from({ length: segments }, (_, i) => i),
    32,
    (i) =>
      store.append(
        Array.from({ length: opsPer }, (_, k) => op(i * opsPer + k)),
        new Date(hourStart + Math.floor((i * HOUR_MS) / segments)),
      ),
  );
  const settings = settingsWith();
  const queue: CompactionUnit[] = [];
  const dispatcher = {
    dispatch: async (units: readonly CompactionUnit[]) => {
      queue.push(...units);
    },
  };
  const t0 = performance.now();
  await planRun(
    store,
    dispatcher,
    { now: hourStart + 2 * HOUR_MS, afterHours: 0, lookbackHours: 1 },
    settings,
  );
  const planMs = performance.now() - t0;
  const seen = new Set<string>();
  for (let unit = queue.shift(); unit; unit = queue.shift()) {
    const name = JSON.stringify(unit);
    if (seen.has(name)) continue;
    seen.add(name);
    await runUnit(store, unit, dispatcher, settings);
  }
  const ms = performance.now() - t0;
  const partition = hourPartition(new Date(hourStart));
  if (!(await readManifest(store)).done.has(partition)) {
    throw new Error(`the worker left ${partition} not done`);
  }
  return {
    segments,
    ops: segments * opsPer,
    plan_ms: round(planMs, 1),
    total_ms: round(ms, 1),
    segments_per_s: Math.round(segments / (ms / 1000)),
    ops_per_s: Math.round((segments * opsPer) / (ms / 1000)),
  };
}

/** One unit as the scale run ran it. */
interface UnitRun {
  partition: string;
  kind: 'part' | 'seal' | 'plan';
  startedAt: number;
  durationMs: number;
  counts: RequestCounts;
}

/** The simulated duration of a unit: its CPU time on the function's share of a vCPU, and its requests. */
function simulatedMs(cpuMs: number, counts: RequestCounts, memoryMb: number, reads: number) {
  const waits = counts.LIST + counts.PUT + counts.DELETE + Math.ceil(counts.GET / reads);
  return cpuMs * (FULL_VCPU_MB / memoryMb) + waits * LATENCY_MS;
}

const add = (into: RequestCounts, from: RequestCounts) => {
  for (const k of Object.keys(from) as (keyof RequestCounts)[]) into[k] += from[k];
};

/** What the scale run found for one hour. */
export interface HourFigures {
  partition: string;
  segments: number;
  parts: number;
  /** Seconds from the hour's close to its seal (the hour done); -1: not done. */
  close_to_done_s: number;
  /** Units run for the hour (parts and seals, each delivery), and the longest, in seconds. */
  units: number;
  longest_unit_s: number;
}

type Queued = { unit: CompactionUnit; at: number };

/**
 * The simulated deployment of a scale run: the planner on its schedule,
 * the queue, and up to `maxConcurrency` workers, in simulated time.
 */
class ScaleRun {
  readonly bucket: ScaleBucket;
  readonly runs: UnitRun[] = [];
  readonly doneAt = new Map<string, number>();
  private readonly settings = settingsWith();
  private queued: Queued[] = [];
  private readonly workers: number[];
  private readonly planTimes: number[];
  /** The latest end of any unit started so far. */
  private horizon = 0;
  peak = 0;

  constructor(
    readonly ingest: Ingest,
    private readonly dep: Deployment,
  ) {
    this.bucket = new ScaleBucket(ingest);
    this.workers = Array.from({ length: dep.maxConcurrency }, () => 0);
    // The template's schedule: five past every hour, from the first hour's close.
    this.planTimes = Array.from(
      { length: ingest.hours },
      (_, h) => ingest.start + (h + 1) * HOUR_MS + 5 * 60_000,
    );
  }

  /** Runs planner and workers until the queue is empty after the last planning run (or time is up). */
  async run(): Promise<void> {
    const stopAt = this.ingest.start + this.ingest.hours * HOUR_MS + GIVE_UP_MS;
    for (;;) {
      this.queued.sort((x, y) => x.at - y.at);
      const free = this.workers.indexOf(Math.min(...this.workers));
      const next = this.queued[0];
      const unitAt =
        next === undefined ? Infinity : Math.max(next.at, this.workers[free] as number);
      const planAt = this.planTimes[0] ?? Infinity;
      if (Math.min(planAt, unitAt) > stopAt) return;
      if (planAt <= unitAt) {
        this.planTimes.shift();
        await this.plan(planAt);
      } else {
        this.queued.shift();
        const busy = this.workers.filter((w) => w > unitAt).length + 1;
        this.peak = Math.max(this.peak, busy);
        this.workers[free] = await this.work((next as Queued).unit, unitAt);
      }
    }
  }

  private async plan(at: number): Promise<void> {
    await this.timed('plan', '', at, this.dep.plannerMemoryMb, async (store, dispatcher) => {
      await planRun(
        store,
        dispatcher,
        { now: at, afterHours: 0, lookbackHours: 48 },
        this.settings,
      );
    });
  }

  /** One worker runs one unit from `at`; the hour is done when its seal and every unit started before it have finished. */
  private async work(unit: CompactionUnit, at: number): Promise<number> {
    let sealed = false;
    const end = await this.timed(
      unit.kind,
      unit.partition,
      at,
      this.dep.workerMemoryMb,
      async (store, dispatcher) => {
        const result = await runUnit(store, unit, dispatcher, this.settings);
        sealed = result.kind === 'seal' && result.status === 'sealed';
      },
    );
    if (sealed && !this.doneAt.has(unit.partition)) this.doneAt.set(unit.partition, this.horizon);
    return end;
  }

  /** Runs `body` over a counting view of the bucket; its simulated end. */
  private async timed(
    kind: UnitRun['kind'],
    partition: string,
    at: number,
    memoryMb: number,
    body: (store: SegmentStore, dispatcher: Dispatcher) => Promise<void>,
  ): Promise<number> {
    const counts = noRequests();
    const dispatched: CompactionUnit[] = [];
    const dispatcher = {
      dispatch: async (units: readonly CompactionUnit[]) => {
        dispatched.push(...units);
      },
    };
    const c0 = performance.now();
    await body(countingStore(this.bucket, counts), dispatcher);
    const cpuMs = performance.now() - c0;
    const durationMs = simulatedMs(cpuMs, counts, memoryMb, this.settings.readConcurrency);
    this.runs.push({ partition, kind, startedAt: at, durationMs, counts });
    const end = at + durationMs;
    this.horizon = Math.max(this.horizon, end);
    // Delivered once the state it saw is everyone's. A unit already waiting is queued once:
    // its second message would find the work done.
    for (const unit of dispatched) {
      const name = JSON.stringify(unit);
      if (!this.queued.some((q) => JSON.stringify(q.unit) === name)) {
        this.queued.push({ unit, at: this.horizon });
      }
    }
    return end;
  }

  /** Each hour's figures. */
  async hours(): Promise<HourFigures[]> {
    const figures: HourFigures[] = [];
    for (const partition of this.bucket.partitions()) {
      const own = this.runs.filter((r) => r.partition === partition);
      const plan = await readPlan(this.bucket, partition);
      const close = (partitionStart(partition) as number) + HOUR_MS;
      const done = this.doneAt.get(partition);
      figures.push({
        partition,
        segments: Math.round((HOUR_MS * this.ingest.rate) / 1000),
        parts: plan?.starts.length ?? 0,
        close_to_done_s: done === undefined ? -1 : round((done - close) / 1000, 1),
        units: own.length,
        longest_unit_s: round(Math.max(0, ...own.map((r) => r.durationMs)) / 1000, 1),
      });
    }
    return figures;
  }

  /** Lambda GB-seconds of every invocation. */
  gbSeconds(): number {
    return this.runs.reduce((sum, r) => {
      const mb = r.kind === 'plan' ? this.dep.plannerMemoryMb : this.dep.workerMemoryMb;
      return sum + (r.durationMs / 1000) * (mb / 1024);
    }, 0);
  }
}

/** (b) The scale run at `rate` segments a second for `hours` hours, one op a segment. */
export async function scaleRun(
  rate: number,
  dep: Deployment,
  hours = HOURS,
): Promise<Record<string, unknown>> {
  const t0 = performance.now();
  const start = Date.UTC(2026, 0, 5, 0, 0, 0);
  const sim = new ScaleRun({ start, hours, rate, retryEvery: 100, retryLag: 250 }, dep);
  await sim.run();
  const figures = await sim.hours();
  const total = noRequests();
  for (const r of sim.runs) add(total, r.counts);
  const ops = sim.bucket.count;
  const perOp = (n: number) => round(n / ops, 6);
  const worst = Math.max(...figures.map((f) => (f.close_to_done_s < 0 ? 1e9 : f.close_to_done_s)));
  return {
    rate,
    hours,
    ops,
    hours_done: figures.filter((f) => f.close_to_done_s >= 0).length,
    worst_close_to_done_s: worst,
    peak_workers: sim.peak,
    invocations: sim.runs.length,
    longest_unit_s: round(Math.max(...sim.runs.map((r) => r.durationMs)) / 1000, 1),
    longest_s: Object.fromEntries(
      (['plan', 'part', 'seal'] as const).map((kind) => [
        kind,
        round(
          Math.max(0, ...sim.runs.filter((r) => r.kind === kind).map((r) => r.durationMs)) / 1000,
          1,
        ),
      ]),
    ),
    per_hour: figures,
    requests: total,
    requests_per_op: {
      PUT: perOp(total.PUT),
      GET: perOp(total.GET),
      LIST: perOp(total.LIST),
      DELETE: perOp(total.DELETE),
      all: perOp(total.PUT + total.GET + total.LIST + total.DELETE),
    },
    usd_per_million_ops: round((priceOf(total) / ops) * 1e6, 4),
    gb_seconds_per_million_ops: round((sim.gbSeconds() / ops) * 1e6, 1),
    recount: await recountLake(sim.bucket),
    wall_s: round((performance.now() - t0) / 1000, 1),
  };
}

/**
 * Every segment of the ingest recounted against the lake: each held
 * exactly once, by a part as an op that counts or in a part's dropped
 * copies, the retries (and only they) dropped, and none left as a segment.
 */
async function recountLake(bucket: ScaleBucket): Promise<Record<string, number>> {
  const seen = new Uint8Array(bucket.count);
  let doubled = 0;
  let misplaced = 0;
  const mark = (key: string, kept: boolean) => {
    const i = bucket.indexOf(key);
    if (i === undefined) {
      misplaced++;
      return;
    }
    if (seen[i] !== 0) doubled++;
    seen[i] = 1;
    if (kept === isRetryIndex(bucket.ingest, i)) misplaced++;
  };
  for (const partition of bucket.partitions()) {
    const plan = await readPlan(bucket, partition);
    for (const part of plan ? partsOf(plan) : []) {
      for (const e of (await bucket.read(part.key)) ?? []) mark(e.key, true);
      const dropped = decodeDropped(await bucket.getDocument(droppedKeyOf(part.key)), part.key);
      for (const d of dropped) mark(d.key, false);
    }
  }
  let lost = 0;
  let left = 0;
  for (let i = 0; i < bucket.count; i++) {
    if (seen[i] === 0) lost++;
    if (bucket.has(i)) left++;
  }
  return { segments: bucket.count, lost, doubled, misplaced, segments_left: left };
}

/** The whole compaction section: (a) on the embedded S3, (b) the scale run and its baseline. */
export async function compactionBench(
  client: S3Client,
  bucket: string,
  say: (line: string) => void,
): Promise<Record<string, unknown>> {
  const dep = deployment();
  say('compaction: one worker on the embedded S3 ...');
  const worker = await workerThroughput(client, bucket);
  say(`compaction: baseline, ${BASELINE_RATE} segments/s for ${HOURS} simulated hours ...`);
  const baseline = await scaleRun(BASELINE_RATE, dep);
  say(`compaction: scale run, ${SCALE_RATE} segments/s for ${HOURS} simulated hours ...`);
  const scale = await scaleRun(SCALE_RATE, dep);
  const per = (r: Record<string, unknown>) => r.requests_per_op as Record<string, number>;
  const ratio = Object.fromEntries(
    Object.keys(per(scale)).map((k) => [k, round(num(per(scale)[k]) / num(per(baseline)[k]), 3)]),
  );
  return {
    latency_model: `${LATENCY_MS} ms a request, GETs ${settingsWith().readConcurrency} at once, CPU × ${FULL_VCPU_MB} ÷ memory MB`,
    deployment: dep,
    one_worker: worker,
    baseline,
    scale,
    requests_per_op_ratio: ratio,
  };
}

const num = (x: number | undefined) => x ?? Number.NaN;

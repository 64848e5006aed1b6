// The figures `npm run bench` prints, each with its target (if it has one),
// as data: the printer only formats them.

const MiB = 1024 * 1024;

/** A figure as results.json keeps it: `digits` decimals (2 by default). */
export const round = (n: number, digits = 2) => Number(n.toFixed(digits));

/** What bench/results.json holds. */
export interface BenchResults {
  ingest: Record<string, number>;
  cold_start: Record<string, number>;
  warm_stats: Record<string, number>;
  stats_cpu_ratio: number;
  bundle_bytes: Record<string, number>;
  ring_heap_bytes: number;
  batch: Record<string, number>;
  [more: string]: unknown;
}

/** One printed figure: how to show it and, when it has one, its target. */
interface Figure {
  name: string;
  value: (r: BenchResults) => string;
  target?: { text: string; met: (r: BenchResults) => boolean };
}

/** Tail segments the cold-start figure writes after its checkpoint. */
export const TAIL_SEGMENTS = 300;

const num = (x: number | undefined) => x ?? Number.NaN;

/** The `npm start` figures (bench/start-throughput.ts), or none. */
const start = (r: BenchResults) => (r.npm_start ?? {}) as Record<string, number | undefined>;

/** The OTLP figures (bench/otlp.ts), or none. */
const otlp = (r: BenchResults) => (r.otlp ?? {}) as Record<string, number | undefined>;

/** The client's figures (bench/client.ts), or none. */
const client = (r: BenchResults) => (r.client ?? {}) as Record<string, number | undefined>;

/**
 * How stale the read-path bench's readers answer (OBSERVER_MAX_STALENESS_MS):
 * the default, and a minute, a bound a deployment may choose instead.
 */
export const READER_STALENESS_MS = { default: 5000, relaxed: 60_000 } as const;
const DEFAULT_STALENESS: number = READER_STALENESS_MS.default;

/** The read path's figures (bench/read-path.ts): (a) after an idle hour, (b) per op with many readers. */
const idle = (r: BenchResults) =>
  ((r.read_path ?? {}) as { idle_hour?: Record<string, number> }).idle_hour ?? {};
const hourOf = (r: BenchResults, readers: number, batch: number, stalenessMs = DEFAULT_STALENESS) =>
  (((r.read_path ?? {}) as { readers_hour?: Record<string, number>[] }).readers_hour ?? []).find(
    (h) => h.readers === readers && h.batch === batch && h.staleness_ms === stalenessMs,
  ) ?? {};
/** `field` per op with 16 readers ÷ with one. */
const readersRatio = (
  r: BenchResults,
  batch: number,
  field: string,
  stalenessMs = DEFAULT_STALENESS,
) =>
  round(
    num(hourOf(r, 16, batch, stalenessMs)[field]) / num(hourOf(r, 1, batch, stalenessMs)[field]),
    3,
  );
const getsRatio = (r: BenchResults, batch: number, stalenessMs = DEFAULT_STALENESS) =>
  readersRatio(r, batch, 'gets_per_op', stalenessMs);
const perOp = (r: BenchResults, readers: number, batch: number) => {
  const h = hourOf(r, readers, batch);
  return `${h.gets_per_op} GET, ${h.puts_per_op} PUT, ${h.lists_per_op} LIST, $${h.usd_per_million_ops}/M ops`;
};

export const READ_PATH_FIGURES: Figure[] = [
  {
    name: 'first stats call after an idle hour (10 ops/s)',
    value: (r) => `${idle(r).idle_first_call_requests} requests, ${idle(r).idle_first_call_ms} ms`,
    target: {
      text: '≤ a cold start',
      met: (r) =>
        num(idle(r).idle_first_call_requests) <= num(idle(r).cold_start_checkpoint_requests),
    },
  },
  {
    name: 'cold start from a fresh checkpoint',
    value: (r) =>
      `${idle(r).cold_start_checkpoint_requests} requests, ${idle(r).cold_start_checkpoint_ms} ms`,
  },
  {
    name: 'the same without any checkpoint',
    value: (r) =>
      `${idle(r).without_checkpoint_requests} requests, ${idle(r).without_checkpoint_ms} ms`,
  },
  ...[1, 4, 16].map((readers) => ({
    name: `per op, ${readers} reader${readers > 1 ? 's' : ''}, single ops at 100/s`,
    value: (r: BenchResults) => perOp(r, readers, 1),
  })),
  {
    name: 'GETs per op, 16 readers ÷ 1, single ops',
    value: (r) => String(getsRatio(r, 1)),
    target: { text: '≤ 1.1', met: (r) => getsRatio(r, 1) <= 1.1 },
  },
  ...[1, 4, 16].map((readers) => ({
    name: `per op, ${readers} reader${readers > 1 ? 's' : ''}, batches of 100 at 100 ops/s`,
    value: (r: BenchResults) => perOp(r, readers, 100),
  })),
  {
    // A reader costs one GET per poll, whatever the op rate: in batches of 100 the ops' own
    // GETs are 100 times fewer, so 16 readers polling every 5 s cost more GETs than the
    // ops (docs/performance.md says why no reader polling S3 can do better at 5 s).
    name: 'GETs per op, 16 readers ÷ 1, batches of 100',
    value: (r) => String(getsRatio(r, 100)),
    target: { text: '≤ 1.1', met: (r) => getsRatio(r, 100) <= 1.1 },
  },
  {
    name: 'dollars per op, 16 readers ÷ 1, single ops / batches of 100',
    value: (r) =>
      `${readersRatio(r, 1, 'usd_per_million_ops')} / ${readersRatio(r, 100, 'usd_per_million_ops')}`,
  },
  {
    name: 'GETs per op, 16 readers ÷ 1, batches of 100, readers up to 60 s old',
    value: (r) => String(getsRatio(r, 100, READER_STALENESS_MS.relaxed)),
    target: { text: '≤ 1.1', met: (r) => getsRatio(r, 100, READER_STALENESS_MS.relaxed) <= 1.1 },
  },
];

/** The compaction figures (bench/compaction.ts), or none. */
const compaction = (r: BenchResults) =>
  (r.compaction ?? {}) as {
    one_worker?: Record<string, number>;
    scale?: Record<string, unknown>;
    baseline?: Record<string, unknown>;
    requests_per_op_ratio?: Record<string, number>;
  };
const scale = (r: BenchResults, run: 'scale' | 'baseline' = 'scale') =>
  (compaction(r)[run] ?? {}) as Record<string, number | undefined> & {
    requests_per_op?: Record<string, number>;
    recount?: Record<string, number>;
  };
const requestsPerOp = (r: BenchResults, run: 'scale' | 'baseline') => {
  const p = scale(r, run).requests_per_op ?? {};
  return `${p.PUT} PUT, ${p.GET} GET, ${p.LIST} LIST, ${p.DELETE} DELETE, $${scale(r, run).usd_per_million_ops}/M ops`;
};
const recountOf = (r: BenchResults) => scale(r).recount ?? {};

export const COMPACTION_FIGURES: Figure[] = [
  {
    name: 'compaction, one worker, embedded S3',
    value: (r) =>
      `${compaction(r).one_worker?.segments_per_s} segments/s, ${compaction(r).one_worker?.ops_per_s} ops/s`,
  },
  {
    name: 'compaction scale run: hours compacted',
    value: (r) =>
      `${scale(r).hours_done} of ${scale(r).hours} at ${scale(r).rate} segments/s, ${scale(r).peak_workers} workers`,
    target: {
      text: 'all, at 1000/s',
      met: (r) => num(scale(r).rate) >= 1000 && scale(r).hours_done === scale(r).hours,
    },
  },
  {
    name: 'compaction scale run: worst close → compacted',
    value: (r) => `${scale(r).worst_close_to_done_s} s (longest unit ${scale(r).longest_unit_s} s)`,
    target: { text: '≤ 1800 s', met: (r) => num(scale(r).worst_close_to_done_s) <= 1800 },
  },
  { name: 'compaction requests per op, scale run', value: (r) => requestsPerOp(r, 'scale') },
  {
    name: 'compaction requests per op, 10 segments/s',
    value: (r) => requestsPerOp(r, 'baseline'),
  },
  {
    name: 'compaction requests per op, scale ÷ 10/s',
    value: (r) => {
      const q = compaction(r).requests_per_op_ratio ?? {};
      return `${q.all} (PUT ${q.PUT}, GET ${q.GET}, LIST ${q.LIST}, DELETE ${q.DELETE})`;
    },
    target: {
      text: '≤ 1',
      met: (r) => num(compaction(r).requests_per_op_ratio?.all) <= 1,
    },
  },
  {
    name: 'compaction Lambda GB-s per million ops',
    value: (r) =>
      `${scale(r).gb_seconds_per_million_ops} (10/s: ${scale(r, 'baseline').gb_seconds_per_million_ops})`,
  },
  {
    name: 'compaction recount against the lake',
    value: (r) =>
      `${recountOf(r).segments} segments: ${recountOf(r).lost} lost, ${recountOf(r).doubled} doubled, ${recountOf(r).misplaced} misplaced, ${recountOf(r).segments_left} left`,
    target: {
      text: 'none lost/doubled',
      met: (r) => {
        const c = recountOf(r);
        return (
          c.segments === scale(r).ops &&
          c.lost === 0 &&
          c.doubled === 0 &&
          c.misplaced === 0 &&
          c.segments_left === 0
        );
      },
    },
  },
];

/** Every figure, in the order printed. */
export const FIGURES: Figure[] = [
  { name: 'ingest handler ops/s', value: (r) => String(r.ingest.handler_ops_per_s) },
  { name: 'ingest raw PutObject ops/s', value: (r) => String(r.ingest.raw_put_ops_per_s) },
  {
    name: 'ingest ratio (handler ÷ raw)',
    value: (r) => String(r.ingest.ratio),
    target: { text: '≥ 0.90', met: (r) => num(r.ingest.ratio) >= 0.9 },
  },
  {
    name: 'cold start with checkpoint',
    value: (r) =>
      `${r.cold_start.with_checkpoint_ms} ms, ${r.cold_start.with_checkpoint_requests} requests`,
    target: {
      text: `≤ ${4 + TAIL_SEGMENTS} requests`,
      met: (r) => num(r.cold_start.with_checkpoint_requests) <= 4 + TAIL_SEGMENTS,
    },
  },
  {
    name: 'cold start by listing',
    value: (r) =>
      `${r.cold_start.without_checkpoint_ms} ms, ${r.cold_start.without_checkpoint_requests} requests`,
  },
  {
    name: 'warm stats p50 / p99',
    value: (r) => `${r.warm_stats.p50_ms} / ${r.warm_stats.p99_ms} ms`,
  },
  {
    name: 'warm stats S3 requests per call',
    value: (r) => String(r.warm_stats.s3_requests_per_call),
    target: { text: '≤ 1', met: (r) => num(r.warm_stats.s3_requests_per_call) <= 1 },
  },
  {
    name: 'stats CPU, full ring ÷ 10 ops',
    value: (r) => String(r.stats_cpu_ratio),
    target: { text: '≤ 2', met: (r) => r.stats_cpu_ratio <= 2 },
  },
  {
    name: 'largest function bundle',
    value: (r) => `${(Math.max(...Object.values(r.bundle_bytes)) / 1024).toFixed(1)} KiB`,
    target: { text: '≤ 1 MiB', met: (r) => Math.max(...Object.values(r.bundle_bytes)) <= MiB },
  },
  {
    name: 'ring heap (2000 typical ops)',
    value: (r) => `${(r.ring_heap_bytes / MiB).toFixed(2)} MiB`,
    target: { text: '≤ 4 MiB', met: (r) => r.ring_heap_bytes <= 4 * MiB },
  },
  { name: 'batch of 100, ops/s', value: (r) => String(r.batch.batch_ops_per_s) },
  { name: 'single-op posts, ops/s', value: (r) => String(r.batch.single_ops_per_s) },
  { name: 'batch speedup', value: (r) => `${r.batch.speedup}x` },
  {
    name: 'S3 PUTs per op (batches of 100, all with ids)',
    value: (r) => String(r.batch.puts_per_op),
    target: { text: '≤ 0.02', met: (r) => num(r.batch.puts_per_op) <= 0.02 },
  },
  {
    name: 'OTLP spans/s vs /observer/events ops/s',
    value: (r) => `${otlp(r).otlp_spans_per_s} vs ${otlp(r).events_ops_per_s}`,
  },
  {
    name: 'OTLP ingest ratio (÷ events, same ops)',
    value: (r) => String(otlp(r).ratio),
    target: { text: '≥ 0.8', met: (r) => num(otlp(r).ratio) >= 0.8 },
  },
  {
    name: 'OTLP S3 PUTs per span (batches of 512)',
    value: (r) => String(otlp(r).puts_per_span),
    target: { text: '≤ 0.01', met: (r) => num(otlp(r).puts_per_span) <= 0.01 },
  },
  {
    name: 'client vs single-op posts, ops/s',
    value: (r) => `${client(r).client_ops_per_s} vs ${client(r).single_ops_per_s}`,
  },
  {
    name: 'client throughput ratio',
    value: (r) => `${client(r).throughput_ratio}x`,
  },
  {
    name: 'client S3 PUTs per op',
    value: (r) => String(client(r).client_puts_per_op),
    target: { text: '≤ 0.02', met: (r) => num(client(r).client_puts_per_op) <= 0.02 },
  },
  {
    name: 'npm start ops/s vs raw PutObject (16 clients)',
    value: (r) => `${start(r).start_ops_per_s} vs ${start(r).raw_put_ops_per_s}`,
  },
  {
    name: 'npm start ratio (÷ raw, median round)',
    value: (r) =>
      `${start(r).ratio} (rounds ${start(r).ratio_lowest_round}–${start(r).ratio_highest_round}), ${start(r).stored_ops} ops stored`,
    target: {
      text: '≥ 0.5, all 201',
      met: (r) => num(start(r).ratio) >= 0.5 && start(r).not_acknowledged === 0,
    },
  },
  {
    name: 'npm start snapshot, ms per op it read',
    value: (r) => String(start(r).snapshot_ms_per_op),
  },
  ...READ_PATH_FIGURES,
  ...COMPACTION_FIGURES,
];

/** Prints every figure with its target and whether it was met; false when one was missed. */
export function printFigures(results: BenchResults, figures: readonly Figure[] = FIGURES): boolean {
  const width = Math.max(...figures.map((f) => f.name.length));
  let allMet = true;
  process.stdout.write('\n');
  for (const { name, value, target } of figures) {
    const met = target?.met(results);
    if (met === false) allMet = false;
    const verdict = met === undefined ? '' : met ? 'ok' : 'MISSED';
    process.stdout.write(
      `${name.padEnd(width)}  ${value(results).padEnd(28)}  ${(target?.text ?? '').padEnd(16)}  ${verdict}\n`,
    );
  }
  process.stdout.write('\nwritten: bench/results.json\n');
  return allMet;
}

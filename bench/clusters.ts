// `npm run bench:clusters`: grouping accuracy (GA) of the template miner on
// the four Loghub-2k samples (against drain3's on each) and on the synthetic
// agent and tool errors of dev/agent-errors.ts, and its throughput, against
// a plain whitespace split of the same messages measured in the same run.
// Prints a table and writes bench/clusters-results.json. Exits 1 if a target
// is missed: a mean GA under 0.95 on the samples, a sample under drain3's
// score, or under 50,000 messages/s.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { agentErrorSet } from '../dev/agent-errors';
import { groupingAccuracy } from '../dev/grouping-accuracy';
import {
  DRAIN3_GA,
  type LabelledMessage,
  LOGHUB_SETS,
  loadLoghubSet,
  loghubDir,
} from '../dev/loghub';
import type { RingEntry } from '../lib/domain/entry';
import { clusterLines } from '../lib/failures/clustering/cluster-lines';
import { clusterFailures } from '../lib/failures/clustering/clusters';
import { TemplateMiner } from '../lib/failures/clustering/miner';
import { DEFAULT_MINER_OPTIONS } from '../lib/failures/clustering/options';
import { tokenize } from '../lib/failures/clustering/tokenize';
import { segmentKey } from '../lib/storage/keys';

const TARGET_MEAN_GA = 0.95;
const TARGET_MESSAGES_PER_SECOND = 50_000;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);

interface SetResult {
  set: string;
  messages: number;
  events: number;
  clusters: number;
  ga: number;
  drain3Ga: number | null;
}

function accuracy(set: string, messages: LabelledMessage[]): SetResult {
  const lines = clusterLines(messages.map((m) => m.content));
  const truth = messages.map((m) => m.event);
  const predicted = lines.map((l) => l.cluster);
  return {
    set,
    messages: messages.length,
    events: new Set(truth).size,
    clusters: new Set(predicted).size,
    ga: groupingAccuracy(predicted, truth),
    drain3Ga: (DRAIN3_GA as Record<string, number>)[set] ?? null,
  };
}

/** Messages per second of `pass` over every sample, the median of the rounds. */
function rate(sets: string[][], pass: (messages: string[]) => void): number {
  const total = sets.reduce((n, s) => n + s.length, 0);
  const rates: number[] = [];
  for (let round = 0; round <= ROUNDS; round++) {
    const start = performance.now();
    for (const messages of sets) pass(messages);
    const seconds = (performance.now() - start) / 1000;
    if (round > 0) rates.push(total / seconds); // round 0 warms up
  }
  rates.sort((a, b) => a - b);
  return rates[Math.floor(rates.length / 2)] as number;
}

function throughput(sets: string[][]) {
  let sink = 0;
  const split = rate(sets, (ms) => {
    for (const m of ms) sink += m.split(/\s+/).length;
  });
  const masked = rate(sets, (ms) => {
    for (const m of ms) sink += tokenize(m).length;
  });
  const mined = rate(sets, (ms) => {
    const miner = new TemplateMiner(DEFAULT_MINER_OPTIONS);
    for (const m of ms) sink += miner.add(m).count;
  });
  if (sink < 0) console.log(sink); // keeps the passes from being optimised away
  return { split, tokenize: masked, miner: mined };
}

/** Milliseconds one call of `pass` takes, the median of the rounds after a warm-up. */
function millis(pass: () => void): number {
  const times: number[] = [];
  for (let round = 0; round <= ROUNDS; round++) {
    const start = performance.now();
    pass();
    if (round > 0) times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}

/**
 * GET /observer/failures' work over a full ring (2000 failed ops, one set's
 * messages as their errors, four endpoints), against the miner alone adding
 * the same messages.
 */
function ringFigures(set: string, messages: string[]) {
  const now = Date.now();
  const entries: RingEntry[] = messages.slice(0, 2000).map((error, i) => ({
    key: segmentKey(new Date(now - (2000 - i) * 1000), `b${String(i).padStart(6, '0')}`),
    line: 0,
    op: { endpoint: `tools/e${i % 4}`, success: false, timestamp: '', source: 'mcp', error },
  }));
  const minerMs = millis(() => {
    const miner = new TemplateMiner(DEFAULT_MINER_OPTIONS);
    for (const e of entries) miner.add(String(e.op.error));
  });
  const clustersMs = millis(() => clusterFailures(entries, now));
  return { set, ops: entries.length, clustersMs, minerMs, ratio: clustersMs / minerMs };
}

const pad = (v: string | number, n: number) => String(v).padStart(n);
const dir = loghubDir();
const data = LOGHUB_SETS.map((set) => ({ set, messages: loadLoghubSet(set, dir) }));
const results = data.map(({ set, messages }) => accuracy(set, messages));
const meanGa = results.reduce((sum, r) => sum + r.ga, 0) / results.length;
const belowDrain3 = results.filter((r) => r.drain3Ga !== null && r.ga < r.drain3Ga);
const agent = accuracy('agent (synthetic)', agentErrorSet());
const speed = throughput(data.map(({ messages }) => messages.map((m) => m.content)));
const ring = data.map(({ set, messages }) =>
  ringFigures(
    set,
    messages.map((m) => m.content),
  ),
);

console.log(`Grouping accuracy on Loghub-2k (${dir}), one configuration for all sets`);
console.log(
  `${'set'.padEnd(10)}${pad('messages', 9)}${pad('events', 8)}${pad('clusters', 9)}${pad('GA', 7)}${pad('drain3', 8)}`,
);
for (const r of results) {
  const ref = r.drain3Ga === null ? '-' : r.drain3Ga.toFixed(3);
  console.log(
    `${r.set.padEnd(10)}${pad(r.messages, 9)}${pad(r.events, 8)}${pad(r.clusters, 9)}${pad(r.ga.toFixed(3), 7)}${pad(ref, 8)}`,
  );
}
const drain3Mean = Object.values(DRAIN3_GA).reduce((a, b) => a + b, 0) / LOGHUB_SETS.length;
console.log(`${'mean'.padEnd(36)}${pad(meanGa.toFixed(3), 7)}${pad(drain3Mean.toFixed(3), 8)}`);
console.log(
  `\nSynthetic agent and tool errors (dev/agent-errors.ts): ${agent.messages} messages, ${agent.events} events, ${agent.clusters} clusters, GA ${agent.ga.toFixed(3)}`,
);
console.log(
  `\nThroughput over ${data.reduce((n, d) => n + d.messages.length, 0)} messages (median of ${ROUNDS} rounds)`,
);
console.log(`  whitespace split (baseline) ${pad(Math.round(speed.split), 10)} msg/s`);
console.log(
  `  tokenize and mask           ${pad(Math.round(speed.tokenize), 10)} msg/s  (${(speed.tokenize / speed.split).toFixed(3)} x baseline)`,
);
console.log(
  `  miner (add)                 ${pad(Math.round(speed.miner), 10)} msg/s  (${(speed.miner / speed.split).toFixed(3)} x baseline)`,
);
console.log(`\nclusterFailures over a full ring of failed ops (median of ${ROUNDS} rounds)`);
for (const r of ring) {
  console.log(
    `  ${r.set.padEnd(10)} ${r.ops} ops ${pad(r.clustersMs.toFixed(2), 8)} ms  (${r.ratio.toFixed(3)} x the miner alone, ${r.minerMs.toFixed(2)} ms)`,
  );
}

const met = {
  meanGa: meanGa >= TARGET_MEAN_GA,
  noneBelowDrain3: belowDrain3.length === 0,
  throughput: speed.miner >= TARGET_MESSAGES_PER_SECOND,
};
const out = join(dirname(fileURLToPath(import.meta.url)), 'clusters-results.json');
const file = {
  measuredAt: new Date().toISOString(),
  node: process.version,
  options: DEFAULT_MINER_OPTIONS,
  sets: results.map((r) => ({ ...r, ga: Number(r.ga.toFixed(4)) })),
  meanGa: Number(meanGa.toFixed(4)),
  agentErrors: { ...agent, ga: Number(agent.ga.toFixed(4)) },
  throughput: {
    messagesPerSecond: Math.round(speed.miner),
    baselineSplitPerSecond: Math.round(speed.split),
    tokenizePerSecond: Math.round(speed.tokenize),
    ratioToBaseline: Number((speed.miner / speed.split).toFixed(4)),
    rounds: ROUNDS,
  },
  ring: ring.map((r) => ({
    ...r,
    clustersMs: Number(r.clustersMs.toFixed(3)),
    minerMs: Number(r.minerMs.toFixed(3)),
    ratio: Number(r.ratio.toFixed(4)),
  })),
  targets: {
    meanGa: TARGET_MEAN_GA,
    eachAtLeastDrain3: true,
    messagesPerSecond: TARGET_MESSAGES_PER_SECOND,
    met,
  },
};
writeFileSync(out, `${JSON.stringify(file, null, 2)}\n`);
const below = belowDrain3.map((r) => r.set).join(', ');
console.log(
  `\nTargets: mean GA >= ${TARGET_MEAN_GA} ${met.meanGa ? 'met' : 'MISSED'}; each set >= drain3 ${met.noneBelowDrain3 ? 'met' : `MISSED (${below})`}; >= ${TARGET_MESSAGES_PER_SECOND} msg/s ${met.throughput ? 'met' : 'MISSED'}. Wrote ${out}`,
);
if (!met.meanGa || !met.noneBelowDrain3 || !met.throughput) process.exitCode = 1;

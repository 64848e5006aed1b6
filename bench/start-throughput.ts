// `npm start` as a user runs it (its data folder inside the checkout, as by
// default), after many ops are stored: single-op posts from concurrent
// clients against raw PutObject to the same embedded S3 at the same
// concurrency, in alternating rounds of the same run. Both sides are warm
// before the first round, and the once-a-minute snapshot runs between rounds,
// timed on its own, so that neither side is charged with its reads.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { sendLoad } from '../dev/load-run';
import { type StartedStack, startStack } from '../dev/npm-start';
import { invokeLocal } from '../dev/offline-stack';
import { treeCpuMs } from '../dev/process-tree';
import { localS3Client } from '../dev/s3-tools';
import { type ObservedOp, parseOp } from '../lib/domain/op';
import { mapLimit } from '../lib/platform/concurrency';
import { S3SegmentStore } from '../lib/storage/s3-store';
import { round } from './figures';

/** The sizes of one measurement. */
export interface StartThroughputOptions {
  storedOps: number;
  concurrency: number;
  /** Pairs of rounds: one of posts to npm start, one of raw PutObject. */
  rounds: number;
  opsPerRound: number;
  /** Posts to the stack before the rounds. */
  warmOps: number;
}

export const START_THROUGHPUT_DEFAULTS: StartThroughputOptions = {
  storedOps: 10_000,
  concurrency: 16,
  rounds: 12,
  opsPerRound: 300,
  warmOps: 2_000,
};

const BUCKET = 'observer-local';

/** `npm start` ops/s ÷ raw PutObject ops/s, with `storedOps` already stored. */
export async function startThroughput(
  options: StartThroughputOptions = START_THROUGHPUT_DEFAULTS,
  progress: (line: string) => void = () => {},
): Promise<Record<string, number>> {
  mkdirSync(resolve('.data'), { recursive: true });
  const dataDir = mkdtempSync(resolve('.data/bench-'));
  // As a user's shell would start it: none of the bench's own S3, bucket or logging settings.
  const stack = await startStack({
    OBSERVER_DATA_DIR: dataDir,
    OBSERVER_BUCKET: BUCKET,
    OBSERVER_PREFIX: '',
    S3_ENDPOINT: '',
    OBSERVER_API_TOKEN: '',
    OBSERVER_API_TOKEN_PARAM: '',
    OBSERVER_API_KEYS: '',
    OBSERVER_API_KEYS_PARAM: '',
    // What an unset shell means to Powertools: plain log lines, metrics on.
    POWERTOOLS_DEV: 'false',
    POWERTOOLS_METRICS_DISABLED: 'false',
  });
  const client = localS3Client(stack.s3Endpoint);
  try {
    progress(`npm start: storing ${options.storedOps} ops, then ${options.rounds} rounds each ...`);
    await seed(stack, client, options);
    return { stored_ops: options.storedOps, ...(await rounds(stack, client, options)) };
  } catch (err: unknown) {
    throw new Error(
      `npm start measurement failed; its output ends:\n${stack.output().slice(-4_000)}`,
      {
        cause: err,
      },
    );
  } finally {
    client.destroy();
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * Stores the ops, then warms the stack as its users' first minutes would:
 * `warmOps` posts (V8 optimises the emulator's and the handler's hot paths;
 * the SDK and the S3 server warmed while the ops were stored), and the
 * snapshot brought up to date.
 */
async function seed(stack: StartedStack, client: S3Client, options: StartThroughputOptions) {
  const store = new S3SegmentStore(client, BUCKET);
  await mapLimit(
    Array.from({ length: options.storedOps }, (_, i) => i),
    32,
    (i) => store.append([seedOp(i)], new Date()),
  );
  await sendLoad({
    url: stack.url,
    events: options.warmOps,
    concurrency: options.concurrency,
    maxMs: 300_000,
    idPrefix: 'warm',
  });
  await runSnapshot(stack);
}

/**
 * Runs the snapshot function now, as its schedule does once a minute: its
 * ring reads every segment stored since its last run. Run between rounds, it
 * never meets a backlog inside a round (where its reads would be charged to
 * whichever side happened to be running); its own cost is reported apart.
 */
async function runSnapshot(stack: StartedStack): Promise<number> {
  const started = performance.now();
  const res = await invokeLocal(stack.lambdaUrl, 'snapshot');
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`the snapshot answered ${res.status}`);
  return performance.now() - started;
}

/** One round of one side: wall and CPU milliseconds, and the ops acknowledged. */
interface Round {
  ms: number;
  cpu: number;
  acknowledged: number;
}

/** CPU is this process's and every process's below it: the clients, npm start, its S3 and emulator. */
async function timed(fn: () => Promise<number>): Promise<Round> {
  const [t0, c0] = [performance.now(), treeCpuMs()];
  const acknowledged = await fn();
  return { ms: performance.now() - t0, cpu: treeCpuMs() - c0, acknowledged };
}

/** Round `r` of single-op posts to the stack; only 201s count as acknowledged. */
function apiRound(stack: StartedStack, options: StartThroughputOptions, r: number) {
  return timed(async () => {
    const run = await sendLoad({
      url: stack.url,
      events: options.opsPerRound,
      concurrency: options.concurrency,
      maxMs: 300_000,
      idPrefix: `round-${r}`,
    });
    return run.statuses[201] ?? 0;
  });
}

/** Round `r` of bare conditional PutObjects of one op's bytes. */
function rawRound(client: S3Client, options: StartThroughputOptions, r: number) {
  const body = `${JSON.stringify(seedOp(0))}\n`;
  return timed(async () => {
    await mapLimit(
      Array.from({ length: options.opsPerRound }, (_, i) => i),
      options.concurrency,
      (i) =>
        client.send(
          new PutObjectCommand({
            Bucket: BUCKET,
            Key: `raw/${r}/${i}.jsonl`,
            Body: body,
            ContentType: 'application/x-ndjson',
            IfNoneMatch: '*',
          }),
        ),
    );
    return options.opsPerRound;
  });
}

/**
 * Alternating rounds (which goes first alternates too, so drift falls on
 * both alike). The ratio is the median of the rounds' ratios: a burst of
 * load from elsewhere on the machine moves one round, not the figure.
 */
async function rounds(stack: StartedStack, client: S3Client, options: StartThroughputOptions) {
  const pairs: { api: Round; raw: Round }[] = [];
  let snapshotMs = 0;
  for (let r = 0; r < options.rounds; r++) {
    if (r % 2 === 0) {
      const api = await apiRound(stack, options, r);
      pairs.push({ api, raw: await rawRound(client, options, r) });
    } else {
      const raw = await rawRound(client, options, r);
      pairs.push({ api: await apiRound(stack, options, r), raw });
    }
    snapshotMs += await runSnapshot(stack);
  }
  return summary(pairs, snapshotMs, options);
}

function summary(
  pairs: readonly { api: Round; raw: Round }[],
  snapshotMs: number,
  options: StartThroughputOptions,
) {
  const sum = (pick: (p: { api: Round; raw: Round }) => number) =>
    pairs.reduce((total, p) => total + pick(p), 0);
  const ops = pairs.length * options.opsPerRound;
  const acknowledged = sum((p) => p.api.acknowledged);
  const [apiMs, rawMs] = [sum((p) => p.api.ms), sum((p) => p.raw.ms)];
  // Only acknowledged ops count: a round of errors is no throughput.
  const ratios = pairs
    .map((p) => p.api.acknowledged / p.api.ms / (p.raw.acknowledged / p.raw.ms))
    .sort((x, y) => x - y);
  return {
    concurrency: options.concurrency,
    start_ops_per_s: round(acknowledged / (apiMs / 1000), 1),
    raw_put_ops_per_s: round(ops / (rawMs / 1000), 1),
    ratio: round(median(ratios), 3),
    ratio_lowest_round: round(ratios[0] as number, 3),
    ratio_highest_round: round(ratios.at(-1) as number, 3),
    ratio_of_totals: round(acknowledged / apiMs / (ops / rawMs), 3),
    start_cpu_ms_per_op: round(sum((p) => p.api.cpu) / ops, 2),
    raw_cpu_ms_per_op: round(sum((p) => p.raw.cpu) / ops, 2),
    snapshot_ms_per_op: round(snapshotMs / acknowledged, 3),
    not_acknowledged: ops - acknowledged,
  };
}

function seedOp(i: number): ObservedOp {
  const parsed = parseOp(
    {
      endpoint: `tools/call/${['search', 'read_file', 'write_file'][i % 3]}`,
      success: i % 7 !== 0,
      source: i % 3 === 0 ? 'scenario' : 'mcp',
      duration_ms: 40 + (i % 200),
    },
    new Date(),
  );
  if (!parsed.ok) throw new Error('bad seed op');
  return parsed.op;
}

const median = (sorted: number[]) =>
  sorted.length % 2 === 1
    ? (sorted[(sorted.length - 1) / 2] as number)
    : ((sorted[sorted.length / 2 - 1] as number) + (sorted[sorted.length / 2] as number)) / 2;

/**
 * Measures in a process of its own, as `npm run bench` does: nothing of the
 * bench's other measurements (a heap of 20,000 ops, SDK code warmed by tens
 * of thousands of calls, its own S3 server) shares the machine or the client.
 */
export async function startThroughputApart(
  progress: (line: string) => void,
): Promise<Record<string, number>> {
  const child = spawn(process.execPath, ['--import', 'tsx', import.meta.filename], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: process.env,
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => progress(chunk.trimEnd()));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`bench/start-throughput.ts exited ${code}`);
  return z.record(z.string(), z.number()).parse(JSON.parse(out));
}

/** Runs the figure alone: `node --import tsx bench/start-throughput.ts` (progress on stderr, JSON on stdout). */
if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const result = await startThroughput(undefined, (line) => process.stderr.write(`${line}\n`));
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

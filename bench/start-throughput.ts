// `npm start` as a user runs it (its data folder inside the checkout, as by
// default), after many ops are stored: single-op posts from concurrent
// clients against raw PutObject to the same embedded S3 at the same
// concurrency, in alternating rounds of the same run.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { sendLoad } from '../dev/load-run';
import { type StartedStack, startStack } from '../dev/npm-start';
import { localS3Client } from '../dev/s3-tools';
import { type ObservedOp, parseOp } from '../lib/ingest/op';
import { mapLimit } from '../lib/platform/concurrency';
import { S3SegmentStore } from '../lib/storage/s3-store';

/** The sizes of one measurement. */
export interface StartThroughputOptions {
  storedOps: number;
  concurrency: number;
  /** Pairs of rounds: one of posts to npm start, one of raw PutObject. */
  rounds: number;
  opsPerRound: number;
}

export const START_THROUGHPUT_DEFAULTS: StartThroughputOptions = {
  storedOps: 10_000,
  concurrency: 16,
  rounds: 8,
  opsPerRound: 300,
};

const BUCKET = 'observer-local';

/** `npm start` ops/s ÷ raw PutObject ops/s, with `storedOps` already stored. */
export async function startThroughput(
  options: StartThroughputOptions = START_THROUGHPUT_DEFAULTS,
  progress: (line: string) => void = () => {},
): Promise<Record<string, number>> {
  mkdirSync(resolve('.data'), { recursive: true });
  const dataDir = mkdtempSync(resolve('.data/bench-'));
  const stack = await startStack({ OBSERVER_DATA_DIR: dataDir, OBSERVER_API_TOKEN: '' });
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

/** Stores the ops, brings the snapshot's ring up to date, and warms every client's function. */
async function seed(stack: StartedStack, client: S3Client, options: StartThroughputOptions) {
  const store = new S3SegmentStore(client, BUCKET);
  await mapLimit(
    Array.from({ length: options.storedOps }, (_, i) => i),
    32,
    (i) => store.append([seedOp(i)], new Date()),
  );
  // The scheduled snapshot's first run (once a minute) rebuilds its ring from
  // all that is stored; run it now, so the rounds see only its steady work.
  const snapshot = await fetch(
    `${stack.lambdaUrl}/2015-03-31/functions/observer-local-snapshot/invocations`,
    { method: 'POST', body: '{}' },
  );
  if (!snapshot.ok) throw new Error(`the snapshot answered ${snapshot.status}`);
  await snapshot.arrayBuffer();
  await sendLoad({
    url: stack.url,
    events: 4 * options.concurrency,
    concurrency: options.concurrency,
    maxMs: 120_000,
    idPrefix: 'warm',
  });
}

/**
 * Alternating rounds (which goes first alternates too, so drift falls on
 * both alike). The ratio is the median of the rounds' ratios: a burst of
 * load from elsewhere on the machine moves one round, not the figure.
 */
async function rounds(stack: StartedStack, client: S3Client, options: StartThroughputOptions) {
  const body = `${JSON.stringify(seedOp(0))}\n`;
  const totals = { startMs: 0, rawMs: 0, startCpu: 0, rawCpu: 0, acknowledged: 0, other: 0 };
  const ratios: number[] = [];
  const timedCpu = async (fn: () => Promise<void>) => {
    const [t0, c0] = [performance.now(), treeCpuMs()];
    await fn();
    return { ms: performance.now() - t0, cpu: treeCpuMs() - c0 };
  };
  for (let r = 0; r < options.rounds; r++) {
    const api = () =>
      timedCpu(async () => {
        const run = await sendLoad({
          url: stack.url,
          events: options.opsPerRound,
          concurrency: options.concurrency,
          maxMs: 300_000,
          idPrefix: `round-${r}`,
        });
        totals.acknowledged += run.statuses[201] ?? 0;
        totals.other += run.sent - (run.statuses[201] ?? 0);
      });
    const raw = () =>
      timedCpu(async () => {
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
      });
    let start: { ms: number; cpu: number };
    let rawRound: { ms: number; cpu: number };
    if (r % 2 === 0) {
      start = await api();
      rawRound = await raw();
    } else {
      rawRound = await raw();
      start = await api();
    }
    totals.startMs += start.ms;
    totals.rawMs += rawRound.ms;
    totals.startCpu += start.cpu;
    totals.rawCpu += rawRound.cpu;
    ratios.push(rawRound.ms / start.ms);
  }
  const ops = options.rounds * options.opsPerRound;
  ratios.sort((x, y) => x - y);
  return {
    concurrency: options.concurrency,
    start_ops_per_s: round(totals.acknowledged / (totals.startMs / 1000), 1),
    raw_put_ops_per_s: round(ops / (totals.rawMs / 1000), 1),
    ratio: round(median(ratios), 3),
    ratio_of_totals: round(totals.rawMs / totals.startMs, 3),
    start_cpu_ms_per_op: round(totals.startCpu / ops, 2),
    raw_cpu_ms_per_op: round(totals.rawCpu / ops, 2),
    not_acknowledged: totals.other,
  };
}

/**
 * CPU milliseconds used so far by this process and every process below it
 * (clients, npm start, its S3 and emulator): what both sides of a round cost
 * the machine. Linux /proc; 0 where there is none.
 */
function treeCpuMs(): number {
  const procs = new Map<number, { parent: number; cpu: number }>();
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return 0;
  }
  for (const entry of entries) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // utime and stime, in clock ticks (100 per second on Linux).
      const ticks = Number(fields[11]) + Number(fields[12]);
      procs.set(Number(entry), { parent: Number(fields[1]), cpu: ticks * 10 });
    } catch {
      // gone while reading
    }
  }
  let total = 0;
  const queue = [process.pid];
  while (queue.length > 0) {
    const pid = queue.pop() as number;
    total += procs.get(pid)?.cpu ?? 0;
    for (const [child, p] of procs) if (p.parent === pid) queue.push(child);
  }
  return total;
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

const round = (n: number, digits: number) => Number(n.toFixed(digits));

/** Runs the figure alone: `node --import tsx bench/start-throughput.ts`. */
if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  console.log(JSON.stringify(await startThroughput(undefined, (l) => console.log(l)), null, 2));
}

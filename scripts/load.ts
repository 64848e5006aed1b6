// `npm run load`: a bounded load run on this machine only. Starts its own
// local S3 (s3rver, a separate process, a temporary folder) and
// serverless-offline on free loopback ports, posts the events from
// concurrent clients, then checks that S3 holds exactly the acknowledged ops.
//   npm run load -- [--events 10000] [--concurrency 32] [--max-seconds 300]
// Exits 1 on any 5xx, unanswered request or difference between S3 and the acks.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { checkS3, sendLoad, serverErrors } from '../dev/load-run';
import { type LocalS3, spawnLocalS3 } from '../dev/local-s3';
import { bucketEnv, type OfflineStack, startOfflineStack } from '../dev/offline-stack';
import { percentile } from '../dev/percentile';
import { localS3Client } from '../dev/s3-tools';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '32' },
    'max-seconds': { type: 'string', default: '300' },
  },
});
const bounded = (name: string, value: string | undefined, max: number) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new Error(`--${name} must be a whole number from 1 to ${max}`);
  }
  return n;
};
const events = bounded('events', values.events, 100_000);
const concurrency = bounded('concurrency', values.concurrency, 256);
const maxSeconds = bounded('max-seconds', values['max-seconds'], 3_600);

// The SDK's notice about Node 20 support says nothing about this run.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const BUCKET = 'observer-load';
const PREFIX = 'load/';
const token = randomBytes(24).toString('hex');
const directory = mkdtempSync(join(tmpdir(), 'observer-load-'));
let s3: LocalS3 | undefined;
let api: OfflineStack | undefined;

const cleanUp = async () => {
  await api?.stop();
  await s3?.close();
  rmSync(directory, { recursive: true, force: true });
};
// A hard stop, whatever happens: the run is bounded in time.
const watchdog = setTimeout(
  () => {
    console.error(`load run exceeded ${maxSeconds + 120} s; stopping`);
    void cleanUp().finally(() => process.exit(2));
  },
  (maxSeconds + 120) * 1000,
);

try {
  s3 = await spawnLocalS3({ directory, bucket: BUCKET });
  api = await startOfflineStack({
    output: 'collect',
    env: bucketEnv(
      { endpoint: s3.endpoint, bucket: BUCKET, prefix: PREFIX },
      { OBSERVER_RING_CAP: String(Math.max(events, 2000)), OBSERVER_API_TOKEN: token },
    ),
  });
  console.log(`observer ${api.url}, local S3 ${s3.endpoint}`);
  console.log(`sending ${events} events from ${concurrency} clients (at most ${maxSeconds} s)`);

  const run = await sendLoad({
    url: api.url,
    events,
    concurrency,
    maxMs: maxSeconds * 1000,
    token,
  });
  const client = localS3Client(s3.endpoint);
  const check = await checkS3(client, BUCKET, PREFIX, run.acked);
  client.destroy();
  const statsRes = await fetch(`${api.url}/observer/stats`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const stats = (await statsRes.json()) as { total?: number };

  const fiveXx = serverErrors(run);
  const ms = (p: number) => percentile(run.latenciesMs, p).toFixed(1);
  console.log(
    [
      `sent            ${run.sent}`,
      `acknowledged    ${run.statuses[201] ?? 0} (201)`,
      `5xx             ${fiveXx}`,
      `other statuses  ${JSON.stringify(Object.fromEntries(Object.entries(run.statuses).filter(([s]) => s !== '201')))}`,
      `no answer       ${run.noAnswer}`,
      `found in S3     ${check.found} (missing ${check.missing.length}, unacknowledged ${check.unacknowledged.length}, wrong content ${check.mismatched.length})`,
      `stats total     ${stats.total}`,
      `elapsed         ${(run.elapsedMs / 1000).toFixed(1)} s, ${((run.sent / run.elapsedMs) * 1000).toFixed(0)} requests/s`,
      `latency ms      p50 ${ms(0.5)}  p90 ${ms(0.9)}  p99 ${ms(0.99)}  max ${ms(1)}`,
    ].join('\n'),
  );
  const clean =
    run.sent === events &&
    fiveXx === 0 &&
    run.noAnswer === 0 &&
    check.missing.length === 0 &&
    check.unacknowledged.length === 0 &&
    check.mismatched.length === 0 &&
    check.found === (run.statuses[201] ?? 0) &&
    stats.total === check.found;
  console.log(clean ? 'OK: nothing lost, nothing extra, no 5xx' : 'FAILED');
  process.exitCode = clean ? 0 : 1;
} finally {
  clearTimeout(watchdog);
  await cleanUp();
}

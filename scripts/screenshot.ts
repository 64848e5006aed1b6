// `npm run screenshot`: PNGs of the dashboard (1280 px wide, 360 px narrow,
// and dark at 1280) and of its issue views (the list, an issue, an op) in
// .screenshots/, from a stack of its own (serverless-offline over a temporary
// local S3) holding a day of demo history and a few hundred ops, one issue
// resolved and then failing again, one muted.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../dev/browser';
import { historySnapshot, seedHistory } from '../dev/history';
import { startLocalS3 } from '../dev/local-s3';
import { bucketEnv, invokeLocal, type OfflineStack, startOfflineStack } from '../dev/offline-stack';
import { seededRandom } from '../dev/random';
import { localS3Client } from '../dev/s3-tools';
import { HOUR_MS } from '../lib/storage/keys';
import { S3SegmentStore } from '../lib/storage/s3-store';

const OUT = resolve('.screenshots');
const BUCKET = 'observer-demo';
const PREFIX = 'demo/';

const ENDPOINTS = ['tools/call', 'fill', 'weld', 'inspect', 'resources/read'];
const STAFFERS = ['w-17', 'w-04', 'w-22', 'insp-2'];
const ERRORS = [
  (r: () => number) =>
    `timeout after ${1000 + Math.floor(r() * 9000)} ms waiting for tool ${ENDPOINTS[Math.floor(r() * 3)]}`,
  (r: () => number) => `connection refused: db-${Math.floor(r() * 4)}.internal:5432`,
  (r: () => number) =>
    `invalid argument "width": must be at most 80, got ${81 + Math.floor(r() * 40)}`,
  () => 'rate limited by upstream (429); retry later',
];

/** A day of history, one snapshot every 10 minutes: the ring fills, failures come in waves. */
function demoHistory(now: number) {
  const points = 24 * 6;
  return Array.from({ length: points }, (_, i) => {
    const at = now - (points - i) * (HOUR_MS / 6);
    const total = Math.round(20 + (270 * i) / points + 6 * Math.sin(i / 4));
    const failures = Math.round(total * (0.08 + 0.1 * Math.max(0, Math.sin(i / 11))));
    return historySnapshot(new Date(at), total, failures);
  });
}

/** A few hundred ops, about one in six failed, in batches. */
async function postDemoOps(api: OfflineStack): Promise<void> {
  const random = seededRandom(42);
  for (let batch = 0; batch < 6; batch++) {
    const ops = Array.from({ length: 50 }, () => {
      const failed = random() < 0.16;
      const error = ERRORS[Math.floor(random() * ERRORS.length)] ?? ERRORS[0];
      return {
        endpoint: ENDPOINTS[Math.floor(random() * ENDPOINTS.length)],
        success: !failed,
        source: random() < 0.4 ? 'scenario' : 'mcp',
        staffer_id: STAFFERS[Math.floor(random() * STAFFERS.length)],
        duration_ms: Math.round(random() * 800),
        ...(failed && error ? { error: error(random) } : {}),
      };
    });
    const res = await fetch(`${api.url}/observer/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ops),
    });
    if (res.status !== 201) throw new Error(`posting demo ops: ${res.status} ${await res.text()}`);
  }
}

/** Resolves the second issue and fails it again (regressed), mutes the third; that issue, and an op. */
async function demoLifecycle(api: OfflineStack): Promise<{ issue: string; op: string }> {
  const call = (path: string, body?: unknown) =>
    fetch(`${api.url}/observer/${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }).then((r) => r.json());
  const { issues } = (await call('issues?sort=count')) as {
    issues: { id: string; endpoint: string }[];
  };
  const [first, second, third] = issues;
  if (!first || !second || !third) throw new Error('the demo has fewer than three issues');
  await call(`issues/${second.id}`, { status: 'resolved' });
  const page = (await call(`issues/${second.id}`)) as { samples: { op: unknown }[] };
  await call('event', page.samples[0]?.op);
  await call(`issues/${third.id}`, { status: 'muted' });
  const sample = (
    (await call(`issues/${first.id}`)) as { samples: { key: string; line: number }[] }
  ).samples[0];
  if (!sample) throw new Error('the first issue has no sample');
  return { issue: second.id, op: `${encodeURIComponent(sample.key)}:${sample.line}` };
}

async function shoot(
  browser: Browser,
  url: string,
  name: string,
  options: { width: number; dark?: boolean; ready?: string },
) {
  const context = await browser.newContext({
    viewport: { width: options.width, height: 800 },
    deviceScaleFactor: options.width < 600 ? 2 : 1,
    colorScheme: options.dark ? 'dark' : 'light',
    locale: 'en-US',
    timezoneId: 'UTC',
  });
  const page = await context.newPage();
  await page.goto(url);
  await page.locator(options.ready ?? '#chart[data-points]:not([data-points="0"])').waitFor();
  await page.locator('#state[data-kind="ok"]').waitFor();
  const file = join(OUT, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  await context.close();
  console.log(`wrote ${file}`);
}

const directory = mkdtempSync(join(tmpdir(), 'observer-screenshot-'));
const s3 = await startLocalS3({ directory, bucket: BUCKET });
let api: OfflineStack | undefined;
let browser: Browser | undefined;
try {
  const store = new S3SegmentStore(localS3Client(s3.endpoint), BUCKET, PREFIX);
  await seedHistory(store, demoHistory(Date.now()));
  api = await startOfflineStack({
    output: 'collect',
    schedules: false,
    env: bucketEnv(
      { endpoint: s3.endpoint, bucket: BUCKET, prefix: PREFIX },
      { POWERTOOLS_LOG_LEVEL: 'WARN' },
    ),
  });
  await postDemoOps(api);
  const snapshot = await invokeLocal(api.lambdaUrl, 'snapshot');
  if (!snapshot.ok) throw new Error(`snapshot: ${snapshot.status}`);
  mkdirSync(OUT, { recursive: true });
  browser = await launchChromium();
  const url = `${api.url}/observer/`;
  await shoot(browser, url, 'dashboard-wide', { width: 1280 });
  await shoot(browser, url, 'dashboard-narrow', { width: 360 });
  await shoot(browser, url, 'dashboard-dark', { width: 1280, dark: true });
  const { issue, op } = await demoLifecycle(api);
  await shoot(browser, `${url}#/issues?range=all`, 'issues-list', {
    width: 1280,
    ready: '#issues tbody tr .status-regressed >> nth=0',
  });
  await shoot(browser, `${url}#/issues/${issue}`, 'issue', {
    width: 1280,
    ready: '#issue-trend[data-points="48"]',
  });
  await shoot(browser, `${url}#/ops/${op}`, 'op', {
    width: 1280,
    ready: '#op-fields tbody tr >> nth=0',
  });
} finally {
  await browser?.close();
  await api?.stop();
  await s3.close();
  rmSync(directory, { recursive: true, force: true });
}

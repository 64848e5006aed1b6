import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchChromium } from '../../dev/browser';
import { historySnapshot, seedHistory } from '../../dev/history';
import { invokeLocal } from '../../dev/offline-stack';
import { apiKeyEntry, newApiKey } from '../../lib/platform/api-keys';
import { S3SegmentStore } from '../../lib/storage/s3-store';
import { stackEnv } from '../support/e2e';
import { rawClient, uniquePrefix } from '../support/s3';
import { type Offline, startOffline } from '../support/serverless';

// The dashboard in a real browser (Debian's chromium through playwright-core)
// over the local stack, checked for what a person sees. Every wait is on the
// page's DOM or its requests, never on a fixed delay.

const MINUTE_MS = 60_000;
/**
 * How long a wait for the page may take: a safety net, not a measurement. A
 * page that waits on a cold function of a stack sharing two cores with other
 * work can take tens of seconds (expect.poll's own deadline is 1 s).
 */
const WAIT_MS = 60_000;
const POLL = { timeout: WAIT_MS, interval: 50 };
const OPS = [
  { endpoint: 'tools/call', success: true, staffer_id: 'w-17' },
  { endpoint: 'tools/call', success: true },
  { endpoint: 'inspect', success: true, source: 'scenario', staffer_id: 'insp-2' },
  { endpoint: 'fill', staffer_id: 'w-17', error: 'timeout after 3000 ms waiting for db-1' },
  { endpoint: 'fill', staffer_id: 'w-04', error: 'timeout after 4500 ms waiting for db-2' },
  { endpoint: 'weld', staffer_id: 'w-22', error: '<b>arc</b> lost' },
];

/** A page in a context of its own, with what the page's console and network did. */
interface Session {
  context: BrowserContext;
  page: Page;
  /** Console messages of level error, with the URL they are about. */
  consoleErrors: { text: string; url: string }[];
  consoleTexts: string[];
  pageErrors: string[];
  requests: { url: string; authorization: string | undefined }[];
}

let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

async function openSession(options: { clock?: boolean } = {}): Promise<Session> {
  const context = await browser.newContext({
    locale: 'en-US',
    viewport: { width: 1280, height: 900 },
  });
  context.setDefaultTimeout(WAIT_MS);
  const page = await context.newPage();
  const session: Session = {
    context,
    page,
    consoleErrors: [],
    consoleTexts: [],
    pageErrors: [],
    requests: [],
  };
  page.on('console', (m) => {
    session.consoleTexts.push(m.text());
    if (m.type() === 'error') session.consoleErrors.push({ text: m.text(), url: m.location().url });
  });
  page.on('pageerror', (e) => session.pageErrors.push(String(e)));
  page.on('request', (r) =>
    session.requests.push({ url: r.url(), authorization: r.headers().authorization }),
  );
  if (options.clock) await page.clock.install();
  return session;
}

const text = async (page: Page, selector: string) =>
  (await page.locator(selector).textContent()) ?? '';
const rate = (s: { total: number; successes: number }) =>
  s.total === 0 ? '—' : `${((s.successes / s.total) * 100).toFixed(1)}%`;

/** Waits until the counters show something other than their placeholder. */
async function countersShown(page: Page): Promise<void> {
  await page.waitForFunction(() => document.getElementById('stat-total')?.textContent !== '–');
}

describe('the dashboard over the local stack', () => {
  const prefix = uniquePrefix('e2e-dashboard');
  let api: Offline;
  let stats: { total: number; successes: number; failures: number };
  let historyPoints: number;
  const missing: string[] = [];
  let session: Session;
  let pageHeaders: Record<string, string>;

  beforeAll(async () => {
    // Three snapshots in earlier minutes, and the one the snapshot function writes now.
    const store = new S3SegmentStore(rawClient(), inject('s3Bucket'), prefix);
    const now = Date.now();
    await seedHistory(
      store,
      [30, 20, 10].map((m, i) => historySnapshot(new Date(now - m * MINUTE_MS), 2 + i, i)),
    );
    api = await startOffline(stackEnv(prefix));
    const posted = await fetch(`${api.url}/observer/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(OPS),
    });
    expect(posted.status).toBe(201);
    const snapshot = await invokeLocal(api.lambdaUrl, 'snapshot');
    expect(snapshot.status).toBe(200);
    stats = await (await fetch(`${api.url}/observer/stats`)).json();
    const history = await (await fetch(`${api.url}/observer/stats/history?hours=1`)).json();
    historyPoints = history.snapshots.length;
    for (const route of ['failures', 'ops']) {
      if ((await fetch(`${api.url}/observer/${route}`)).status === 404) missing.push(route);
    }
    session = await openSession();
    const res = await session.page.goto(`${api.url}/observer/`);
    pageHeaders = res?.headers() ?? {};
  });

  afterAll(async () => {
    await session?.context.close();
    await api?.stop();
  });

  it('is served as HTML under a Content-Security-Policy of its own origin', () => {
    expect(pageHeaders['content-type']).toBe('text/html; charset=utf-8');
    expect(pageHeaders['content-security-policy']).toMatch(
      /^default-src 'self'; script-src 'sha256-/,
    );
  });

  it('shows the counters and the success rate the API answers', async () => {
    const { page } = session;
    await countersShown(page);

    expect(stats).toMatchObject({ total: 6, successes: 3, failures: 3 });
    expect(await text(page, '#stat-total')).toBe(String(stats.total));
    expect(await text(page, '#stat-successes')).toBe(String(stats.successes));
    expect(await text(page, '#stat-failures')).toBe(String(stats.failures));
    expect(await text(page, '#stat-rate')).toBe(rate(stats));
    expect(await text(page, '#by-source')).toBe('By source: mcp 5 · scenario 1');
    expect(await text(page, '#state')).toBe('Live');
  });

  it('draws the failures per minute and the error rate of every snapshot of the hours chosen, with a text alternative', async () => {
    const { page } = session;
    // Three seeded minutes, and the one the snapshot function counted from the
    // log; the stack runs it only when invoked, so no run on the clock adds one.
    expect(api.output()).toContain('scheduled functions run only when invoked');
    expect(historyPoints).toBe(4);

    await page.getByLabel('Hours shown (1–168)').fill('1');
    await page.getByLabel('Hours shown (1–168)').press('Enter');
    await page.locator(`#chart[data-points="${historyPoints}"]`).waitFor({ state: 'attached' });
    await page
      .locator('#chart-summary', { hasText: `${historyPoints} minutes in the last 1 h` })
      .waitFor();

    for (const series of ['failures', 'rate']) {
      const pairs = await page.locator(`#chart .series-${series}`).getAttribute('points');
      expect(pairs?.split(' ')).toHaveLength(historyPoints);
    }
    expect(await page.locator('#chart .dot-failures').count()).toBe(historyPoints);
    expect(
      await page
        .getByRole('img', { name: /Failures per minute and the error rate over time/ })
        .count(),
    ).toBe(1);
    // Seeded: 0 of 2, 1 of 3, 2 of 4 ops failed; then a minute with no op.
    expect(await text(page, '#chart-desc')).toMatch(
      /Failures per minute: 0 to 0, at most 2\. Error rate: 0\.0% to 0\.0%\.$/,
    );
  });

  it('lists the latest failing ops, or says the route is not deployed', async () => {
    const { page } = session;
    if (missing.includes('ops')) {
      await page.getByText('Not available: this deployment has no GET /observer/ops.').waitFor();
      return;
    }
    const answer = await (await fetch(`${api.url}/observer/ops?success=false&limit=20`)).json();
    await page
      .locator('#ops tbody tr')
      .nth(answer.ops.length - 1)
      .waitFor();

    expect(await page.locator('#ops tbody tr').count()).toBe(3);
    const rows = await page.locator('#ops tbody tr').allInnerTexts();
    expect(rows.join('\n')).toContain('weld');
    // An error is shown as the text it is, never as markup.
    expect(await page.locator('#ops').getByText('<b>arc</b> lost').count()).toBe(1);
    expect(await page.locator('#ops b').count()).toBe(0);
  });

  it('lists the failure clusters, or says the route is not deployed', async () => {
    const { page } = session;
    if (missing.includes('failures')) {
      await page
        .getByText('Not available: this deployment has no GET /observer/failures.')
        .waitFor();
      return;
    }
    const answer = await (await fetch(`${api.url}/observer/failures`)).json();
    await page
      .locator('#clusters tbody tr')
      .nth(answer.clusters.length - 1)
      .waitFor();

    expect(await page.locator('#clusters tbody tr').count()).toBe(answer.clusters.length);
    const first = await page.locator('#clusters tbody tr').first().textContent();
    expect(first).toContain(answer.clusters[0].endpoint);
  });

  it('logged no error and asked no host but its own', () => {
    // A route that is not deployed answers 404, which the browser logs as a failed load.
    const expected = (e: { text: string; url: string }) =>
      /status of 404/.test(e.text) &&
      missing.some((r) => new URL(e.url).pathname === `/observer/${r}`);

    expect(session.pageErrors).toEqual([]);
    expect(session.consoleErrors.filter((e) => !expected(e))).toEqual([]);
    expect(session.requests.length).toBeGreaterThan(4);
    for (const { url } of session.requests) {
      expect(['127.0.0.1', 'localhost']).toContain(new URL(url).hostname);
    }
  });

  it('works at /observer as well (serverless-offline serves it there; API Gateway redirects)', async () => {
    const { page, context } = await openSession();
    try {
      await page.goto(`${api.url}/observer`);
      await countersShown(page);

      expect(await text(page, '#stat-total')).toBe(String(stats.total));
    } finally {
      await context.close();
    }
  });

  it('refreshes every 5 s while visible and not at all while hidden', async () => {
    const { page, requests, context } = await openSession({ clock: true });
    try {
      const statsCalls = () =>
        requests.filter((r) => new URL(r.url).pathname === '/observer/stats').length;
      await page.goto(`${api.url}/observer/`);
      await page.locator('#state[data-kind="ok"]').waitFor();
      const first = statsCalls();

      await page.clock.runFor(5_000);
      await expect.poll(statsCalls, POLL).toBe(first + 1);

      await page.evaluate(() => {
        Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
        document.dispatchEvent(new Event('visibilitychange'));
      });
      await page.getByText('Paused while this tab is hidden').waitFor();
      const hidden = statsCalls();
      await page.clock.runFor(60_000);
      // A request of our own: the browser reports requests in order, so any the page made are in.
      await page.evaluate(() => fetch('health').then((r) => r.status));
      await expect
        .poll(() => requests.some((r) => r.url.endsWith('/observer/health')), POLL)
        .toBe(true);
      expect(statsCalls()).toBe(hidden);

      await page.evaluate(() => {
        Object.defineProperty(document, 'visibilityState', {
          value: 'visible',
          configurable: true,
        });
        document.dispatchEvent(new Event('visibilitychange'));
      });
      await expect.poll(statsCalls, POLL).toBe(hidden + 1);
    } finally {
      await context.close();
    }
  });

  it('shows the clusters and failing ops in the shapes their routes answer', async () => {
    const { page, context } = await openSession();
    try {
      const answers: Record<string, unknown> = {
        '/observer/failures': {
          generated_at: '2026-11-24T21:00:00.000Z',
          failures_total: 3,
          clusters_total: 1,
          clusters: [
            {
              id: 'c1',
              endpoint: 'fill',
              template: 'timeout after <*> ms waiting for <*>',
              count: 2,
              share: 0.6667,
              endpoints: ['fill'],
              sources: ['mcp'],
              staffers: ['w-17', 'w-04'],
              first_seen: '2026-11-24T20:10:00.000Z',
              last_seen: '2026-11-24T20:59:00.000Z',
              trend: { last_hour: 2, hour_before: 0 },
              samples: [],
            },
          ],
        },
        '/observer/ops': {
          ops: [
            {
              key: 'ops/2026/11/24/20/a.jsonl',
              line: 0,
              received_at: '2026-11-24T20:59:00.000Z',
              op: {
                endpoint: 'fill',
                success: false,
                staffer_id: 'w-04',
                error: 'timeout after 4500 ms',
              },
            },
          ],
          next_cursor: null,
        },
      };
      await page.route(/\/observer\/(failures|ops)(\?|$)/, (route) =>
        route.fulfill({ json: answers[new URL(route.request().url()).pathname] }),
      );
      await page.goto(`${api.url}/observer/`);
      await page.locator('#clusters tbody tr').first().waitFor();
      await page.locator('#ops tbody tr').first().waitFor();

      const cluster = await page
        .locator('#clusters tbody tr')
        .first()
        .locator('td')
        .allInnerTexts();
      expect(cluster.slice(0, 4)).toEqual([
        'timeout after <*> ms waiting for <*>',
        'fill',
        '2',
        '67%',
      ]);
      expect(cluster[4]).toMatch(/2 vs 0/);
      expect(cluster[6]).toBe('w-17, w-04');
      const op = await page.locator('#ops tbody tr').first().locator('td').allInnerTexts();
      // An op without a trace_id belongs to no run: no link.
      expect(op.slice(1)).toEqual(['fill', 'w-04', 'timeout after 4500 ms', '—']);
    } finally {
      await context.close();
    }
  });
});

describe('the dashboard and the API with keys configured', () => {
  const prefix = uniquePrefix('e2e-dashboard-keys');
  const token = 'dashboard-e2e-token-0123456789';
  const ingestKey = newApiKey();
  const readKey = newApiKey();
  let api: Offline;

  const send = (path: string, key: string, body?: unknown) =>
    fetch(`${api.url}/observer/${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  /** The ops the API counts now, asked with the token. */
  const total = async () =>
    String(((await (await send('stats', token)).json()) as { total: number }).total);

  beforeAll(async () => {
    api = await startOffline({
      ...stackEnv(prefix),
      OBSERVER_API_TOKEN: token,
      OBSERVER_API_KEYS: `${apiKeyEntry('ingest', ingestKey)},${apiKeyEntry('read', readKey)}`,
    });
    const posted = await send('event', token, { endpoint: 'tools/call', success: true });
    expect(posted.status).toBe(201);
  });

  afterAll(async () => {
    await api?.stop();
  });

  it('lets an ingest key record an op and answers it 403 on the stats, naming the scope', async () => {
    const posted = await send('event', ingestKey, { endpoint: 'tools/call', success: true });
    const stats = await send('stats', ingestKey);

    expect(posted.status).toBe(201);
    expect(stats.status).toBe(403);
    expect(await stats.json()).toEqual({
      error: "this key's scope is ingest; GET /observer/stats needs read",
      scope_needed: 'read',
    });
    expect(stats.headers.get('www-authenticate')).toBe(
      'Bearer realm="observer", error="insufficient_scope", scope="read"',
    );
  });

  it('lets a read key read the stats and answers it 403 on an event', async () => {
    const stats = await send('stats', readKey);
    const posted = await send('event', readKey, { endpoint: 'tools/call' });

    expect(stats.status).toBe(200);
    expect(((await stats.json()) as { total: number }).total).toBeGreaterThanOrEqual(1);
    expect(posted.status).toBe(403);
    expect(((await posted.json()) as { scope_needed: string }).scope_needed).toBe('ingest');
  });

  it('asks once for a key, refuses a wrong one, and keeps the right one in sessionStorage only', async () => {
    const { page, context, requests, consoleTexts } = await openSession();
    try {
      await page.goto(`${api.url}/observer/`);
      const field = page.getByLabel('Read key', { exact: true });
      await field.waitFor();
      expect(await page.locator('#board').isHidden()).toBe(true);

      await field.fill('not-the-token-at-all-000');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('alert').filter({ hasText: 'That key was not accepted' }).waitFor();

      await field.fill(token);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await countersShown(page);

      expect(await text(page, '#stat-total')).toBe(await total());
      expect(await page.locator('#signin').isHidden()).toBe(true);
      expect(await page.evaluate(() => sessionStorage.getItem('observer.token'))).toBe(token);
      expect(await page.evaluate(() => localStorage.length)).toBe(0);

      await page.reload();
      await countersShown(page);
      expect(await page.locator('#signin').isHidden()).toBe(true);

      const statsCalls = requests.filter((r) => new URL(r.url).pathname === '/observer/stats');
      expect(statsCalls.at(-1)?.authorization).toBe(`Bearer ${token}`);
      expect(page.url()).not.toContain(token);
      expect(requests.filter((r) => r.url.includes(token))).toEqual([]);
      expect(consoleTexts.filter((t) => t.includes(token))).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('shows the panels to a read key', async () => {
    const { page, context } = await openSession();
    try {
      await page.goto(`${api.url}/observer/`);
      await page.getByLabel('Read key', { exact: true }).fill(readKey);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await countersShown(page);

      expect(await text(page, '#stat-total')).toBe(await total());
      expect(await text(page, '#state')).toBe('Live');
      expect(await page.evaluate(() => sessionStorage.getItem('observer.token'))).toBe(readKey);
    } finally {
      await context.close();
    }
  });

  it('tells an ingest key that the dashboard needs the read scope, and keeps nothing', async () => {
    const { page, context } = await openSession();
    try {
      await page.goto(`${api.url}/observer/`);
      await page.getByLabel('Read key', { exact: true }).fill(ingestKey);
      await page.getByRole('button', { name: 'Sign in' }).click();
      const alert = page
        .getByRole('alert')
        .filter({ hasText: 'That key is valid but may not read.' });
      await alert.waitFor();

      expect(await alert.textContent()).toContain('The dashboard needs a key with the read scope');
      expect(await page.locator('#board').isHidden()).toBe(true);
      expect(await page.evaluate(() => sessionStorage.getItem('observer.token'))).toBeNull();
    } finally {
      await context.close();
    }
  });

  it('asks again, saying why, when a saved key turns out to be an ingest key', async () => {
    const { page, context } = await openSession();
    try {
      await page.goto(`${api.url}/observer/`);
      await page.evaluate((key) => sessionStorage.setItem('observer.token', key), ingestKey);
      await page.reload();
      await page.getByRole('alert').filter({ hasText: 'The saved key may not read.' }).waitFor();

      expect(await page.locator('#signin').isHidden()).toBe(false);
      expect(await page.evaluate(() => sessionStorage.getItem('observer.token'))).toBeNull();
    } finally {
      await context.close();
    }
  });
});

import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../dev/browser';
import { invokeLocal } from '../../dev/offline-stack';
import type { IssueSummary } from '../../lib/issues/answers';
import { stackEnv } from '../support/e2e';
import { uniquePrefix } from '../support/s3';
import { type Offline, startOffline } from '../support/serverless';

// The issue views of the dashboard in a real browser over the local stack:
// the list first, with the numbers the API answers; filters kept in the URL;
// an issue's page and an op's; resolving an issue, then a new failure making
// it regressed. Every wait is on the page's DOM, bounded, never a fixed delay.

const WAIT_MS = 60_000;
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const OPS = [
  { endpoint: 'fill', staffer_id: 'w-17', error: 'timeout after 3000 ms waiting for db-1' },
  { endpoint: 'fill', staffer_id: 'w-04', error: 'timeout after 4500 ms waiting for db-2' },
  { endpoint: 'weld', staffer_id: 'w-22', error: '<b>arc</b> lost', trace_id: TRACE },
  { endpoint: 'inspect', staffer_id: 'insp-2', error: 'quota exceeded for tenant acme' },
  { endpoint: 'inspect', success: true },
];

let api: Offline;
let browser: Browser;
let context: BrowserContext;
let page: Page;

const post = (path: string, body: unknown) =>
  fetch(`${api.url}/observer/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
const getJson = async (path: string) => (await fetch(`${api.url}/observer/${path}`)).json();
/** The list as the page asks for it: its default range (the last 24 hours) and sort. */
const listed = async (query: Record<string, string> = {}) => {
  const since = new Date(Date.now() - 24 * 3_600_000).toISOString();
  const params = new URLSearchParams({ sort: 'last_seen', since, ...query });
  return ((await getJson(`issues?${params}`)) as { issues: IssueSummary[] }).issues;
};
const rowTexts = async () =>
  Promise.all(
    (await page.locator('#issues tbody tr').all()).map((r) => r.locator('td').allInnerTexts()),
  );

beforeAll(async () => {
  api = await startOffline(stackEnv(uniquePrefix('e2e-dashboard-issues')));
  expect((await post('events', OPS)).status).toBe(201);
  expect((await invokeLocal(api.lambdaUrl, 'snapshot')).status).toBe(200);
  browser = await launchChromium();
  context = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(WAIT_MS);
  page = await context.newPage();
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await api?.stop();
});

describe('the issue views of the dashboard', () => {
  it('lists the issues first, with the statuses, counts and shares the API answers', async () => {
    await page.goto(`${api.url}/observer/`);
    const issues = await listed();
    await page
      .locator('#issues tbody tr')
      .nth(issues.length - 1)
      .waitFor();

    const rows = await rowTexts();

    expect(issues.map((i) => i.template)).toHaveLength(3);
    expect(rows.map((r) => [r[0], r[1]?.split('\n')[0], r[2], r[6]])).toEqual(
      issues.map((i) => [
        i.status,
        i.template,
        String(i.range.count),
        `${(i.range.share * 100).toFixed(1)}%`,
      ]),
    );
    const sections = await page.locator('#board > section:visible h2').allInnerTexts();
    expect(sections[0]).toBe('Issues');
    // An error is shown as the text it is, never as markup.
    expect(await page.locator('#issues b').count()).toBe(0);
  });

  it('keeps the filters in the URL, and the rows follow them; the URL alone gives the same', async () => {
    await page.goto(`${api.url}/observer/`);
    await page.locator('#issues tbody tr').first().waitFor();

    await page.getByLabel('Text').fill('timeout');
    await page.getByLabel('Text').press('Enter');
    await page.getByLabel('Sort').selectOption('count');
    await page.waitForFunction(() => location.hash === '#/issues?q=timeout&sort=count');
    const expected = await listed({ q: 'timeout', sort: 'count' });
    await expect
      .poll(async () => (await rowTexts()).map((r) => r[1]?.split('\n')[0]), { timeout: WAIT_MS })
      .toEqual(expected.map((i) => i.template));
    const shared = await context.newPage();
    await shared.goto(`${api.url}/observer/#/issues?q=timeout&sort=count`);
    await shared.locator('#issues tbody tr').first().waitFor();

    expect(expected).toHaveLength(1);
    expect(await shared.locator('#issues tbody tr').count()).toBe(1);
    expect(await shared.getByLabel('Text').inputValue()).toBe('timeout');
    expect(await shared.getByLabel('Sort').inputValue()).toBe('count');
    await shared.close();
  });

  it('opens an issue: its trend, breakdowns and samples; a sample opens the op with every field, its verdict and its run', async () => {
    const weld = (await listed()).find((i) => i.endpoint === 'weld') as IssueSummary;
    await page.goto(`${api.url}/observer/#/issues/${weld.id}`);
    await page.locator('#issue-status').waitFor();
    const answer = await getJson(`issues/${weld.id}?hours=48`);

    expect(await page.locator('#issue-title').textContent()).toBe(weld.template);
    expect(await page.locator('#issue-trend rect').count()).toBe(48);
    expect(await page.locator('#samples tbody tr').count()).toBe(answer.samples.length);
    expect(await page.locator('#issue-breakdowns').textContent()).toContain('w-22 1');
    await page.getByRole('link', { name: 'Open op' }).first().click();
    await page.locator('#op-fields tbody tr').first().waitFor();

    expect(decodeURIComponent(new URL(page.url()).hash)).toBe(
      `#/ops/${answer.samples[0].key}:${answer.samples[0].line}`,
    );
    const fields = await page.locator('#op-fields tbody tr').allInnerTexts();
    expect(fields.join('\n')).toContain(TRACE);
    expect(fields.join('\n')).toContain('<b>arc</b> lost');
    expect(await page.locator('#op-verdict').textContent()).toMatch(/^Review: /);
    expect(await page.getByRole('link', { name: 'View its run' }).getAttribute('href')).toBe(
      `#/runs/${TRACE}`,
    );
  });

  it('resolves an issue, then shows it regressed once it fails again', async () => {
    const quota = (await listed()).find((i) => i.endpoint === 'inspect') as IssueSummary;
    await page.goto(`${api.url}/observer/#/issues/${quota.id}`);
    await page.locator('#issue-status', { hasText: 'new' }).waitFor();

    await page.getByRole('button', { name: 'Resolve', exact: true }).click();
    await page.locator('#issue-status', { hasText: 'resolved' }).waitFor();
    expect((await post('event', OPS[3])).status).toBe(201);
    await page.locator('#issue-status', { hasText: 'regressed' }).waitFor();
    const answer = await getJson(`issues/${quota.id}`);

    expect(answer.issue.status).toBe('regressed');
    expect(answer.issue.resolution).toMatchObject({ status: 'resolved', by: 'open' });
    await page.goto(`${api.url}/observer/#/issues?status=regressed`);
    await expect
      .poll(async () => (await rowTexts()).map((r) => r[0]), { timeout: WAIT_MS })
      .toEqual(['regressed']);
  });
});

import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../dev/browser';
import { invokeLocal } from '../../dev/offline-stack';
import { stackEnv } from '../support/e2e';
import { uniquePrefix } from '../support/s3';
import { type Offline, startOffline } from '../support/serverless';

// Runs on the dashboard, in a real browser over the local stack: a failing op
// links to its run, the run is drawn as a waterfall with the failing op
// marked, and the playbooks table says where runs fail. Every wait is on the
// page's DOM, never on a fixed delay.

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const at = (ms: number) => new Date(Date.parse('2026-11-24T21:00:00.000Z') + ms).toISOString();
const step = (span: string, endpoint: string, start: number, ms: number, more = {}) => ({
  endpoint,
  success: true,
  trace_id: TRACE,
  span_id: span,
  parent_span_id: 'root',
  staffer_id: 'researcher',
  timestamp: at(start),
  duration_ms: ms,
  ...more,
});
const RUN = [
  {
    ...step('root', 'invoke_agent researcher', 0, 90, { success: false, error: 'run stopped' }),
    parent_span_id: undefined,
  },
  step('s1', 'plan', 0, 40),
  step('s2', 'search', 40, 20),
  step('s3', 'fetch', 60, 25, { success: false, error: 'HTTP 429 Too Many Requests' }),
];

let api: Offline;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  api = await startOffline(stackEnv(uniquePrefix('e2e-dashboard-runs')));
  const posted = await fetch(`${api.url}/observer/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(RUN),
  });
  expect(posted.status).toBe(201);
  expect((await invokeLocal(api.lambdaUrl, 'snapshot')).status).toBe(200);
  browser = await launchChromium();
  const context = await browser.newContext({
    locale: 'en-US',
    viewport: { width: 1280, height: 900 },
  });
  context.setDefaultTimeout(20_000);
  page = await context.newPage();
  await page.goto(`${api.url}/observer/`);
});

afterAll(async () => {
  await browser?.close();
  await api?.stop();
});

describe('runs on the dashboard', () => {
  it('links each failing op of a run to the run', async () => {
    const links = page.locator('#ops').getByRole('link', { name: 'View run' });
    await links.nth(1).waitFor();

    expect(await links.count()).toBe(2);
    expect(await links.first().getAttribute('href')).toBe(`#run=${TRACE}`);
  });

  it('draws the run as a waterfall with the failing op marked, once the link is followed', async () => {
    await page.locator('#ops').getByRole('link', { name: 'View run' }).first().click();
    await page.locator('#run tbody tr').nth(3).waitFor();

    expect(await page.locator('#run-title').textContent()).toBe(`Run ${TRACE}`);
    expect(await page.locator('#run-summary').textContent()).toMatch(
      /^Failed · researcher · 4 ops · 90 ms · 0 tokens/,
    );
    const rows = await page.locator('#run tbody tr').allInnerTexts();
    expect(rows.map((r) => r.split('\t')[0])).toEqual([
      'invoke_agent researcher',
      'plan',
      'search',
      'fetch',
    ]);
    const first = page.locator('#run tbody tr[data-first="true"]');
    expect(await first.count()).toBe(1);
    expect((await first.textContent()) ?? '').toContain('fetch');
    expect((await first.textContent()) ?? '').toContain('failed: first failure');
    expect(await page.locator('#run tbody tr.failed').count()).toBe(2);
    // Each op's bar starts where it starts in the run: fetch at 60 of 90 ms.
    expect(await first.locator('rect').getAttribute('x')).toBe('666.7');
    expect(await page.locator('#run rect.span-failed').count()).toBe(2);
  });

  it('shows the playbook the snapshot function stored', async () => {
    await page.locator('#playbooks tbody tr').first().waitFor();

    const row = await page.locator('#playbooks tbody tr').first().textContent();
    expect(row ?? '').toContain('researcher');
    expect(row ?? '').toContain('fetch: HTTP <*> Too Many Requests');
  });
});

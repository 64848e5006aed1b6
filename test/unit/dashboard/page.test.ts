import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bundleDashboardScript, DASHBOARD_SCRIPT_FILE } from '../../../dev/dashboard-bundle';
import { handler as dashboard } from '../../../handlers/dashboard';
import { DASHBOARD_CSP, DASHBOARD_HTML } from '../../../lib/dashboard/page';
import { httpEvent } from '../../support/events';

const sha256 = (text: string) => createHash('sha256').update(text).digest('base64');
const inline = (tag: string) =>
  [...DASHBOARD_HTML.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g'))].map(
    (m) => m[1] ?? '',
  );

describe('GET /observer/', () => {
  it('answers the page as HTML with its Content-Security-Policy', async () => {
    const res = await dashboard(httpEvent({ method: 'GET', path: '/observer/' }));

    expect(res.statusCode).toBe(200);
    expect(res.headers?.['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers?.['content-security-policy']).toBe(DASHBOARD_CSP);
    expect(res.headers?.['x-content-type-options']).toBe('nosniff');
    expect(res.body).toBe(DASHBOARD_HTML);
  });

  it('needs no token: the page holds no data, the API calls it makes do', async () => {
    process.env.OBSERVER_API_TOKEN = 'a-token-of-sixteen-chars';
    try {
      const res = await dashboard(httpEvent({ method: 'GET', path: '/observer/' }));

      expect(res.statusCode).toBe(200);
    } finally {
      delete process.env.OBSERVER_API_TOKEN;
    }
  });
});

describe('the page', () => {
  it('allows its one inline script and one style sheet by their hashes, and nothing inline else', () => {
    const [script, ...moreScripts] = inline('script');
    const [style, ...moreStyles] = inline('style');

    expect(moreScripts).toEqual([]);
    expect(moreStyles).toEqual([]);
    expect(DASHBOARD_CSP).toContain(`script-src 'sha256-${sha256(script ?? '')}'`);
    expect(DASHBOARD_CSP).toContain(`style-src 'sha256-${sha256(style ?? '')}'`);
    expect(DASHBOARD_CSP).toMatch(/^default-src 'self';/);
    expect(DASHBOARD_CSP).not.toMatch(/unsafe-inline|unsafe-eval|https?:|\*/);
    expect(DASHBOARD_HTML).not.toMatch(/\son[a-z]+=|\sstyle=/i);
  });

  it('names no other host: no absolute URL in it but the SVG namespace, which is never fetched', () => {
    const urls = DASHBOARD_HTML.match(/(https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}[^\s"'`]*/gi) ?? [];

    expect(new Set(urls)).toEqual(new Set(['http://www.w3.org/2000/svg']));
  });

  it('stays small', () => {
    expect(Buffer.byteLength(DASHBOARD_HTML)).toBeLessThan(56 * 1024);
  });

  it('serves the script the client code bundles to (run `npm run build:dashboard` after a change)', async () => {
    expect(readFileSync(DASHBOARD_SCRIPT_FILE, 'utf-8')).toBe(await bundleDashboardScript());
  });
});

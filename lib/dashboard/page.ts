import { createHash } from 'node:crypto';
import type { HttpResult } from '../http/response';
import { ISSUE_CARD, ISSUES_CARD, OP_CARD } from './issues-markup';
import { table } from './markup';
import { DASHBOARD_SCRIPT as SCRIPT } from './script.generated';
import { DASHBOARD_CSS } from './style';

if (SCRIPT.includes('</') || DASHBOARD_CSS.includes('</')) {
  throw new Error('the dashboard script or style would end its element early');
}

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

/**
 * The page's Content-Security-Policy: its own origin only, the one inline
 * script and style sheet allowed by their hashes, no plugins, no framing,
 * no form posts, nothing from another host.
 */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  `script-src ${sha256(SCRIPT)}`,
  `style-src ${sha256(DASHBOARD_CSS)}`,
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const BOARD = `
  <div id="board" data-view="board">${ISSUE_CARD}${OP_CARD}${ISSUES_CARD}
    <section class="card" aria-labelledby="counters-title">
      <h2 id="counters-title">Counters</h2>
      <dl class="counters">
        <div><dt>Ops in the ring</dt><dd id="stat-total">–</dd></div>
        <div class="good"><dt>Successes</dt><dd id="stat-successes">–</dd></div>
        <div class="bad"><dt>Failures</dt><dd id="stat-failures">–</dd></div>
        <div><dt>Success rate</dt><dd id="stat-rate">–</dd></div>
      </dl>
      <p id="by-source" class="muted"></p>
    </section>
    <section class="card" aria-labelledby="history-title">
      <div class="head">
        <h2 id="history-title">Failures per minute and error rate</h2>
        <div class="control">
          <label for="hours">Hours shown (1–168)</label>
          <input id="hours" type="number" inputmode="numeric" min="1" max="168" step="1" value="24">
        </div>
      </div>
      <figure>
        <svg id="chart" role="img" aria-labelledby="chart-title chart-desc" data-points="0">
          <title id="chart-title">Failures per minute and the error rate over time</title><desc id="chart-desc"></desc>
        </svg>
        <figcaption>
          <ul class="legend" aria-hidden="true">
            <li><span class="swatch failures"></span>Failures per minute (left)</li>
            <li><span class="swatch total"></span>Error rate (right)</li>
          </ul>
          <p id="chart-summary">Loading…</p>
        </figcaption>
      </figure>
    </section>
    <section class="card" aria-labelledby="clusters-title">
      <h2 id="clusters-title">Failure clusters in the ring</h2>
      <p class="muted">The newest ops' failures, mined afresh: endpoint and error, most first. Trend: the last hour vs the hour before.</p>${table(
        'clusters',
        'Failure clusters',
        [
          ['Error'],
          ['Endpoint'],
          ['Ops', 'num'],
          ['Share', 'num'],
          ['Trend'],
          ['Last seen'],
          ['Staffers'],
        ],
      )}
    </section>
    <section class="card" aria-labelledby="ops-title">
      <h2 id="ops-title">Latest failing ops</h2>${table('ops', 'Latest failing ops', [
        ['Received'],
        ['Endpoint'],
        ['Staffer'],
        ['Error'],
        ['Run'],
      ])}
    </section>
    <section id="run-card" class="card" aria-labelledby="run-title" hidden>
      <h2 id="run-title">Run</h2>
      <p id="run-summary" class="muted" role="status"></p>${table(
        'run',
        'The run, op by op, as a waterfall',
        [
          ['Op'],
          ['Kind'],
          ['Start', 'num'],
          ['Duration', 'num'],
          ['Timeline', 'timeline'],
          ['Outcome'],
          ['Error'],
        ],
      )}
    </section>
    <section class="card" aria-labelledby="playbooks-title">
      <h2 id="playbooks-title">Playbooks</h2>
      <p class="muted">Per agent and role: the steps successful runs share, and where failing runs fail first.</p>${table(
        'playbooks',
        'Playbooks',
        [
          ['Agent'],
          ['Role'],
          ['Runs', 'num'],
          ['Success', 'num'],
          ['Usual path'],
          ['Fails most at'],
        ],
      )}
    </section>
  </div>`;

const SIGN_IN = `
  <section id="signin" class="card signin" aria-labelledby="signin-title" hidden>
    <h2 id="signin-title">A read key is needed</h2>
    <p>This observer asks for an API key with the read scope (an admin key works too). The page keeps it in this tab only (sessionStorage) and sends it as a bearer token.</p>
    <form id="token-form" method="post" novalidate>
      <label for="token">Read key</label>
      <input id="token" type="password" autocomplete="off" spellcheck="false" aria-describedby="token-error">
      <p id="token-error" class="error" role="alert"></p>
      <button id="token-submit" type="submit">Sign in</button>
    </form>
  </section>`;

/** The whole page: markup, style and script in one document. */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>observer</title>
<link rel="icon" href="data:,">
<style>${DASHBOARD_CSS}</style>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <h1>observer <span>dashboard</span></h1>
  <p class="status"><span id="state" role="status">Loading…</span> · <time id="updated">not updated yet</time></p>
</header>
<main id="main">${SIGN_IN}${BOARD}
</main>
<footer>Refreshes every 5 s while this tab is visible; the history once a minute.</footer>
<script>${SCRIPT}</script>
</body>
</html>
`;

/** The answer to `GET /observer/`: the page, with its security headers. */
export function dashboardPage(): HttpResult {
  return {
    statusCode: 200,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': DASHBOARD_CSP,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
    },
    body: DASHBOARD_HTML,
  };
}

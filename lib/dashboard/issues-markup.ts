import { table } from './markup';

// The issue views' markup: the list with its filters (first on the board),
// an issue's page and an op's, shown one at a time as the URL's hash says.

const options = (values: [string, string][], selected: string) =>
  values
    .map(
      ([v, label]) => `<option value="${v}"${v === selected ? ' selected' : ''}>${label}</option>`,
    )
    .join('');

const STATUSES: [string, string][] = [
  ['', 'All but merged'],
  ['new', 'New'],
  ['ongoing', 'Ongoing'],
  ['escalating', 'Escalating'],
  ['regressed', 'Regressed'],
  ['resolved', 'Resolved'],
  ['muted', 'Muted'],
  ['new,escalating,regressed', 'Needs a look'],
  ['merged', 'Merged'],
];

/** The issue list: every kind of failure over all history, filtered as the URL says. */
export const ISSUES_CARD = `
    <section id="issues-card" class="card" aria-labelledby="issues-title">
      <div class="head">
        <h2 id="issues-title">Issues</h2>
        <p id="issues-total" class="muted"></p>
      </div>
      <form id="issue-filters" class="filters" role="search" aria-label="Filter the issues" novalidate>
        <div><label for="f-status">Status</label><select id="f-status">${options(STATUSES, '')}</select></div>
        <div><label for="f-endpoint">Endpoint</label><input id="f-endpoint" type="search" placeholder="tools/*" spellcheck="false"></div>
        <div><label for="f-q">Text</label><input id="f-q" type="search" spellcheck="false"></div>
        <div><label for="f-range">Range</label><select id="f-range">${options(
          [
            ['1h', 'Last hour'],
            ['24h', 'Last 24 hours'],
            ['7d', 'Last 7 days'],
            ['30d', 'Last 30 days'],
            ['all', 'All history'],
          ],
          '24h',
        )}</select></div>
        <div><label for="f-sort">Sort</label><select id="f-sort">${options(
          [
            ['last_seen', 'Last seen'],
            ['count', 'Most failures'],
            ['trend', 'Most rising'],
          ],
          'last_seen',
        )}</select></div>
      </form>
      <p class="muted">Each kind of failure over all history, each op once. Failures and share: within the range. Rising: a significant rise in the last hour over the issue's own last 7 days.</p>${table(
        'issues',
        'Issues',
        [
          ['Status'],
          ['Issue'],
          ['Failures', 'num'],
          ['Last 24 h'],
          ['Trend'],
          ['Last seen'],
          ['Share', 'num'],
        ],
      )}
    </section>`;

/** One issue: its trend, breakdowns, samples, transitions and webhooks, and a person's status buttons. */
export const ISSUE_CARD = `
    <section id="issue-card" class="card" aria-labelledby="issue-title" hidden>
      <p><a href="#/issues">← All issues</a></p>
      <h2 id="issue-title">Issue</h2>
      <p id="issue-summary" role="status"></p>
      <div class="actions">
        <button id="set-resolved" type="button">Resolve</button>
        <button id="set-muted" type="button">Mute</button>
        <button id="set-unresolved" type="button">Unresolve</button>
        <span id="issue-action" class="muted" role="status"></span>
      </div>
      <p class="muted">Changing the status needs an admin key; it records the key's fingerprint and the time.</p>
      <h3>Failures per hour, the last 48 hours</h3>
      <svg id="issue-trend" class="bars" role="img" aria-label="Failures per hour over the last 48 hours" data-points="0"></svg>
      <p id="issue-forecast" class="muted"></p>
      <div id="issue-breakdowns" class="breakdowns"></div>
      <h3>Newest failures</h3>${table('samples', 'Newest failures of the issue', [
        ['Received'],
        ['Error'],
        ['Staffer'],
        ['Op'],
      ])}
      <h3>Transitions</h3>
      <p id="issue-events" class="muted"></p>
      <h3>Webhooks</h3>${table('escalations', 'Webhooks sent for the issue', [
        ['Claimed'],
        ['Type'],
        ['Outcome'],
        ['Attempts', 'num'],
      ])}
    </section>`;

/** One op: every field, the review's verdict, a link to its run. */
export const OP_CARD = `
    <section id="op-card" class="card" aria-labelledby="op-title" hidden>
      <p><a href="#/issues">← All issues</a></p>
      <h2 id="op-title">Op</h2>
      <p id="op-verdict" role="status"></p>
      <p id="op-run"></p>${table('op-fields', 'Every field of the op', [['Field'], ['Value']])}
    </section>`;

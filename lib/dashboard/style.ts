/**
 * The dashboard's style sheet. Every text colour has at least 4.5:1 contrast
 * on its background (WCAG AA) in the light and the dark scheme; lines and
 * borders that carry meaning at least 3:1.
 */
export const DASHBOARD_CSS = `
:root {
  color-scheme: light dark;
  --bg: #f6f7f9; --surface: #ffffff; --text: #1b1f24; --muted: #555e69;
  --border: #d5d9de; --grid: #e3e6ea; --field: #767f8a;
  --total: #1f5fbf; --bad: #b42318; --good: #1a7f37; --warn: #8a5a00; --on-accent: #ffffff;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0f1115; --surface: #171a21; --text: #e6e8eb; --muted: #a3acb9;
    --border: #2c313a; --grid: #2c313a; --field: #8b949e;
    --total: #6ea8ff; --bad: #ff7b72; --good: #56d364; --warn: #e3b341; --on-accent: #0f1115;
  }
}
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body {
  margin: 0; background: var(--bg); color: var(--text);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Liberation Sans", sans-serif;
}
.skip { position: absolute; left: -9999px; }
.skip:focus { left: 8px; top: 8px; z-index: 1; padding: 4px 8px; background: var(--surface); }
:focus-visible { outline: 3px solid var(--total); outline-offset: 2px; }
.top {
  display: flex; flex-wrap: wrap; align-items: center; justify-content: space-between; gap: 4px 16px;
  padding: 14px clamp(12px, 4vw, 32px); background: var(--surface); border-bottom: 1px solid var(--border);
}
h1 { margin: 0; font-size: 1.25rem; }
h1 span { color: var(--muted); font-weight: 400; }
.status { margin: 0; font-size: 0.875rem; color: var(--muted); }
#state { font-weight: 600; }
#state::before {
  content: ""; display: inline-block; width: 0.6em; height: 0.6em; margin-right: 0.4em;
  border-radius: 50%; background: currentColor;
}
#state[data-kind="ok"] { color: var(--good); }
#state[data-kind="warn"] { color: var(--warn); }
#state[data-kind="error"] { color: var(--bad); }
main { max-width: 1200px; margin: 0 auto; padding: 16px clamp(12px, 4vw, 32px) 24px; }
#board { display: grid; gap: 16px; }
.card { background: var(--surface); border: 1px solid var(--border); border-radius: 10px; padding: 16px; min-width: 0; }
h2 { margin: 0 0 12px; font-size: 1.05rem; }
.head { display: flex; flex-wrap: wrap; align-items: center; justify-content: space-between; gap: 8px 16px; margin-bottom: 8px; }
.head h2 { margin: 0; }
.counters { display: grid; grid-template-columns: repeat(auto-fit, minmax(130px, 1fr)); gap: 12px; margin: 0; }
.counters div { border: 1px solid var(--border); border-radius: 8px; padding: 10px 14px; }
.counters dt { color: var(--muted); font-size: 0.8125rem; }
.counters dd { margin: 0; font-size: 1.75rem; font-weight: 650; font-variant-numeric: tabular-nums; }
.counters .good dd { color: var(--good); }
.counters .bad dd { color: var(--bad); }
.muted, .note { color: var(--muted); font-size: 0.875rem; margin: 8px 0 0; }
label { font-size: 0.875rem; font-weight: 600; }
input {
  font: inherit; color: inherit; background: var(--surface);
  border: 1px solid var(--field); border-radius: 6px; padding: 6px 8px;
}
.control { display: flex; align-items: center; gap: 8px; }
#hours { width: 5.5em; }
button {
  font: inherit; font-weight: 600; color: var(--on-accent); background: var(--total);
  border: 0; border-radius: 6px; padding: 7px 16px; cursor: pointer;
}
button:disabled { opacity: 0.7; cursor: wait; }
figure { margin: 0; }
#chart { display: block; width: 100%; height: 240px; }
.grid line { stroke: var(--grid); }
.grid text { fill: var(--muted); font-size: 12px; }
.series { fill: none; stroke-width: 2.25; stroke-linejoin: round; stroke-linecap: round; }
.series-total, .series-rate { stroke: var(--total); }
.series-failures { stroke: var(--bad); }
.dot-total { fill: var(--total); }
.dot-failures { fill: var(--bad); }
figcaption { display: flex; flex-wrap: wrap; gap: 4px 20px; margin-top: 8px; font-size: 0.875rem; color: var(--muted); }
figcaption p { margin: 0; }
.legend { display: flex; gap: 16px; margin: 0; padding: 0; list-style: none; color: var(--text); }
.swatch { display: inline-block; width: 16px; height: 3px; margin-right: 6px; vertical-align: middle; border-radius: 2px; }
.swatch.total { background: var(--total); }
.swatch.failures { background: var(--bad); }
.scroll { overflow-x: auto; }
table { width: 100%; border-collapse: collapse; font-size: 0.875rem; }
th {
  padding: 6px 8px; text-align: left; white-space: nowrap; font-weight: 600; font-size: 0.8125rem;
  color: var(--muted); border-bottom: 1px solid var(--border);
}
td { padding: 8px; vertical-align: top; border-bottom: 1px solid var(--border); overflow-wrap: anywhere; }
tbody tr:last-child td { border-bottom: 0; }
td time { white-space: nowrap; }
td code {
  display: -webkit-box; -webkit-box-orient: vertical; -webkit-line-clamp: 3; overflow: hidden;
  font: 0.8125rem/1.45 ui-monospace, "DejaVu Sans Mono", monospace; white-space: pre-wrap;
}
.num { text-align: right; font-variant-numeric: tabular-nums; }
.trend { white-space: nowrap; }
.trend.rising span[aria-hidden] { color: var(--bad); }
.trend.falling span[aria-hidden] { color: var(--good); }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.signin { max-width: 28rem; margin: 8vh auto; }
.signin p { margin: 0 0 12px; color: var(--muted); font-size: 0.875rem; }
.signin form { display: grid; gap: 8px; }
.signin .error { min-height: 1.5em; margin: 0; color: var(--bad); font-size: 0.875rem; font-weight: 600; }
.timeline { width: 30%; min-width: 8rem; }
svg.bar { display: block; width: 100%; height: 10px; }
.span-ok { fill: var(--total); }
.span-failed { fill: var(--bad); }
#run tr.failed td { background: color-mix(in srgb, var(--bad) 8%, transparent); }
#run tr[data-first="true"] td:first-child { box-shadow: inset 4px 0 0 var(--bad); }
.bad { color: var(--bad); font-weight: 600; }
#run td.num { white-space: nowrap; }
#run td:nth-child(2) { overflow-wrap: normal; }
.op-name[data-depth="1"] { padding-left: 1em; }
.op-name[data-depth="2"] { padding-left: 2em; }
.op-name[data-depth="3"] { padding-left: 3em; }
.op-name[data-depth="4"], .op-name[data-depth="5"], .op-name[data-depth="6"], .op-name[data-depth="7"], .op-name[data-depth="8"] { padding-left: 4em; }
.op-name { display: inline-block; }
#board[data-view="issue"] > section:not(#issue-card), #board[data-view="op"] > section:not(#op-card) { display: none; }
h3 { margin: 16px 0 6px; font-size: 0.95rem; }
select {
  font: inherit; color: inherit; background: var(--surface);
  border: 1px solid var(--field); border-radius: 6px; padding: 6px 8px;
}
.filters { display: flex; flex-wrap: wrap; gap: 8px 12px; margin: 0 0 8px; }
.filters div { display: grid; gap: 2px; }
.badge { display: inline-block; padding: 0 8px; border: 1px solid currentColor; border-radius: 999px; font-size: 0.75rem; font-weight: 650; white-space: nowrap; }
.status-new { color: var(--total); }
.status-escalating, .status-regressed { color: var(--bad); }
.status-resolved { color: var(--good); }
.status-ongoing, .status-muted, .status-merged { color: var(--muted); }
.issue-link { display: block; font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 0.8125rem; overflow-wrap: anywhere; }
td small { color: var(--muted); }
.spark { width: 96px; height: 20px; vertical-align: middle; }
.spark rect, .bars rect { fill: var(--bad); }
.bars { display: block; width: 100%; height: 120px; }
.trend.rising { color: var(--bad); font-weight: 600; }
.actions { display: flex; flex-wrap: wrap; align-items: center; gap: 8px; }
.breakdowns { display: grid; grid-template-columns: repeat(auto-fit, minmax(160px, 1fr)); gap: 12px; }
.breakdowns h3 { margin: 8px 0 4px; font-size: 0.875rem; }
.breakdowns ul { margin: 0; padding-left: 18px; font-size: 0.875rem; }
footer { padding: 0 16px 24px; text-align: center; font-size: 0.8125rem; color: var(--muted); }
@media (max-width: 640px) {
  .counters { gap: 8px; }
  .counters dd { font-size: 1.5rem; }
  .stack thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
  .stack tr { display: block; padding: 8px 0; border-bottom: 1px solid var(--border); }
  .stack tbody tr:last-child { border-bottom: 0; }
  .stack td { display: grid; grid-template-columns: 6.5em minmax(0, 1fr); gap: 8px; padding: 2px 0; border: 0; text-align: left; }
  .stack td::before { content: attr(data-label); color: var(--muted); font-size: 0.8125rem; font-weight: 600; }
}
`;

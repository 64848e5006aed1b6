/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// Runs in the browser: bundled into the page's script by `npm run build:dashboard`.
import {
  type ClusterRow,
  type Counters,
  type FailingOpRow,
  type PlaybookRow,
  type RunView,
  risingSignificantly,
  type WaterfallRow,
} from './model';

/** A table's content: its rows, or a note saying why there are none. */
export type TableState<T> = { rows: T[]; empty: string } | { note: string };

/**
 * Puts what the API said on the page. Every value from the API goes in as
 * text (textContent), never as markup.
 */
export class DashboardView {
  readonly #doc: Document;

  constructor(doc: Document) {
    this.#doc = doc;
  }

  /** The element with this id (the page's markup has them all). */
  $<T extends HTMLElement = HTMLElement>(id: string): T {
    const el = this.#doc.getElementById(id);
    if (el === null) throw new Error(`the page has no #${id}`);
    return el as T;
  }

  /** Shows the counters, the success rate and the ops per source. */
  counters(c: Counters, rate: string): void {
    this.$('stat-total').textContent = c.total.toLocaleString();
    this.$('stat-successes').textContent = c.successes.toLocaleString();
    this.$('stat-failures').textContent = c.failures.toLocaleString();
    this.$('stat-rate').textContent = rate;
    const parts = c.bySource.map(([source, n]) => `${source} ${n.toLocaleString()}`);
    this.$('by-source').textContent = parts.length > 0 ? `By source: ${parts.join(' · ')}` : '';
  }

  /** The chart's text alternative, read out with the chart and shown under it. */
  chartSummary(text: string): void {
    this.$('chart-desc').textContent = text;
    this.$('chart-summary').textContent = text;
  }

  /** Fills the failure clusters table. */
  clusters(state: TableState<ClusterRow>): void {
    this.table('clusters', state, (c) => {
      // Rising only when significant: a handful of failures after none is not a rise.
      const rising = risingSignificantly(c.lastHour, c.hourBefore);
      const falling = c.lastHour < c.hourBefore;
      const trend = this.#trend(
        rising ? '▲' : falling ? '▼' : '▬',
        rising ? 'rising' : falling ? 'falling' : 'steady',
      );
      trend.append(` ${c.lastHour} vs ${c.hourBefore}`);
      return [
        this.code(c.template),
        c.endpoint,
        c.count.toLocaleString(),
        `${(c.share * 100).toFixed(0)}%`,
        trend,
        this.time(c.lastSeen),
        c.staffers.join(', ') || '—',
      ];
    });
  }

  /** Fills the latest failing ops table; an op of a run links to the run. */
  failingOps(state: TableState<FailingOpRow>): void {
    this.table('ops', state, (op) => [
      this.time(op.at),
      op.endpoint,
      op.staffer || '—',
      op.error ? this.code(op.error) : '—',
      op.traceId ? this.#runLink(op.traceId) : '—',
    ]);
  }

  /** Fills the playbooks table. */
  playbooks(state: TableState<PlaybookRow>): void {
    this.table('playbooks', state, (p) => [
      p.agent || '—',
      p.role || '—',
      p.runs.toLocaleString(),
      `${(p.successRate * 100).toFixed(0)}%`,
      p.path.length > 0 ? p.path.join(' → ') : '—',
      p.failingStep ? `${p.failingStep}${p.failingTemplate ? `: ${p.failingTemplate}` : ''}` : '—',
    ]);
  }

  /** Shows a run as a waterfall (or a note saying why not), or hides the panel. */
  run(view: RunView | { note: string; traceId: string } | undefined): void {
    const card = this.$('run-card');
    card.hidden = view === undefined;
    if (view === undefined) return;
    this.$('run-title').textContent = `Run ${view.traceId}`;
    if ('note' in view) {
      this.$('run-summary').textContent = view.note;
      this.table('run', { note: '' }, () => []);
      return;
    }
    const cost = view.costUsd === null ? '' : ` · $${view.costUsd.toFixed(6)}`;
    const missing =
      view.incomplete.length > 0 ? ` · may be incomplete: ${view.incomplete.join('; ')}` : '';
    this.$('run-summary').textContent =
      `${view.failed ? 'Failed' : 'Succeeded'} · ${view.agent || 'no agent'} · ` +
      `${view.rows.length} ops · ${view.durationMs.toLocaleString()} ms · ` +
      `${view.tokens.toLocaleString()} tokens${cost}${missing}`;
    this.table('run', { rows: view.rows, empty: 'No ops.' }, (r) => this.#waterfallRow(r, view));
    const rows = this.$<HTMLTableElement>('run').tBodies[0]?.rows ?? [];
    view.rows.forEach((r, i) => {
      const tr = rows[i];
      if (tr === undefined) return;
      if (!r.ok) tr.classList.add('failed');
      if (r.first) tr.dataset.first = 'true';
    });
  }

  #waterfallRow(r: WaterfallRow, view: RunView): (string | Node)[] {
    const name = this.#doc.createElement('span');
    name.className = 'op-name';
    name.dataset.depth = String(Math.min(r.depth, 8));
    name.textContent = r.endpoint;
    const outcome = this.#doc.createElement('span');
    outcome.textContent = r.ok ? 'ok' : r.first ? 'failed: first failure' : 'failed';
    if (!r.ok) outcome.className = 'bad';
    return [
      name,
      r.kind || '—',
      `+${r.offsetMs.toLocaleString()} ms`,
      `${r.durationMs.toLocaleString()} ms`,
      this.#bar(r, view.durationMs),
      outcome,
      r.error ? this.code(r.error) : '—',
    ];
  }

  // The op's span over the run's, drawn with SVG attributes (no style attribute: the policy forbids it).
  #bar(r: WaterfallRow, total: number): Node {
    const svgNs = 'http://www.w3.org/2000/svg';
    const svg = this.#doc.createElementNS(svgNs, 'svg');
    svg.setAttribute('class', 'bar');
    svg.setAttribute('viewBox', '0 0 1000 10');
    svg.setAttribute('preserveAspectRatio', 'none');
    svg.setAttribute('aria-hidden', 'true');
    const rect = this.#doc.createElementNS(svgNs, 'rect');
    const span = total > 0 ? total : 1;
    const x = Math.min(1000, (r.offsetMs / span) * 1000);
    rect.setAttribute('x', x.toFixed(1));
    rect.setAttribute('y', '0');
    rect.setAttribute('height', '10');
    rect.setAttribute(
      'width',
      Math.max(4, Math.min(1000 - x, (r.durationMs / span) * 1000)).toFixed(1),
    );
    rect.setAttribute('class', r.ok ? 'span-ok' : 'span-failed');
    svg.append(rect);
    return svg;
  }

  #runLink(traceId: string): HTMLElement {
    const a = this.#doc.createElement('a');
    a.href = `#run=${encodeURIComponent(traceId)}`;
    a.textContent = 'View run';
    a.title = `Run ${traceId}`;
    return a;
  }

  /** The connection state (a polite live region: said only when it changes). */
  state(text: string, kind: 'ok' | 'warn' | 'error'): void {
    const el = this.$('state');
    if (el.textContent !== text) el.textContent = text;
    el.dataset.kind = kind;
  }

  /** When the page last heard from the API. */
  updated(at: Date): void {
    const el = this.$<HTMLTimeElement>('updated');
    el.dateTime = at.toISOString();
    el.textContent = `updated ${at.toLocaleTimeString()}`;
  }

  /** Shows the token form instead of the board (with an error, if any), or the board. */
  signIn(show: boolean, error = ''): void {
    this.$('signin').hidden = !show;
    this.$('board').hidden = show;
    this.$('token-error').textContent = error;
    const input = this.$<HTMLInputElement>('token');
    input.setAttribute('aria-invalid', String(error !== ''));
    if (show) input.focus();
  }

  /** Fills a table of the page (its rows, or a note saying why there are none). */
  table<T>(name: string, state: TableState<T>, cells: (row: T) => (string | Node)[]): void {
    const note = this.$(`${name}-note`);
    const wrap = this.$(`${name}-wrap`);
    const rows = 'rows' in state ? state.rows : [];
    note.textContent = 'note' in state ? state.note : rows.length === 0 ? state.empty : '';
    note.hidden = note.textContent === '';
    wrap.hidden = rows.length === 0;
    const table = this.$<HTMLTableElement>(name);
    // Each cell takes its column's class and name: the phone layout labels cells with it.
    const heads = [...(table.tHead?.rows[0]?.cells ?? [])];
    table.tBodies[0]?.replaceChildren(
      ...rows.map((row) => {
        const tr = this.#doc.createElement('tr');
        tr.setAttribute('role', 'row');
        cells(row).forEach((cell, i) => {
          const td = this.#doc.createElement('td');
          td.setAttribute('role', 'cell');
          td.className = heads[i]?.className ?? '';
          td.dataset.label = heads[i]?.textContent ?? '';
          td.append(cell);
          tr.append(td);
        });
        return tr;
      }),
    );
  }

  /** A value shown as code, as text. */
  code(text: string): HTMLElement {
    const el = this.#doc.createElement('code');
    el.textContent = text;
    el.title = text;
    return el;
  }

  /** A time as the page shows it, machine-readable in `datetime`. */
  time(iso: string): Node {
    const at = Date.parse(iso);
    if (Number.isNaN(at)) return this.#doc.createTextNode(iso || '—');
    const el = this.#doc.createElement('time');
    el.dateTime = iso;
    el.textContent = new Date(at).toLocaleString([], {
      month: 'short',
      day: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    return el;
  }

  #trend(arrow: string, words: string): HTMLElement {
    const el = this.#doc.createElement('span');
    el.className = `trend ${words}`;
    const mark = this.#doc.createElement('span');
    mark.setAttribute('aria-hidden', 'true');
    mark.textContent = arrow;
    const said = this.#doc.createElement('span');
    said.className = 'sr-only';
    said.textContent = words;
    el.append(mark, said);
    return el;
  }
}

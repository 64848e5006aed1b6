/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// Runs in the browser: bundled into the page's script by `npm run build:dashboard`.
import type { IssuePage, IssueRow, OpPage } from './issues-model';
import { type IssueFilters, issueHash, opHash, RANGES, runHash, SORTS } from './route';
import type { DashboardView, TableState } from './view';

const SVG = 'http://www.w3.org/2000/svg';

/** Which of the page's views shows: the board with the issue list, an issue, or an op. */
export type ViewName = 'board' | 'issue' | 'op';

/**
 * Puts the issues on the page: the list (with its filters), an issue's page
 * and an op's. Every value from the API goes in as text, never as markup.
 */
export class IssuesView {
  readonly #doc: Document;
  readonly #view: DashboardView;

  constructor(doc: Document, view: DashboardView) {
    this.#doc = doc;
    this.#view = view;
  }

  /** Shows one view and hides the others. */
  show(name: ViewName): void {
    this.#view.$('board').dataset.view = name;
    this.#view.$('issue-card').hidden = name !== 'issue';
    this.#view.$('op-card').hidden = name !== 'op';
  }

  /** Sets the filter controls to what the URL says. */
  filters(f: IssueFilters): void {
    const set = (id: string, value: string) => {
      const el = this.#view.$<HTMLInputElement | HTMLSelectElement>(id);
      if (el.value !== value && this.#doc.activeElement !== el) el.value = value;
    };
    set('f-status', f.status);
    set('f-endpoint', f.endpoint);
    set('f-q', f.q);
    set('f-range', f.range);
    set('f-sort', f.sort);
  }

  /** The filters the controls hold now. */
  readFilters(): IssueFilters {
    const v = (id: string) => this.#view.$<HTMLInputElement | HTMLSelectElement>(id).value.trim();
    const range = v('f-range');
    const sort = v('f-sort');
    return {
      status: v('f-status'),
      endpoint: v('f-endpoint'),
      q: v('f-q'),
      range: (range in RANGES ? range : '24h') as IssueFilters['range'],
      sort: ((SORTS as readonly string[]).includes(sort)
        ? sort
        : 'last_seen') as IssueFilters['sort'],
    };
  }

  /** Fills the issue list. */
  list(state: TableState<IssueRow>, total?: string): void {
    this.#view.$('issues-total').textContent = total ?? '';
    this.#view.table('issues', state, (r) => [
      this.#status(r.status),
      this.#issueCell(r),
      r.rangeCount.toLocaleString(),
      this.#sparkline(r.sparkline),
      this.#trend(r),
      this.#view.time(r.lastSeen),
      `${(r.share * 100).toFixed(1)}%`,
    ]);
  }

  /** Fills an issue's page (or says why it cannot). */
  issue(page: IssuePage | { note: string }, id: string): void {
    const summary = this.#view.$('issue-summary');
    if ('note' in page) {
      this.#view.$('issue-title').textContent = `Issue ${id}`;
      summary.textContent = page.note;
      return;
    }
    const i = page.issue;
    this.#view.$('issue-title').replaceChildren(this.#view.code(i.template));
    const status = this.#status(i.status);
    status.id = 'issue-status';
    summary.replaceChildren(
      status,
      ` ${i.endpoint} · ${i.count.toLocaleString()} failures since `,
      this.#view.time(i.firstSeen),
      ' · last ',
      this.#view.time(i.lastSeen),
      i.regressedAt ? ` · regressed at ${i.regressedAt}` : '',
      i.resolution ? ` · ${i.resolution}` : '',
    );
    this.#view.$('issue-forecast').textContent = page.forecast;
    this.#bars(this.#view.$('issue-trend') as unknown as SVGSVGElement, page.hourly);
    this.#breakdowns(page.breakdowns);
    this.#view.table('samples', { rows: page.samples, empty: 'No samples.' }, (s) => [
      this.#view.time(s.at),
      s.error ? this.#view.code(s.error) : '—',
      s.staffer || '—',
      this.#link(opHash(s.key, s.line), 'Open op'),
    ]);
    const events = [
      ...page.transitions.map((t) => `${t.at} into ${t.kind}`),
      ...page.merged.map((m) => `merged here: ${m}`),
    ];
    this.#view.$('issue-events').textContent =
      events.join(' · ') || 'No transitions in the last day.';
    this.#view.table('escalations', { rows: page.escalations, empty: 'No webhooks sent.' }, (e) => [
      this.#view.time(e.at),
      e.type,
      e.outcome,
      String(e.attempts),
    ]);
  }

  /** What the status buttons did, or why they could not. */
  statusNote(text: string): void {
    this.#view.$('issue-action').textContent = text;
  }

  /** Fills an op's page: every field, the review's verdict, its run. */
  op(page: OpPage | { note: string }, key: string, line: number): void {
    this.#view.$('op-title').textContent = `Op ${key} line ${line}`;
    if ('note' in page) {
      this.#view.$('op-verdict').textContent = page.note;
      this.#view.table('op-fields', { note: '' }, () => []);
      this.#view.$('op-run').replaceChildren();
      return;
    }
    this.#view.table('op-fields', { rows: page.fields, empty: '' }, ([name, value]) => [
      name,
      this.#view.code(value),
    ]);
    const reason = page.reason.replace(/\.$/, '');
    const cluster = page.cluster ? ` (its cluster in the ring: ${page.cluster})` : '';
    this.#view.$('op-verdict').textContent =
      `Review: ${page.verdict}, because ${reason}${cluster}.`;
    this.#view
      .$('op-run')
      .replaceChildren(page.traceId ? this.#link(runHash(page.traceId), 'View its run') : '');
  }

  #issueCell(r: IssueRow): Node {
    const cell = this.#doc.createElement('span');
    const a = this.#link(issueHash(r.id), r.template);
    a.className = 'issue-link';
    const endpoint = this.#doc.createElement('small');
    endpoint.textContent = r.endpoint;
    cell.append(a, endpoint);
    return cell;
  }

  #status(status: string): HTMLElement {
    const el = this.#doc.createElement('span');
    el.className = `badge status-${status}`;
    el.textContent = status;
    return el;
  }

  #trend(r: IssueRow): Node {
    const el = this.#doc.createElement('span');
    el.className = r.rising ? 'trend rising' : 'trend';
    el.textContent = r.rising
      ? `▲ rising: ${r.lastHour} in the last hour, usually ${r.baseline}`
      : `${r.lastHour} in the last hour`;
    return el;
  }

  #link(href: string, text: string): HTMLAnchorElement {
    const a = this.#doc.createElement('a');
    a.href = href;
    a.textContent = text;
    return a;
  }

  // Failures per hour over the last 24 hours, as bars: no style attribute (the policy forbids it).
  #sparkline(values: number[]): Node {
    const svg = this.#svg('svg', { class: 'spark', viewBox: '0 0 48 16', 'aria-hidden': 'true' });
    const top = Math.max(1, ...values);
    values.forEach((v, i) => {
      const h = v === 0 ? 0 : Math.max(1.5, (v / top) * 16);
      svg.append(this.#svg('rect', { x: i * 2, y: 16 - h, width: 1.6, height: h }));
    });
    const said = this.#doc.createElement('span');
    said.className = 'sr-only';
    said.textContent = `${values.reduce((a, b) => a + b, 0)} in the last 24 hours`;
    const wrap = this.#doc.createElement('span');
    wrap.append(svg, said);
    return wrap;
  }

  #bars(svg: SVGSVGElement, hourly: { at: number; count: number }[]): void {
    svg.replaceChildren();
    const top = Math.max(1, ...hourly.map((h) => h.count));
    const width = Math.max(1, hourly.length);
    svg.setAttribute('viewBox', `0 0 ${width * 10} 60`);
    svg.dataset.points = String(hourly.length);
    hourly.forEach((h, i) => {
      const height = h.count === 0 ? 0 : Math.max(1, (h.count / top) * 56);
      const bar = this.#svg('rect', { x: i * 10 + 1, y: 60 - height, width: 8, height });
      const tip = this.#svg('title', {});
      tip.textContent = `${new Date(h.at).toLocaleString()}: ${h.count}`;
      bar.append(tip);
      svg.append(bar);
    });
  }

  #breakdowns(breakdowns: [string, [string, number][]][]): void {
    const lists = breakdowns.map(([name, rows]) => {
      const box = this.#doc.createElement('div');
      const head = this.#doc.createElement('h3');
      head.textContent = name;
      const ul = this.#doc.createElement('ul');
      for (const [n, c] of rows) {
        const li = this.#doc.createElement('li');
        li.textContent = `${n} ${c.toLocaleString()}`;
        ul.append(li);
      }
      if (rows.length === 0)
        ul.append(Object.assign(this.#doc.createElement('li'), { textContent: '—' }));
      box.append(head, ul);
      return box;
    });
    this.#view.$('issue-breakdowns').replaceChildren(...lists);
  }

  #svg(name: string, attrs: Record<string, string | number>): SVGElement {
    const el = this.#doc.createElementNS(SVG, name) as SVGElement;
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
    return el;
  }
}

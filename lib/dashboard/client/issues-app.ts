/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// Runs in the browser: bundled into the page's script by `npm run build:dashboard`.
import type { ApiResult, DashboardApi } from './api';
import { issuePage, issueRows, opPage } from './issues-model';
import { IssuesView } from './issues-view';
import { issuesHash, issuesPath, parseHash, type Route } from './route';
import type { DashboardView } from './view';

/**
 * The issue list, an issue's page and an op's, as the URL's hash names
 * them: reads their routes each round, keeps the filters in the hash (so a
 * filtered list is a link), and sends a person's status change.
 */
export class IssuesController {
  readonly #win: Window;
  readonly #api: DashboardApi;
  readonly #view: IssuesView;
  readonly #again: () => void;

  /** `again` asks the page for a new round of reads. */
  constructor(win: Window, api: DashboardApi, view: DashboardView, again: () => void) {
    this.#win = win;
    this.#api = api;
    this.#view = new IssuesView(win.document, view);
    this.#again = again;
    for (const id of ['f-status', 'f-range', 'f-sort', 'f-endpoint', 'f-q']) {
      view.$(id).addEventListener('change', () => this.#filter());
    }
    view.$('issue-filters').addEventListener('submit', (e) => {
      e.preventDefault();
      this.#filter();
    });
    for (const status of ['resolved', 'muted', 'unresolved']) {
      view.$(`set-${status}`).addEventListener('click', () => void this.#setStatus(status));
    }
  }

  /** The view the URL names now. */
  route(): Route {
    return parseHash(this.#win.location.hash);
  }

  /** One round of reads for the view; the answers, so a refusal can stop the page. */
  async refresh(route: Route): Promise<ApiResult[]> {
    this.#view.show(route.view === 'issues' ? 'board' : route.view);
    if (route.view === 'issue') {
      const res = await this.#api.get(`issues/${route.id}?hours=48`);
      const page = res.kind === 'ok' ? issuePage(res.body) : undefined;
      this.#view.issue(page ?? { note: this.#why(res, 'this issue') }, route.id);
      return [res];
    }
    if (route.view === 'op') {
      const res = await this.#api.post('review', { key: route.key, line: route.line });
      const page = res.kind === 'ok' ? opPage(res.body) : undefined;
      this.#view.op(page ?? { note: this.#why(res, 'this op') }, route.key, route.line);
      return [res];
    }
    this.#view.filters(route.filters);
    const res = await this.#api.get(issuesPath(route.filters, Date.now()));
    const rows = res.kind === 'ok' ? issueRows(res.body) : undefined;
    const body = res.kind === 'ok' ? (res.body as { total?: unknown }) : {};
    const total = typeof body.total === 'number' ? `${body.total} issues` : '';
    this.#view.list(
      rows === undefined
        ? { note: this.#why(res, 'the issues') }
        : { rows, empty: 'No issue matches: nothing failed in this range with these filters.' },
      total,
    );
    return [res];
  }

  #why(res: ApiResult, what: string): string {
    if (res.kind === 'missing') return `Not found: no ${what} here (or no route for it).`;
    if (res.kind === 'failed') return `Could not load ${what} (${res.message}); retrying.`;
    if (res.kind === 'forbidden')
      return `Not available to this key: it needs the ${res.scopeNeeded} scope.`;
    return 'Not available: the answer had an unexpected shape.';
  }

  #filter(): void {
    const hash = issuesHash(this.#view.readFilters());
    if (this.#win.location.hash !== hash) this.#win.location.hash = hash;
    else this.#again();
  }

  async #setStatus(status: string): Promise<void> {
    const route = this.route();
    if (route.view !== 'issue') return;
    this.#view.statusNote(`Setting ${status}…`);
    const res = await this.#api.post(`issues/${route.id}`, { status });
    if (res.kind === 'ok') this.#view.statusNote(`Set to ${status}.`);
    else if (res.kind === 'forbidden' || res.kind === 'unauthorized') {
      this.#view.statusNote('Changing an issue needs an admin key.');
    } else this.#view.statusNote(`Not changed: ${this.#why(res, 'the issue')}`);
    this.#again();
  }
}

/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// Runs in the browser: bundled into the page's script by `npm run build:dashboard`.
import { type ApiResult, DashboardApi } from './api';
import { HistoryChart } from './chart';
import { IssuesController } from './issues-app';
import { type RatePoint, rates } from './issues-model';
import * as model from './model';
import { DashboardView, type TableState } from './view';

/**
 * The page's loop: every few seconds while the tab is visible it reads the
 * view the URL names (the issue list with its filters, an issue, an op),
 * the stats, the failure clusters and the latest failing ops (the history
 * once a minute, or when the hours change), and shows them. A 401, or a 403 to
 * the stats (a key without the read scope), stops it and asks for a read
 * key; a route that is not deployed shows "not available".
 */
export class DashboardApp {
  static readonly REFRESH_MS = 5_000;
  /** Snapshots are written once a minute; the history is read no more often. */
  static readonly HISTORY_MS = 60_000;
  readonly #win: Window;
  readonly #api: DashboardApi;
  readonly #view: DashboardView;
  readonly #chart: HistoryChart;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #busy = false;
  #again = false;
  #historyAt = 0;
  #points: RatePoint[] = [];
  readonly #issues: IssuesController;
  /** Routes that answered 404, and when: asked again only once a minute. */
  readonly #missing = new Map<string, number>();

  constructor(win: Window) {
    this.#win = win;
    this.#api = new DashboardApi(win);
    this.#view = new DashboardView(win.document);
    this.#chart = new HistoryChart(win.document);
    this.#issues = new IssuesController(win, this.#api, this.#view, () => this.#tick());
  }

  /** Wires the controls and starts the loop. */
  start(): void {
    const doc = this.#win.document;
    doc.addEventListener('visibilitychange', () => this.#tick());
    this.#view.$('hours').addEventListener('change', () => {
      this.#historyAt = 0;
      this.#tick();
    });
    this.#view.$('token-form').addEventListener('submit', (e) => {
      e.preventDefault();
      void this.#signIn();
    });
    this.#win.addEventListener('resize', () => this.#drawChart());
    // The hash names the view (an issue, an op, a run, the list's filters): the page follows it.
    this.#win.addEventListener('hashchange', () => this.#tick());
    this.#tick();
  }

  /** The hours the control asks for, kept to 1–168. */
  #hours(): number {
    const input = this.#view.$<HTMLInputElement>('hours');
    const n = Math.round(Number(input.value));
    const hours = Number.isFinite(n) ? Math.min(168, Math.max(1, n)) : 24;
    if (input.value !== String(hours)) input.value = String(hours);
    return hours;
  }

  #tick(): void {
    clearTimeout(this.#timer);
    if (this.#win.document.visibilityState !== 'visible') {
      this.#view.state('Paused while this tab is hidden', 'warn');
      return;
    }
    if (this.#busy) {
      this.#again = true;
      return;
    }
    this.#busy = true;
    void this.#refresh().then((go) => {
      this.#busy = false;
      if (!go) return;
      if (this.#again) {
        this.#again = false;
        this.#tick();
      } else {
        this.#timer = setTimeout(() => this.#tick(), DashboardApp.REFRESH_MS);
      }
    });
  }

  /** One round of reads; false when the loop must wait for a key. */
  async #refresh(): Promise<boolean> {
    const hours = this.#hours();
    const historyDue = Date.now() - this.#historyAt >= DashboardApp.HISTORY_MS;
    const route = this.#issues.route();
    const runId = route.view === 'issues' ? route.run : undefined;
    const [shown, stats, history, failures, ops, playbooks, run] = await Promise.all([
      this.#issues.refresh(route),
      this.#api.get('stats'),
      historyDue ? this.#api.get(`stats/history?hours=${hours}`) : undefined,
      this.#optional('failures'),
      this.#optional('ops?success=false&limit=20'),
      this.#optional('playbooks'),
      runId === undefined ? undefined : this.#api.get(`runs/${encodeURIComponent(runId)}`),
    ]);
    const refused = [stats, history, failures, ops, ...shown].find(
      (r) => r?.kind === 'unauthorized',
    );
    if (refused?.kind === 'unauthorized') {
      this.#askForToken(refused.invalid ? 'The saved key was refused; enter a key again.' : '');
      return false;
    }
    if (stats.kind === 'forbidden') {
      this.#askForToken(`The saved key may not read. ${DashboardApp.forbidden(stats)}`);
      return false;
    }
    this.#showStats(stats);
    if (history !== undefined) this.#showHistory(history, hours);
    this.#view.clusters(
      this.#tableState(failures, model.clusters, 'failures', 'No failures in the ring.'),
    );
    this.#view.failingOps(
      this.#tableState(ops, model.failingOps, 'ops', 'No failed ops in the ring.'),
    );
    this.#view.playbooks(
      this.#tableState(playbooks, model.playbooks, 'playbooks', 'No runs in the ring yet.'),
    );
    this.#showRun(runId, run);
    return true;
  }

  /** A route that may not be deployed yet: a 404 is remembered for a minute. */
  async #optional(path: string): Promise<ApiResult> {
    const since = this.#missing.get(path);
    if (since !== undefined && Date.now() - since < DashboardApp.HISTORY_MS)
      return { kind: 'missing' };
    const res = await this.#api.get(path);
    if (res.kind === 'missing') this.#missing.set(path, Date.now());
    else this.#missing.delete(path);
    return res;
  }

  #showRun(runId: string | undefined, res: ApiResult | undefined): void {
    if (runId === undefined || res === undefined) {
      this.#view.run(undefined);
      return;
    }
    const view = res.kind === 'ok' ? model.runView(res.body) : undefined;
    if (view !== undefined) {
      this.#view.run(view);
      return;
    }
    const note =
      res.kind === 'missing'
        ? 'No op of this run is in the ring any more (or this deployment has no runs route).'
        : res.kind === 'failed'
          ? `Could not load the run (${res.message}); retrying.`
          : 'Not available: the answer had an unexpected shape.';
    this.#view.run({ traceId: runId, note });
  }

  #showStats(res: ApiResult): void {
    const counters = res.kind === 'ok' ? model.counters(res.body) : undefined;
    if (counters === undefined) {
      const why = res.kind === 'failed' ? res.message : 'an unexpected answer';
      this.#view.state(`Stats unavailable (${why}); retrying`, 'error');
      return;
    }
    this.#view.counters(counters, model.successRate(counters));
    this.#view.state('Live', 'ok');
    this.#view.updated(new Date());
  }

  #showHistory(res: ApiResult, hours: number): void {
    const points = res.kind === 'ok' ? rates(res.body) : undefined;
    if (points === undefined) {
      const why =
        res.kind === 'failed'
          ? res.message
          : res.kind === 'forbidden'
            ? `this key needs the ${res.scopeNeeded} scope`
            : 'an unexpected answer';
      this.#view.chartSummary(`History unavailable (${why}).`);
      return;
    }
    this.#historyAt = Date.now();
    this.#points = points;
    this.#drawChart();
    this.#view.chartSummary(HistoryChart.describe(points, hours));
  }

  #drawChart(): void {
    const to = this.#historyAt || Date.now();
    const from = to - this.#hours() * 3_600_000;
    this.#chart.draw(this.#view.$('chart') as unknown as SVGSVGElement, this.#points, from, to);
  }

  #tableState<T>(
    res: ApiResult,
    read: (body: unknown) => T[] | undefined,
    route: string,
    empty: string,
  ): TableState<T> {
    if (res.kind === 'missing')
      return { note: `Not available: this deployment has no GET /observer/${route}.` };
    if (res.kind === 'failed') return { note: `Could not load (${res.message}); retrying.` };
    if (res.kind === 'forbidden')
      return { note: `Not available to this key: it needs the ${res.scopeNeeded} scope.` };
    const rows = res.kind === 'ok' ? read(res.body) : undefined;
    return rows === undefined
      ? { note: 'Not available: the answer had an unexpected shape.' }
      : { rows, empty };
  }

  /** Shows the form, forgetting the saved key when there is something to say about it. */
  #askForToken(error: string): void {
    if (error !== '') this.#api.forgetToken();
    this.#view.state('Sign-in needed', 'warn');
    this.#view.signIn(true, error);
  }

  /** What to tell a person whose key is valid but lacks the scope. */
  static forbidden(res: { scopeNeeded: string; message: string }): string {
    const why = res.message === '' ? '' : ` (${res.message})`;
    return `The dashboard needs a key with the ${res.scopeNeeded} scope${why}.`;
  }

  async #signIn(): Promise<void> {
    const input = this.#view.$<HTMLInputElement>('token');
    const button = this.#view.$<HTMLButtonElement>('token-submit');
    const token = input.value.trim();
    if (token === '') {
      this.#view.signIn(true, 'Enter a read key.');
      return;
    }
    button.disabled = true;
    const res = await this.#api.get('stats', token);
    button.disabled = false;
    const refusal =
      res.kind === 'unauthorized'
        ? 'That key was not accepted. Check it and try again.'
        : res.kind === 'forbidden'
          ? `That key is valid but may not read. ${DashboardApp.forbidden(res)}`
          : undefined;
    if (refusal !== undefined) {
      this.#view.signIn(true, refusal);
      input.select();
      return;
    }
    this.#api.saveToken(token);
    input.value = '';
    this.#view.signIn(false);
    this.#historyAt = 0;
    this.#tick();
  }
}

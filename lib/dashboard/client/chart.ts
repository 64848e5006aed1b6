/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// Runs in the browser: bundled into the page's script by `npm run build:dashboard`.
import type { RatePoint } from './issues-model';

/** The plot's area inside the SVG, and the scales from time and count to it. */
interface Frame {
  left: number;
  right: number;
  top: number;
  bottom: number;
  x: (at: number) => number;
  y: (count: number) => number;
}

/**
 * The stats history as an SVG time series: failed ops per minute (left
 * axis) and the error rate, failed ÷ all ops in that minute (right axis,
 * 0–100 %), one point per minute the snapshots counted from the log, over
 * the hours asked for. Drawn with SVG elements only (no markup strings),
 * sized to the element's width.
 */
export class HistoryChart {
  readonly #doc: Document;
  static readonly NS = 'http://www.w3.org/2000/svg';
  static readonly HEIGHT = 240;
  /** Points are drawn as dots (with a tooltip) while they are at least this far apart, in px. */
  static readonly DOT_SPACING = 10;

  constructor(doc: Document) {
    this.#doc = doc;
  }

  /** Draws `points` (oldest first) over [from, to] into `svg`, replacing what it held. */
  draw(svg: SVGSVGElement, points: RatePoint[], from: number, to: number): void {
    const width = Math.max(280, Math.round(svg.getBoundingClientRect().width));
    const height = HistoryChart.HEIGHT;
    svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
    svg.setAttribute('data-points', String(points.length));
    for (const child of [...svg.children]) {
      if (child.tagName !== 'title' && child.tagName !== 'desc') child.remove();
    }
    const yTop = HistoryChart.niceTop(Math.max(1, ...points.map((p) => p.failures)));
    const start = Math.min(from, points[0]?.at ?? from);
    const end = Math.max(to, points.at(-1)?.at ?? to, start + 1);
    const [left, right, top, bottom] = [48, width - 44, 12, height - 30];
    const frame: Frame = {
      left,
      right,
      top,
      bottom,
      x: (at) => left + ((at - start) / (end - start)) * (right - left),
      y: (n) => bottom - (n / yTop) * (bottom - top),
    };
    this.#axes(svg, frame, yTop, start, end);
    this.#series(svg, frame, points, 'failures', (p) => p.failures);
    const rate = { ...frame, y: (r: number) => bottom - r * (bottom - top) };
    this.#series(svg, rate, points, 'rate', HistoryChart.errorRate);
    const spread = frame.x(points.at(-1)?.at ?? 0) - frame.x(points[0]?.at ?? 0);
    if (points.length === 1 || spread / (points.length - 1) >= HistoryChart.DOT_SPACING) {
      this.#dots(svg, frame, points);
    }
  }

  /** Failed ÷ all ops of a minute (0 for a minute without ops). */
  static errorRate(p: RatePoint): number {
    return p.ops === 0 ? 0 : p.failures / p.ops;
  }

  /** A one-paragraph text alternative of what the chart shows. */
  static describe(points: RatePoint[], hours: number): string {
    const first = points[0];
    const last = points.at(-1);
    if (first === undefined || last === undefined) {
      return `No minute counted in the last ${hours} h yet; the snapshot function counts one a minute.`;
    }
    const at = (ms: number) => new Date(ms).toLocaleString([], HistoryChart.timeFormat(hours));
    const pct = (p: RatePoint) => `${(HistoryChart.errorRate(p) * 100).toFixed(1)}%`;
    const n = points.length;
    const peak = Math.max(...points.map((p) => p.failures));
    return (
      `${n} minute${n === 1 ? '' : 's'} in the last ${hours} h, ${at(first.at)} to ${at(last.at)}. ` +
      `Failures per minute: ${first.failures} to ${last.failures}, at most ${peak}. ` +
      `Error rate: ${pct(first)} to ${pct(last)}.`
    );
  }

  /** The smallest 1, 2 or 5 × 10ⁿ step × 4 at or above `max`: four round gridlines. */
  static niceTop(max: number): number {
    const raw = max / 4;
    const magnitude = 10 ** Math.floor(Math.log10(raw));
    const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
    return Math.max(4, Math.ceil(step) * 4);
  }

  /** Clock times for a short window, day and time for a longer one. */
  static timeFormat(hours: number): Intl.DateTimeFormatOptions {
    return hours > 12
      ? { weekday: 'short', hour: '2-digit', minute: '2-digit' }
      : { hour: '2-digit', minute: '2-digit' };
  }

  #axes(svg: SVGSVGElement, f: Frame, top: number, start: number, end: number): void {
    const grid = this.#el('g', { class: 'grid' }, svg);
    for (let i = 0; i <= 4; i++) {
      const value = (top / 4) * i;
      const y = f.y(value);
      this.#el('line', { x1: f.left, x2: f.right, y1: y, y2: y }, grid);
      const label = this.#el('text', { x: f.left - 8, y: y + 4, 'text-anchor': 'end' }, grid);
      label.textContent = value.toLocaleString();
      const pct = this.#el('text', { x: f.right + 8, y: y + 4, 'text-anchor': 'start' }, grid);
      pct.textContent = `${i * 25}%`;
    }
    const hours = (end - start) / 3_600_000;
    // As many time labels as fit: five, three, or the two ends on a phone.
    const plot = f.right - f.left;
    const count = plot >= 600 ? 5 : plot >= 400 ? 3 : 2;
    for (let i = 0; i < count; i++) {
      const at = start + ((end - start) * i) / (count - 1);
      const anchor = i === 0 ? 'start' : i === count - 1 ? 'end' : 'middle';
      const label = this.#el('text', { x: f.x(at), y: f.bottom + 20, 'text-anchor': anchor }, grid);
      label.textContent = new Date(at).toLocaleString([], HistoryChart.timeFormat(hours));
    }
  }

  #series(
    svg: SVGSVGElement,
    f: Frame,
    points: RatePoint[],
    key: string,
    value: (p: RatePoint) => number,
  ): void {
    const coords = points.map((p) => `${f.x(p.at).toFixed(1)},${f.y(value(p)).toFixed(1)}`);
    this.#el(
      'polyline',
      { class: `series series-${key}`, points: coords.join(' '), 'data-points': points.length },
      svg,
    );
  }

  #dots(svg: SVGSVGElement, f: Frame, points: RatePoint[]): void {
    const dots = this.#el('g', { class: 'dots' }, svg);
    for (const p of points) {
      const dot = this.#el(
        'circle',
        { class: 'dot dot-failures', cx: f.x(p.at), cy: f.y(p.failures), r: 3.5 },
        dots,
      );
      const tip = this.#el('title', {}, dot);
      const pct = (HistoryChart.errorRate(p) * 100).toFixed(1);
      tip.textContent = `${new Date(p.at).toLocaleString()}: ${p.failures} failed of ${p.ops} ops (${pct}%)`;
    }
  }

  #el(name: string, attrs: Record<string, string | number>, parent: Element): SVGElement {
    const el = this.#doc.createElementNS(HistoryChart.NS, name) as SVGElement;
    for (const [k, v] of Object.entries(attrs)) {
      el.setAttribute(k, typeof v === 'number' ? String(Math.round(v * 10) / 10) : v);
    }
    parent.append(el);
    return el;
  }
}

// Runs in the browser: bundled into the page's script by `npm run build:dashboard`.
// What the page shows is named in its URL's hash, so every view and every
// filter can be shared as a link: `#/issues?status=regressed&range=7d`,
// `#/issues/<id>`, `#/ops/<key>:<line>`, `#/runs/<trace_id>`.

/** The time ranges the issue list offers, in hours (`all`: no bound). */
export const RANGES = { '1h': 1, '24h': 24, '7d': 168, '30d': 720, all: 0 } as const;
export type RangeName = keyof typeof RANGES;
export const SORTS = ['last_seen', 'count', 'trend'] as const;
export type SortName = (typeof SORTS)[number];

/** The issue list's filters, as the URL keeps them. */
export interface IssueFilters {
  status: string;
  endpoint: string;
  q: string;
  range: RangeName;
  sort: SortName;
}

/** The page's view, as its hash names it. */
export type Route =
  | { view: 'issues'; filters: IssueFilters; run?: string }
  | { view: 'issue'; id: string }
  | { view: 'op'; key: string; line: number };

/** The list's filters when the URL names none. */
export const DEFAULT_FILTERS: IssueFilters = {
  status: '',
  endpoint: '',
  q: '',
  range: '24h',
  sort: 'last_seen',
};

const ISSUE_ID = /^[0-9a-f]{16}(-\d+)?$/;
const TRACE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The route a location hash names; anything else is the issue list with its default filters. */
export function parseHash(hash: string): Route {
  const legacyRun = /^#run=(.+)$/.exec(hash)?.[1];
  if (legacyRun !== undefined && TRACE_ID.test(legacyRun)) {
    return { view: 'issues', filters: DEFAULT_FILTERS, run: legacyRun };
  }
  const [path = '', query = ''] = hash.replace(/^#\/?/, '').split('?');
  const parts = path.split('/').map(decode);
  if (parts[0] === 'issues' && parts[1] !== undefined && ISSUE_ID.test(parts[1])) {
    return { view: 'issue', id: parts[1] };
  }
  if (parts[0] === 'ops' && parts.length >= 2) {
    const ref = parts.slice(1).join('/');
    const at = ref.lastIndexOf(':');
    const line = Number(ref.slice(at + 1));
    if (at > 0 && Number.isInteger(line) && line >= 0) {
      return { view: 'op', key: ref.slice(0, at), line };
    }
  }
  if (parts[0] === 'runs' && parts[1] !== undefined && TRACE_ID.test(parts[1])) {
    return { view: 'issues', filters: DEFAULT_FILTERS, run: parts[1] };
  }
  return { view: 'issues', filters: filtersOf(new URLSearchParams(query)) };
}

function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

function filtersOf(params: URLSearchParams): IssueFilters {
  const range = params.get('range') ?? '';
  const sort = params.get('sort') ?? '';
  return {
    status: params.get('status') ?? '',
    endpoint: params.get('endpoint') ?? '',
    q: params.get('q') ?? '',
    range: range in RANGES ? (range as RangeName) : DEFAULT_FILTERS.range,
    sort: (SORTS as readonly string[]).includes(sort) ? (sort as SortName) : 'last_seen',
  };
}

/** The hash of the issue list with these filters (defaults left out). */
export function issuesHash(f: IssueFilters): string {
  const params = new URLSearchParams();
  for (const name of ['status', 'endpoint', 'q', 'range', 'sort'] as const) {
    if (f[name] !== '' && f[name] !== DEFAULT_FILTERS[name]) params.set(name, f[name]);
  }
  const query = params.toString();
  return `#/issues${query === '' ? '' : `?${query}`}`;
}

/** The API path of the issue list for these filters at `now`. */
export function issuesPath(f: IssueFilters, now: number): string {
  const params = new URLSearchParams({ sort: f.sort, limit: '50' });
  if (f.status !== '') params.set('status', f.status);
  if (f.endpoint !== '') params.set('endpoint', f.endpoint);
  if (f.q !== '') params.set('q', f.q);
  const hours = RANGES[f.range];
  if (hours > 0) params.set('since', new Date(now - hours * 3_600_000).toISOString());
  return `issues?${params.toString()}`;
}

/** The hash of an issue's page, of an op's, of a run's. */
export const issueHash = (id: string) => `#/issues/${id}`;
export const opHash = (key: string, line: number) => `#/ops/${encodeURIComponent(key)}:${line}`;
export const runHash = (traceId: string) => `#/runs/${encodeURIComponent(traceId)}`;

/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// Runs in the browser: bundled into the page's script by `npm run build:dashboard`.
/** What one call of the API came to, as the page needs to tell it apart. */
export type ApiResult =
  | { kind: 'ok'; body: unknown }
  /** 401: no key was sent (`invalid` false) or the one sent is not configured. */
  | { kind: 'unauthorized'; invalid: boolean }
  /** 403: the key is configured, but its scope does not cover the route (`scopeNeeded`). */
  | { kind: 'forbidden'; scopeNeeded: string; message: string }
  /** 404: the route is not deployed here (an older stack). */
  | { kind: 'missing' }
  | { kind: 'failed'; message: string };

/**
 * The observer API as the page calls it: paths relative to the page
 * (`stats`, `stats/history?hours=6`), the bearer key from sessionStorage
 * in the Authorization header (never in a URL, never logged).
 */
export class DashboardApi {
  readonly #win: Window;
  readonly #base: string;
  static readonly TOKEN_KEY = 'observer.token';

  constructor(win: Window) {
    this.#win = win;
    // `/observer` and `/observer/` both serve the page; the API lives beside it.
    const path = win.location.pathname;
    this.#base = path.endsWith('/') ? path : `${path}/`;
  }

  /** The token this tab keeps, if any. */
  token(): string | undefined {
    return this.#win.sessionStorage.getItem(DashboardApi.TOKEN_KEY) ?? undefined;
  }

  /** Keeps a token for this tab (and its reloads) only. */
  saveToken(token: string): void {
    this.#win.sessionStorage.setItem(DashboardApi.TOKEN_KEY, token);
  }

  /** Forgets the token. */
  forgetToken(): void {
    this.#win.sessionStorage.removeItem(DashboardApi.TOKEN_KEY);
  }

  /** GET `path` (relative to the page) with the kept token, or with `token` when given. */
  get(path: string, token: string | undefined = this.token()): Promise<ApiResult> {
    return this.#send(path, token);
  }

  /** POST `body` as JSON to `path` (relative to the page) with the kept token. */
  post(path: string, body: unknown): Promise<ApiResult> {
    return this.#send(path, this.token(), JSON.stringify(body));
  }

  async #send(path: string, token: string | undefined, sent?: string): Promise<ApiResult> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    if (sent !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await this.#win.fetch(this.#base + path, {
        headers,
        cache: 'no-store',
        ...(sent === undefined ? {} : { method: 'POST', body: sent }),
      });
    } catch {
      return { kind: 'failed', message: 'the API could not be reached' };
    }
    if (res.status === 401 && /^bearer/i.test(res.headers.get('www-authenticate') ?? '')) {
      return { kind: 'unauthorized', invalid: token !== undefined };
    }
    if (res.status === 404) return { kind: 'missing' };
    const body = await res.json().catch(() => undefined);
    if (res.status === 403) {
      const needed = DashboardApi.member(body, 'scope_needed');
      if (needed !== undefined) {
        return {
          kind: 'forbidden',
          scopeNeeded: needed,
          message: DashboardApi.errorOf(body) ?? '',
        };
      }
    }
    if (!res.ok) {
      const error = DashboardApi.errorOf(body);
      return { kind: 'failed', message: `${res.status}${error ? `: ${error}` : ''}` };
    }
    return body === undefined
      ? { kind: 'failed', message: 'the answer was not JSON' }
      : { kind: 'ok', body };
  }

  /** The `error` member of an error answer, if it has one. */
  static errorOf(body: unknown): string | undefined {
    return DashboardApi.member(body, 'error');
  }

  /** A string member of a JSON object, if it has one. */
  static member(body: unknown, name: string): string | undefined {
    if (typeof body !== 'object' || body === null) return undefined;
    const value: unknown = (body as Record<string, unknown>)[name];
    return typeof value === 'string' ? value : undefined;
  }
}

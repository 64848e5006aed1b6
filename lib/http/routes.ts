import type { Scope } from '../platform/api-keys';

/** Who may call a route: a key of this scope (an admin key may call any route), or anyone. */
export type Access = Scope | 'open';

/**
 * Every HTTP route serverless.yml declares, `METHOD /path`, with the scope a
 * key needs to call it once keys are configured. Each handler asks for its
 * route's scope (`admit(event, scope)`), the API description's security and
 * the documents follow this table, and tests hold all of them to it. A new
 * route is one more row.
 */
export const ROUTE_ACCESS = {
  // Sending ops: what a loop that only reports needs.
  'POST /observer/event': 'ingest',
  'POST /observer/events': 'ingest',
  // OpenTelemetry exporters: an agent that only reports.
  'POST /observer/otlp/v1/traces': 'ingest',
  'POST /observer/otlp/v1/logs': 'ingest',
  // Reading what was recorded, error texts included.
  'GET /observer/stats': 'read',
  'GET /observer/stats/history': 'read',
  'GET /observer/ops': 'read',
  'GET /observer/failures': 'read',
  'GET /observer/escalations': 'read',
  'GET /observer/runs': 'read',
  'GET /observer/runs/{trace_id}': 'read',
  'GET /observer/playbooks': 'read',
  'GET /observer/issues': 'read',
  'GET /observer/issues/{id}': 'read',
  // Changing what people decided about an issue: its status, a merge.
  'POST /observer/issues/{id}': 'admin',
  'POST /observer/issues/{id}/merge': 'admin',
  // A verdict on one op reads the ring and its clusters, and changes nothing.
  'POST /observer/review': 'read',
  // No op data: liveness, the API description, the page's markup and code.
  'GET /observer/health': 'open',
  'GET /observer/openapi.json': 'open',
  'GET /observer/': 'open',
} as const satisfies Readonly<Record<string, Access>>;

/** A route of the table, `METHOD /path`. */
export type RouteKey = keyof typeof ROUTE_ACCESS;

/**
 * The same routes as path → methods: what the catch-all answers 405 for
 * (with `allow`) instead of 404. A path may hold `{name}` parameters.
 */
export const ROUTES: Readonly<Record<string, readonly string[]>> = Object.keys(ROUTE_ACCESS).reduce<
  Record<string, string[]>
>((paths, route) => {
  const [method, path] = route.split(' ') as [string, string];
  paths[path] = [...(paths[path] ?? []), method];
  return paths;
}, {});

/** The methods a request path may use, its route's path parameters matched; none for an unknown path. */
export function allowedMethods(path: string): readonly string[] {
  const exact = ROUTES[path];
  if (exact !== undefined) return exact;
  for (const [template, methods] of Object.entries(ROUTES)) {
    if (!template.includes('{')) continue;
    const pattern = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+');
    if (new RegExp(`^${pattern}$`).test(path)) return methods;
  }
  return [];
}

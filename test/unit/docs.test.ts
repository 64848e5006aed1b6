import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MASK_RULES } from '../../lib/failures/clustering/masking';
import { ROUTE_ACCESS } from '../../lib/http/routes';
import { SCOPES } from '../../lib/platform/api-keys';
import { ConfigSchema } from '../../lib/platform/config';
import { declaredRoutes } from '../support/serverless-yml';

// The README and docs/ say what the code does: these checks fail when a route,
// a variable, a link or a saved query moves and the documents do not follow.

const read = (path: string) => readFileSync(path, 'utf-8');
const DOCS = [
  'README.md',
  ...readdirSync('docs')
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
const readme = read('README.md');
const api = read('docs/api.md');

/** Markdown without its fenced code blocks (their contents are not links or headings). */
const prose = (markdown: string) => markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1\s*$/gm, '');

/** The cells of each body row of the first table after `heading` (or in the document). */
function tableRows(markdown: string, heading?: string): string[][] {
  const from = heading === undefined ? 0 : markdown.indexOf(`\n${heading}\n`);
  if (from < 0) throw new Error(`no heading ${heading}`);
  const lines = prose(markdown.slice(from)).split('\n');
  const start = lines.findIndex((l) => l.startsWith('|'));
  if (start < 0) return [];
  const end = lines.findIndex((l, i) => i > start && !l.startsWith('|'));
  const table = lines.slice(start, end < 0 ? undefined : end);
  return table.slice(2).map((row) =>
    row
      .split('|')
      .slice(1, -1)
      .map((cell) => cell.trim()),
  );
}

/** The first cell of each body row of the first table after `heading` (or in the document). */
const firstColumn = (markdown: string, heading?: string): string[] =>
  tableRows(markdown, heading).map((row) => row[0] ?? '');

/** GitHub's anchor for a heading: `## \`GET /x\` and more` → `get-x-and-more`. */
const slug = (heading: string) =>
  heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');

/** The anchors of a document's headings, a repeated heading numbered as GitHub does. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const [, text] of prose(markdown).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = slug(text ?? '');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** A curl line for the route: its path (not a longer one), and `-X POST` for a POST. */
function hasCurl(markdown: string, route: string): boolean {
  const [method, path] = route.split(' ') as [string, string];
  // A path parameter (`{trace_id}`) stands for any one segment.
  const pattern = path.replace(/[/.]/g, '\\$&').replace(/\{\w+\}/g, '[^/\\s]+');
  const pathPattern = new RegExp(`${pattern}(?![\\w/])`);
  return markdown
    .split('\n')
    .some(
      (l) => l.includes('curl') && pathPattern.test(l) && (method !== 'POST' || /-X POST/.test(l)),
    );
}

const routes = declaredRoutes(read('serverless.yml'));
const httpRoutes = routes.filter((r) => r !== '*');

describe('the documented routes', () => {
  it('reads every route serverless.yml declares, the catch-all included', () => {
    expect(httpRoutes).toContain('POST /observer/event');
    expect(httpRoutes).toContain('GET /observer/stats/history');
    expect(routes).toContain('*');
  });

  it.each(httpRoutes)('lists %s in the README route table, with a curl example', (route) => {
    expect(firstColumn(readme, '## Routes')).toContain(`\`${route}\``);
    expect(hasCurl(readme, route)).toBe(true);
  });

  it.each(httpRoutes)('documents %s in docs/api.md: table, section and curl', (route) => {
    expect(firstColumn(api)).toContain(`\`${route}\``);
    expect(anchors(api)).toContain(slug(`\`${route}\``));
    expect(hasCurl(api, route)).toBe(true);
  });

  it('lists the catch-all route in both tables', () => {
    expect(firstColumn(readme, '## Routes').some((c) => c.startsWith('anything else'))).toBe(true);
    expect(firstColumn(api).some((c) => c.startsWith('anything else'))).toBe(true);
  });
});

describe('the scope of each route', () => {
  const apiRows = tableRows(api);
  const scopeRows = tableRows(read('docs/security.md'), '## Keys and scopes');
  const routesOf = (scope: string) =>
    Object.entries(ROUTE_ACCESS)
      .filter(([, access]) => access === scope)
      .map(([route]) => `\`${route}\``)
      .sort();

  it.each(Object.entries(ROUTE_ACCESS))('docs/api.md gives %s the scope %s', (route, access) => {
    const row = apiRows.find((cells) => cells[0] === `\`${route}\``);

    expect(row?.[2]).toBe(access === 'open' ? 'open' : `\`${access}\``);
  });

  it.each(SCOPES.filter((s) => s !== 'admin'))(
    'docs/security.md lists the routes of the scope %s',
    (scope) => {
      const row = scopeRows.find((cells) => cells[0] === `\`${scope}\``);

      expect(row?.[1]?.split(', ').sort()).toEqual(routesOf(scope));
    },
  );

  it('docs/security.md gives admin every route', () => {
    expect(scopeRows.find((cells) => cells[0] === '`admin`')?.[1]).toMatch(/^every route/);
  });
});

describe('the configuration tables', () => {
  const variables = firstColumn(read('docs/configuration.md')).join(' ');
  const essentials = firstColumn(readme, '## Configuration').join(' ');

  it.each([
    'OBSERVER_BUCKET',
    'S3_ENDPOINT',
    'OBSERVER_API_TOKEN',
    'S3_PORT',
    'OBSERVER_DATA_DIR',
    '--httpPort',
    '--lambdaPort',
  ])('the README names %s', (name) => {
    expect(essentials).toContain(name);
  });

  const fromStart = [...read('scripts/start.ts').matchAll(/process\.env\.([A-Z0-9_]+)/g)].map(
    (m) => m[1] as string,
  );

  it.each([...Object.keys(ConfigSchema.in.shape), ...new Set(fromStart)])(
    'docs/configuration.md names %s',
    (name) => {
      expect(variables).toContain(`\`${name}\``);
    },
  );

  it("names serverless-offline's port flags", () => {
    expect(variables).toMatch(/--httpPort/);
    expect(variables).toMatch(/--lambdaPort/);
  });
});

describe('the README', () => {
  it('stays within 8 KB; the rest lives in docs/', () => {
    expect(Buffer.byteLength(readme)).toBeLessThanOrEqual(8192);
  });
});

describe('links between the documents', () => {
  const links = DOCS.flatMap((file) =>
    [...prose(read(file)).matchAll(/\]\(([^)\s]+)\)/g)]
      .map((m) => m[1] as string)
      .filter((target) => !/^[a-z]+:/i.test(target))
      .map((target): [string, string] => [file, target]),
  );

  it('finds relative links to check', () => {
    expect(links.length).toBeGreaterThan(10);
  });

  it.each(links)('%s: %s resolves to a file and heading', (file, target) => {
    const [path = '', fragment] = target.split('#');
    const resolved = path === '' ? file : join(dirname(file), path);

    expect(existsSync(resolved)).toBe(true);
    if (fragment !== undefined) expect(anchors(read(resolved))).toContain(fragment);
  });
});

describe('docs/athena.md', () => {
  it.each(readdirSync('athena').filter((f) => f.endsWith('.sql')))(
    'quotes the saved Athena query %s word for word',
    (file) => {
      const sql = read(`athena/${file}`);

      expect(read('docs/athena.md')).toContain(`\`\`\`sql\n${sql}\`\`\``);
    },
  );
});

describe('docs/template-miner.md', () => {
  const doc = read('docs/template-miner.md');

  it('lists every masking rule, in the order the engine tries them', () => {
    expect(firstColumn(doc, '## Masking rules')).toEqual(MASK_RULES.map((r) => `\`${r.name}\``));
  });

  it('gives the GA figures bench/clusters-results.json holds', () => {
    const results = JSON.parse(read('bench/clusters-results.json')) as {
      sets: Array<{ set: string; ga: number }>;
      meanGa: number;
      agentErrors: { ga: number };
    };
    const rows = prose(doc.slice(doc.indexOf('## Measured accuracy')))
      .split('\n')
      .filter((l) => l.startsWith('| '))
      .map((l) => l.split('|').map((c) => c.trim()));
    const ga = (name: string) => rows.find((r) => r[1] === name)?.[2];
    for (const s of results.sets) expect(ga(s.set), s.set).toBe(s.ga.toFixed(3));
    expect(ga('mean')).toBe(results.meanGa.toFixed(3));
    expect(ga('agent (synthetic)')).toBe(results.agentErrors.ga.toFixed(3));
  });
});

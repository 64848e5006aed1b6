import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { apiDescription } from '../../lib/http/api-description';
import { type DocExample, docExamples } from '../support/doc-examples';
import { describedBy, errorsOf } from '../support/openapi';

// Every request and answer the README and docs/ show is checked against the
// API description the service serves: an example cannot drift from the code.
// How an example names its route and status: test/support/doc-examples.ts.

const FILES = [
  'README.md',
  ...readdirSync('docs')
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
const found = FILES.map((file) => docExamples(file, readFileSync(file, 'utf-8')));
const examples = found.flatMap((f) => f.examples);
const described = describedBy(apiDescription());

const label = (e: DocExample) =>
  `${e.where} ${e.kind} ${e.method} ${e.path}${e.status ? ` ${e.status}` : ''}`;
const requests = examples.filter((e) => e.kind === 'request').map((e) => [label(e), e] as const);
const answers = examples.filter((e) => e.kind === 'answer').map((e) => [label(e), e] as const);

describe('the examples in the README and docs/', () => {
  it('ties every JSON example to a route, and every annotation to an example', () => {
    expect(found.flatMap((f) => f.problems)).toEqual([]);
  });

  it("finds docs/api.md's examples: requests, answers with bodies, and whole tables", () => {
    const inApi = examples.filter((e) => e.where.startsWith('docs/api.md'));

    expect(inApi.filter((e) => e.kind === 'request').length).toBeGreaterThanOrEqual(4);
    expect(inApi.filter((e) => e.kind === 'answer' && e.json).length).toBeGreaterThanOrEqual(15);
    expect(inApi.some((e) => e.status === 207 && e.json)).toBe(true);
    expect(inApi.some((e) => e.status === 401 && e.json)).toBe(true);
  });

  it.each(answers)('%s is an answer the description gives', (_label, example) => {
    const validate = described.answer(example.method, example.path, example.status ?? 0);
    if (example.json === undefined) return;

    const body: unknown = JSON.parse(example.json);

    expect(validate(body), errorsOf(validate)).toBe(true);
  });

  it.each(requests)('%s is accepted, or refused as documented', (_label, example) => {
    const validate = described.request(example.method, example.path);

    const valid = validate(JSON.parse(example.json ?? ''));

    expect(
      valid,
      `${errorsOf(validate)} (documented as refused: ${example.refused === true})`,
    ).toBe(example.refused !== true);
  });
});

describe('reading the examples of a document', () => {
  const markdown = [
    '<!-- answer: POST /observer/event 201 -->',
    '',
    '```json',
    '{"ok": true}',
    '```',
    '',
    '<!-- no route: a document stored in S3 -->',
    '```json',
    '{"file": "x"}',
    '```',
    '',
    '```json',
    '{"untied": true}',
    '```',
    '',
    '<!-- answers: POST /observer/event -->',
    '',
    '| status | when | example body |',
    '| --- | --- | --- |',
    '| 401 | no token | |',
    '| 415 | text | `{"error":"no"}` |',
    '',
    '```sh',
    "curl -s -X POST http://localhost:3000/observer/events -H 'content-type: application/json' \\",
    `  -d '[{"endpoint":""}]'`,
    '# 400 {"error":"no valid op in the batch"}',
    'curl -s localhost:3000/observer/stats   # {"total":…}',
    "curl -s -X POST -d '{}' http://localhost:3002/2015-03-31/functions/f/invocations",
    '```',
  ].join('\n');
  const { examples, problems } = docExamples('x.md', markdown);
  const brief = examples.map(({ where, kind, method, path, status, json, refused }) =>
    [where, kind, method, path, status, json, refused].filter((v) => v !== undefined).join(' '),
  );

  it('ties blocks, table rows and curls to their routes; refused requests are marked', () => {
    expect(brief).toEqual([
      'x.md:3 answer POST /observer/event 201 {"ok": true}',
      'x.md:20 answer POST /observer/event 401',
      'x.md:21 answer POST /observer/event 415 {"error":"no"}',
      'x.md:24 request POST /observer/events [{"endpoint":""}] true',
      'x.md:26 answer POST /observer/events 400 {"error":"no valid op in the batch"}',
    ]);
  });

  it('reports a JSON block tied to nothing', () => {
    expect(problems).toEqual([expect.stringMatching(/^x\.md:12: a JSON example tied to no route/)]);
  });
});

// The request and answer examples of a markdown document, each tied to the
// route (and status) it documents, so tests can check them against the API
// description. How an example is tied to its route:
//
// - a ```json block: the line before it (blank lines aside) is
//   `<!-- answer: POST /observer/events 207 -->` or `<!-- request: POST /observer/events -->`,
//   or, for JSON that is no HTTP request or answer, `<!-- no route: what it is -->`;
//   a ```json block without one of these is reported as a problem;
// - a table: the line before it is `<!-- answers: POST /observer/event -->`; each row's
//   `status` column gives the status, and a `body` column's `{...}` cell the example;
// - a curl to http://localhost:3000 in a ```sh block: its `-d '…'` body is a request
//   for its method and path; a comment after it (on its line or the lines below)
//   that starts with a status, `# 400 {"error":…}`, documents that answer.
//   A request whose documented answer is a 4xx or a 207 is expected to be refused.

/** One example, or one documented status without a body. */
export interface DocExample {
  where: string;
  kind: 'request' | 'answer';
  method: string;
  path: string;
  status?: number;
  json?: string;
  /** A request documented as refused (4xx) or refused in part (207). */
  refused?: boolean;
}

const ANNOTATION =
  /^<!--\s*(?:(answer|answers|request):\s*([A-Z]+)\s+(\/\S*)(?:\s+(\d{3}))?|(no route):.*)\s*-->$/;
const API_BASE = /^(?:http:\/\/)?localhost:3000(\/[^?\s]*)/;

/** The examples of one document, and what keeps an example from being tied to a route. */
export function docExamples(
  file: string,
  markdown: string,
): { examples: DocExample[]; problems: string[] } {
  const lines = markdown.split('\n');
  const examples: DocExample[] = [];
  const problems: string[] = [];
  const annotationBefore = (i: number) => {
    let j = i - 1;
    while (j >= 0 && (lines[j] ?? '').trim() === '') j--;
    return ANNOTATION.exec((lines[j] ?? '').trim()) ?? undefined;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const where = `${file}:${i + 1}`;
    const fence = /^```(\w*)\s*$/.exec(line);
    if (fence) {
      const closing = lines.findIndex((l, j) => j > i && l.startsWith('```'));
      const end = closing < 0 ? lines.length : closing;
      const body = lines.slice(i + 1, end).join('\n');
      const lang = fence[1];
      if (lang === 'json') examples.push(...jsonBlock(where, body, annotationBefore(i), problems));
      if (lang === 'sh' || lang === 'bash') examples.push(...curlExamples(file, i + 1, body));
      i = end;
      continue;
    }
    if (line.startsWith('|') && !(lines[i - 1] ?? '').startsWith('|')) {
      const note = annotationBefore(i);
      if (note?.[1] === 'answers') {
        const end = lines.findIndex((l, j) => j > i && !l.startsWith('|'));
        const rows = lines.slice(i, end < 0 ? undefined : end);
        examples.push(...tableExamples(file, i + 1, rows, note[2] ?? '', note[3] ?? ''));
      }
    }
    const note = ANNOTATION.exec(line.trim());
    if (note && !isFollowedBy(lines, i, note[1] === 'answers' ? '|' : '```json')) {
      problems.push(
        `${where}: ${line.trim()} is followed by no ${note[1] === 'answers' ? 'table' : 'JSON block'}`,
      );
    }
  }
  return { examples, problems };
}

function isFollowedBy(lines: string[], i: number, start: string): boolean {
  let j = i + 1;
  while (j < lines.length && (lines[j] ?? '').trim() === '') j++;
  return (lines[j] ?? '').startsWith(start);
}

function jsonBlock(
  where: string,
  json: string,
  note: RegExpExecArray | undefined,
  problems: string[],
): DocExample[] {
  const [, kind, method = '', path = '', status, noRoute] = note ?? [];
  if (noRoute !== undefined) return [];
  if (kind === 'answer' && status !== undefined) {
    return [{ where, kind: 'answer', method, path, status: Number(status), json }];
  }
  if (kind === 'request' && status === undefined) {
    return [{ where, kind: 'request', method, path, json }];
  }
  problems.push(
    `${where}: a JSON example tied to no route; put <!-- answer: METHOD PATH STATUS --> ` +
      'or <!-- request: METHOD PATH --> (or <!-- no route: what it is -->) on the line before it',
  );
  return [];
}

function tableExamples(
  file: string,
  firstLine: number,
  rows: string[],
  method: string,
  path: string,
): DocExample[] {
  const cells = (row: string) =>
    row
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim());
  const header = cells(rows[0] ?? '');
  const statusColumn = header.indexOf('status');
  const bodyColumn = header.findIndex((h) => h.endsWith('body'));
  return rows.slice(2).map((row, n) => {
    const cell = cells(row);
    const json = /^`(\{.*\})`$/.exec(cell[bodyColumn] ?? '')?.[1];
    return {
      where: `${file}:${firstLine + 2 + n}`,
      kind: 'answer',
      method,
      path,
      status: Number(cell[statusColumn]),
      ...(json !== undefined ? { json } : {}),
    };
  });
}

/** The curls of a shell block, with the request bodies and the answers their comments give. */
function curlExamples(file: string, fenceLine: number, block: string): DocExample[] {
  const out: DocExample[] = [];
  let current: { request: DocExample | undefined; method: string; path: string } | undefined;
  const commands = logicalLines(block);
  for (const { text, line } of commands) {
    const where = `${file}:${fenceLine + line + 1}`;
    const [command, comment] = splitComment(text);
    if (/\bcurl\s/.test(command)) {
      current = parseCurl(command, where);
      if (current?.request) out.push(current.request);
    }
    const answer = /^(\d{3})\b[^{[]*(.*)$/.exec(comment ?? '');
    if (current === undefined || answer === null) continue;
    const status = Number(answer[1]);
    if (current.request && (status >= 400 || status === 207)) current.request.refused = true;
    const json = answer[2]?.trim() || undefined;
    out.push({ where, kind: 'answer', method: current.method, path: current.path, status, json });
  }
  return out;
}

/** A shell block's commands, continuation lines joined, each with the line it starts on. */
function logicalLines(block: string): { text: string; line: number }[] {
  const out: { text: string; line: number }[] = [];
  let pending: { text: string; line: number } | undefined;
  block.split('\n').forEach((raw, line) => {
    const joined = pending ? `${pending.text} ${raw.trim()}` : raw;
    const start = pending?.line ?? line;
    if (joined.endsWith('\\')) pending = { text: joined.slice(0, -1).trimEnd(), line: start };
    else {
      pending = undefined;
      out.push({ text: joined, line: start });
    }
  });
  return out;
}

/** The command and its `#` comment (outside quotes), without the `#`. */
function splitComment(text: string): [string, string | undefined] {
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(text[i - 1] ?? ''))) {
      return [text.slice(0, i), text.slice(i + 1).trim()];
    }
  }
  return [text, undefined];
}

/** The words of a command line, quotes removed. */
function words(command: string): string[] {
  return [...command.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3] ?? '');
}

function parseCurl(
  command: string,
  where: string,
): { request: DocExample | undefined; method: string; path: string } | undefined {
  const args = words(command);
  const path = args.map((a) => API_BASE.exec(a)?.[1]).find((p) => p !== undefined);
  if (path === undefined) return undefined;
  const flag = (names: string[]) => {
    const i = args.findIndex((a) => names.includes(a));
    return i < 0 ? undefined : args[i + 1];
  };
  const json = flag(['-d', '--data', '--data-raw']);
  const method = flag(['-X', '--request']) ?? (json === undefined ? 'GET' : 'POST');
  const request: DocExample | undefined =
    json === undefined ? undefined : { where, kind: 'request', method, path, json };
  return { request, method, path };
}

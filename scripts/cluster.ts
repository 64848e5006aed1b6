// `npm run --silent cluster < messages.txt` (or `producer | npm run --silent
// cluster`): one message per input line, one JSON object per line out, in
// order: {"line", "cluster", "template"}, with each line's cluster and
// template as they stand after the whole input (see
// lib/failures/clustering/cluster-lines.ts). Blank lines are messages too.
// Standard input is read as a stream, a chunk at a time, so a pipe of any
// length works and only the current line is held as text.
import { once } from 'node:events';
import { LineClusterer } from '../lib/failures/clustering/cluster-lines';

/** A line longer than this is refused: it is not a log message. */
const MAX_LINE_CHARS = 1024 * 1024;
/** Output lines written per call. */
const BATCH = 1000;

function fail(message: string): never {
  process.stderr.write(`cluster: ${message}\n`);
  process.exit(2);
}

function addLine(clusterer: LineClusterer, line: string): void {
  clusterer.add(line.endsWith('\r') ? line.slice(0, -1) : line);
}

/** Mines standard input line by line; a last line without a newline counts. */
async function mineInput(clusterer: LineClusterer): Promise<void> {
  process.stdin.setEncoding('utf8');
  let partial = '';
  for await (const chunk of process.stdin) {
    const text = partial + (chunk as string);
    let start = 0;
    for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n', start)) {
      if (end - start > MAX_LINE_CHARS) break;
      addLine(clusterer, text.slice(start, end));
      start = end + 1;
    }
    partial = text.slice(start);
    const newline = partial.indexOf('\n');
    if ((newline >= 0 ? newline : partial.length) > MAX_LINE_CHARS) {
      fail(`line ${clusterer.size + 1} is over ${MAX_LINE_CHARS} characters`);
    }
  }
  if (partial !== '') addLine(clusterer, partial);
}

/** Prints one JSON object per line, waiting for the reader when the pipe is full. */
async function print(clusterer: LineClusterer): Promise<void> {
  let batch: string[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const ok = process.stdout.write(`${batch.join('\n')}\n`);
    batch = [];
    if (!ok) await once(process.stdout, 'drain');
  };
  for (const result of clusterer.results()) {
    batch.push(JSON.stringify(result));
    if (batch.length === BATCH) await flush();
  }
  await flush();
}

if (process.argv.length > 2) fail('takes no arguments: npm run --silent cluster < messages.txt');
if (process.stdin.isTTY) fail('reads messages from standard input, one per line');
const clusterer = new LineClusterer();
await mineInput(clusterer);
await print(clusterer);

// `npm run --silent cluster < messages.txt`: one message per input line, one
// JSON object per line out, in order: {"line", "cluster", "template"}, with
// each line's cluster and template as they stand after the whole input
// (see lib/failures/clustering/cluster-lines.ts). Blank lines are messages too.
import { readFileSync } from 'node:fs';
import { clusterLines } from '../lib/failures/clustering/cluster-lines';

/** A line longer than this is refused: it is not a log message. */
const MAX_LINE_CHARS = 1024 * 1024;

function fail(message: string): never {
  process.stderr.write(`cluster: ${message}\n`);
  process.exit(2);
}

function readLines(): string[] {
  if (process.stdin.isTTY) fail('reads messages from standard input, one per line');
  const text = readFileSync(0, 'utf8');
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((line, i) => {
    if (line.length > MAX_LINE_CHARS) fail(`line ${i + 1} is over ${MAX_LINE_CHARS} characters`);
    return line.endsWith('\r') ? line.slice(0, -1) : line;
  });
}

if (process.argv.length > 2) fail('takes no arguments: npm run --silent cluster < messages.txt');
const out = clusterLines(readLines()).map((c) => JSON.stringify(c));
process.stdout.write(out.length > 0 ? `${out.join('\n')}\n` : '');

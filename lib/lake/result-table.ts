import type { SqlResult } from './local-sql';

const NUMBER_TYPE = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|U\w*INT|DECIMAL|FLOAT|DOUBLE)/;

/**
 * The result as a plain text table: a header, a rule, one line per row
 * (numbers right-aligned, NULL for a missing value, nested values as JSON)
 * and the row count.
 */
export function formatTable(result: SqlResult): string {
  const right = result.columns.map((c) => NUMBER_TYPE.test(c.type));
  const cells = result.rows.map((row) => row.map(cellText));
  const widths = result.columns.map((c, i) =>
    Math.max(c.name.length, ...cells.map((row) => (row[i] as string).length)),
  );
  const line = (values: readonly string[]) =>
    values
      .map((v, i) => (right[i] ? v.padStart(widths[i] ?? 0) : v.padEnd(widths[i] ?? 0)))
      .join(' | ')
      .trimEnd();
  const count = `(${result.rows.length} row${result.rows.length === 1 ? '' : 's'})`;
  if (result.columns.length === 0) return count;
  return [
    line(result.columns.map((c) => c.name)),
    widths.map((w) => '-'.repeat(w)).join('-+-'),
    ...cells.map(line),
    count,
  ].join('\n');
}

function cellText(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  // One row, one line: a newline or tab inside a value would break the columns.
  return text.replace(/[\n\r\t]/g, ' ');
}

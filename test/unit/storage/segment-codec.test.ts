import { describe, expect, it } from 'vitest';
import { decodeSegment, encodeSegment, MAX_LINE_BYTES } from '../../../lib/storage/segment-codec';
import { nthOp } from '../../support/ops';

const line = (value: unknown) => JSON.stringify(value);

describe('encodeSegment', () => {
  it('writes one op per line, each line ending in a newline', () => {
    const text = encodeSegment([nthOp(1), nthOp(2)]);

    expect(text).toBe(`${line(nthOp(1))}\n${line(nthOp(2))}\n`);
  });

  it('writes nothing for no ops', () => {
    expect(encodeSegment([])).toBe('');
  });

  it('keeps each op on one line even when its strings hold newlines', () => {
    const text = encodeSegment([nthOp(1, { error: 'line one\nline two', note: 'a\r\nb' })]);

    expect(text.split('\n')).toHaveLength(2);
  });
});

describe('decodeSegment', () => {
  it('round-trips ops with unknown fields, nested values and nulls', () => {
    const ops = [
      nthOp(1, { id: 'op-1', duration_ms: 12.5, meta: { tags: ['a', null], deep: { x: 1 } } }),
      nthOp(2, { source: 'scenario', staffer_id: 'w-17', event_kind: 'fill', role: 'welder' }),
      nthOp(3, { note: null, error: 'line one\nline two' }),
    ];

    const decoded = decodeSegment(encodeSegment(ops));

    expect(decoded).toStrictEqual({ ops, skipped: [] });
  });

  it('skips garbage, invalid and truncated lines and applies the rest', () => {
    const text = [
      line(nthOp(1)), // 1: valid
      'this is not json', // 2
      line({ endpoint: '', timestamp: '2026-11-24T21:15:03Z' }), // 3: fails the schema
      line({ endpoint: 'no-timestamp', success: true }), // 4: stored ops carry a timestamp
      line(nthOp(5)), // 5: valid
      '[1,2,3]', // 6: not an object
      line(nthOp(7)), // 7: valid
      '{"endpoint":"cut off","succ', // 8: the last line, truncated mid-write
    ].join('\n');

    const { ops, skipped } = decodeSegment(text);

    expect(ops).toStrictEqual([nthOp(1), nthOp(5), nthOp(7)]);
    expect(skipped).toEqual([
      { line: 2, reason: expect.stringMatching(/json/i) },
      { line: 3, reason: expect.stringMatching(/op/i) },
      { line: 4, reason: expect.stringMatching(/op/i) },
      { line: 6, reason: expect.stringMatching(/op/i) },
      { line: 8, reason: expect.stringMatching(/json/i) },
    ]);
  });

  it('skips a line holding JSON null or a bare string', () => {
    const { ops, skipped } = decodeSegment(`null\n"text"\n${line(nthOp(1))}\n`);

    expect(ops).toStrictEqual([nthOp(1)]);
    expect(skipped.map((s) => s.line)).toEqual([1, 2]);
  });

  it('ignores blank and whitespace-only lines but still counts them in line numbers', () => {
    const text = `\n${line(nthOp(1))}\n\n   \n\t\n${line(nthOp(2))}\ngarbage\n\n`;

    const { ops, skipped } = decodeSegment(text);

    expect(ops).toStrictEqual([nthOp(1), nthOp(2)]);
    expect(skipped.map((s) => s.line)).toEqual([7]);
  });

  it('reads a segment with CRLF line endings', () => {
    const { ops, skipped } = decodeSegment(`${line(nthOp(1))}\r\n${line(nthOp(2))}\r\n`);

    expect(ops).toStrictEqual([nthOp(1), nthOp(2)]);
    expect(skipped).toEqual([]);
  });

  it('decodes an empty segment to nothing', () => {
    expect(decodeSegment('')).toStrictEqual({ ops: [], skipped: [] });
  });

  it('skips a line over 1 MiB, even a valid op, and applies the next line', () => {
    const huge = line(nthOp(1, { blob: 'x'.repeat(MAX_LINE_BYTES) }));

    const { ops, skipped } = decodeSegment(`${huge}\n${line(nthOp(2))}\n`);

    expect(MAX_LINE_BYTES).toBe(1024 * 1024);
    expect(ops).toStrictEqual([nthOp(2)]);
    expect(skipped).toEqual([{ line: 1, reason: expect.stringContaining(String(MAX_LINE_BYTES)) }]);
  });

  it('applies a valid line of exactly 1 MiB', () => {
    const bare = line(nthOp(1, { blob: '' }));
    const blob = 'x'.repeat(MAX_LINE_BYTES - Buffer.byteLength(bare));
    const exact = line(nthOp(1, { blob }));

    const { ops, skipped } = decodeSegment(`${exact}\n`);

    expect(Buffer.byteLength(exact)).toBe(MAX_LINE_BYTES);
    expect(ops).toHaveLength(1);
    expect(skipped).toEqual([]);
  });

  it('measures the line limit in UTF-8 bytes, not characters', () => {
    // 600,000 two-byte characters: under 1 Mi characters, over 1 MiB.
    const wide = line(nthOp(1, { blob: 'é'.repeat(600_000) }));

    const { ops, skipped } = decodeSegment(`${wide}\n`);

    expect(wide.length).toBeLessThan(MAX_LINE_BYTES);
    expect(ops).toEqual([]);
    expect(skipped.map((s) => s.line)).toEqual([1]);
  });
});

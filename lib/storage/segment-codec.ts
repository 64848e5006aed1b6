import { type ObservedOp, parseStoredOp } from '../domain/op';

/** A line over this many bytes is skipped on replay, whatever it holds. */
export const MAX_LINE_BYTES = 1024 * 1024;

/**
 * A segment over this many bytes is skipped whole on replay, unread: the
 * service writes one op (at most 64 KiB) per segment, and reading an
 * arbitrarily large foreign object could exhaust a function's memory.
 */
export const MAX_SEGMENT_BYTES = 16 * 1024 * 1024;

/** A line replay skipped, and why. */
export interface SkippedLine {
  line: number;
  reason: string;
}

/** One op per line, each line ending in a newline. */
export function encodeSegment(ops: readonly ObservedOp[]): string {
  return ops.map((op) => `${JSON.stringify(op)}\n`).join('');
}

/**
 * Decodes JSON lines, corruption-tolerant: a line that is not JSON, too
 * long, or that `accept` refuses (it returns the reason) is skipped and
 * reported (1-based line numbers, which `accept` is given too); every other
 * line applies. Blank lines are ignored.
 */
export function decodeLines<T>(
  text: string,
  accept: (value: unknown, line: number) => T | string,
): { items: T[]; skipped: SkippedLine[] } {
  const items: T[] = [];
  const skipped: SkippedLine[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = (lines[i] as string).trim();
    if (raw === '') continue;
    const line = i + 1;
    if (Buffer.byteLength(raw, 'utf-8') > MAX_LINE_BYTES) {
      skipped.push({ line, reason: `line longer than ${MAX_LINE_BYTES} bytes` });
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      skipped.push({ line, reason: 'not valid JSON' });
      continue;
    }
    const item = accept(value, line);
    if (typeof item === 'string') skipped.push({ line, reason: item });
    else items.push(item);
  }
  return { items, skipped };
}

/** Decodes a segment: its valid ops, and the lines skipped with why. */
export function decodeSegment(text: string): { ops: ObservedOp[]; skipped: SkippedLine[] } {
  const { items, skipped } = decodeLines(text, (v) => parseStoredOp(v) ?? 'not a valid op');
  return { ops: items, skipped };
}

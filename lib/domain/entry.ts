import type { ObservedOp } from './op';

/** Where a copy of an op was stored: its segment key and line in that segment. */
export interface Position {
  key: string;
  line: number;
}

/** A stored op with its place in the log: segment key, then line in that segment. */
export interface RingEntry extends Position {
  op: ObservedOp;
}

/** Log order: segment key, then line. */
export function compareEntries(a: Position, b: Position): number {
  if (a.key !== b.key) return a.key < b.key ? -1 : 1;
  return a.line - b.line;
}

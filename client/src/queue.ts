import type { PreparedOp } from './ops';

/** An op waiting to be sent, numbered in the order it was observed. */
export interface QueuedOp extends PreparedOp {
  seq: number;
}

/** A bounded first-in-first-out queue of ops: when full, the oldest make room. */
export class OpQueue {
  private items: (QueuedOp | undefined)[] = [];
  private head = 0;

  constructor(readonly capacity: number) {}

  get length(): number {
    return this.items.length - this.head;
  }

  /** The oldest op, if any. */
  first(): QueuedOp | undefined {
    return this.items[this.head];
  }

  /** Adds an op; returns the oldest one it pushed out when the queue was full. */
  push(op: QueuedOp): QueuedOp | undefined {
    const dropped = this.length >= this.capacity ? this.shift() : undefined;
    this.items.push(op);
    return dropped;
  }

  /**
   * Takes ops from the front for one request: at most `maxOps`, and no more
   * than `maxBytes` as a JSON array (always at least one op).
   */
  take(maxOps: number, maxBytes: number): QueuedOp[] {
    const batch: QueuedOp[] = [];
    let bytes = 2; // the brackets
    while (batch.length < maxOps) {
      const next = this.first();
      if (next === undefined) break;
      const added = next.bytes + (batch.length > 0 ? 1 : 0);
      if (batch.length > 0 && bytes + added > maxBytes) break;
      bytes += added;
      batch.push(this.shift() as QueuedOp);
    }
    return batch;
  }

  /** Removes and returns every op. */
  drain(): QueuedOp[] {
    const all = this.items.slice(this.head) as QueuedOp[];
    this.items = [];
    this.head = 0;
    return all;
  }

  private shift(): QueuedOp | undefined {
    const op = this.items[this.head];
    if (op === undefined) return undefined;
    this.items[this.head] = undefined;
    this.head++;
    // Reclaim the consumed front once it is most of the array.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return op;
  }
}

/** A double-ended queue on a circular buffer: O(1) push, shift and index; O(n) insert or removal in the middle. */
export class Deque<T> {
  private buf: (T | undefined)[];
  private head = 0;
  private size = 0;

  constructor(initialCapacity = 16) {
    this.buf = new Array(Math.max(1, initialCapacity));
  }

  get length(): number {
    return this.size;
  }

  /** The i-th element from the front (0 = oldest). */
  at(i: number): T | undefined {
    if (i < 0 || i >= this.size) return undefined;
    return this.buf[(this.head + i) % this.buf.length];
  }

  first(): T | undefined {
    return this.at(0);
  }

  last(): T | undefined {
    return this.at(this.size - 1);
  }

  push(value: T): void {
    this.grow();
    this.buf[(this.head + this.size) % this.buf.length] = value;
    this.size++;
  }

  pop(): T | undefined {
    if (this.size === 0) return undefined;
    const index = (this.head + this.size - 1) % this.buf.length;
    const value = this.buf[index];
    this.buf[index] = undefined;
    this.size--;
    return value;
  }

  shift(): T | undefined {
    if (this.size === 0) return undefined;
    const value = this.buf[this.head];
    this.buf[this.head] = undefined;
    this.head = (this.head + 1) % this.buf.length;
    this.size--;
    return value;
  }

  /** Inserts before the element now at `index`, moving the later ones back by one. */
  insertAt(index: number, value: T): void {
    if (index >= this.size) {
      this.push(value);
      return;
    }
    this.grow();
    const n = this.buf.length;
    for (let i = this.size; i > index; i--) {
      this.buf[(this.head + i) % n] = this.buf[(this.head + i - 1) % n];
    }
    this.buf[(this.head + index) % n] = value;
    this.size++;
  }

  /** Removes the element at `index`, moving the later ones forward by one. */
  removeAt(index: number): T | undefined {
    if (index < 0 || index >= this.size) return undefined;
    const n = this.buf.length;
    const value = this.buf[(this.head + index) % n];
    for (let i = index; i < this.size - 1; i++) {
      this.buf[(this.head + i) % n] = this.buf[(this.head + i + 1) % n];
    }
    this.buf[(this.head + this.size - 1) % n] = undefined;
    this.size--;
    return value;
  }

  /** The first index whose element sorts after `value` (binary search over sorted contents). */
  upperBound(value: T, compare: (a: T, b: T) => number): number {
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compare(this.at(mid) as T, value) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The last `n` elements, oldest first. */
  tail(n: number): T[] {
    const out: T[] = [];
    for (let i = Math.max(0, this.size - n); i < this.size; i++) out.push(this.at(i) as T);
    return out;
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = 0; i < this.size; i++) yield this.at(i) as T;
  }

  private grow(): void {
    if (this.size < this.buf.length) return;
    const next: (T | undefined)[] = new Array(this.buf.length * 2);
    for (let i = 0; i < this.size; i++) next[i] = this.at(i);
    this.buf = next;
    this.head = 0;
  }
}

/**
 * One holder at a time per key, in arrival order; different keys never wait
 * for each other. The lock of a key is forgotten once nobody holds or awaits it.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>();

  /** Runs `fn` once every earlier holder of `key` is done, and holds the key until it settles. */
  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const before = this.tails.get(key);
    let release = () => {};
    const done = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = before === undefined ? done : before.then(() => done);
    this.tails.set(key, tail);
    try {
      if (before !== undefined) await before;
      return await fn();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  /** Keys held or awaited right now. */
  get size(): number {
    return this.tails.size;
  }
}

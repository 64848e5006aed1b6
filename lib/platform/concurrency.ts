/**
 * Runs `fn` over `items` with at most `limit` calls in flight and returns the
 * results in input order. `until`, checked before each new call, stops
 * starting new ones (the calls already started finish).
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
  until: () => boolean = () => false,
): Promise<R[]> {
  const results: R[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length && !until()) {
      const i = next++;
      results[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Collects every page of an async listing into one array. */
export async function collect<T>(pages: AsyncIterable<T[]>): Promise<T[]> {
  const out: T[] = [];
  // One push per item: a page spread into arguments overflows the stack past ~100,000 items.
  for await (const page of pages) for (const item of page) out.push(item);
  return out;
}

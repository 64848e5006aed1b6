import { describe, expect, it } from 'vitest';
import { collect } from '../../../lib/platform/concurrency';
import { MemorySegmentStore, NO_CALLS } from '../../support/memory-store';
import { op } from '../../support/ops';

// Tests that assert "no storage call" (health) or "one list, no read"
// (refresh) trust these counts: each port method must be counted.

describe('the in-memory store', () => {
  it('counts one call of every port method, and none for putRaw', async () => {
    const store = new MemorySegmentStore();
    store.putRaw('ring/checkpoint.json', '{}');

    const key = await store.append([op()], new Date());
    await collect(store.list('ops/'));
    const size = Buffer.byteLength(String(store.objects.get(key)));
    expect(await collect(store.listSized('ops/'))).toEqual([{ key, size }]);
    await collect(store.listObjects('stats/'));
    await store.read(key);
    await store.getDocument('ring/checkpoint.json');
    await store.putDocument('stats/latest.json', '{}');
    const object = await store.getObject(key);
    expect(await store.getIfChanged(key, object?.etag)).toBe('unchanged');
    await store.putObject('ops/x.jsonl.gz', new Uint8Array([1]), null);
    await store.deleteObjects([key]);

    expect(object).toBeDefined();
    expect(store.calls).toEqual({
      append: 1,
      list: 1,
      listSized: 1,
      listObjects: 1,
      read: 1,
      getDocument: 1,
      putDocument: 1,
      getObject: 1,
      getIfChanged: 1,
      putObject: 1,
      deleteObjects: 1,
    });
  });

  it('starts every count again from zero on resetCalls', async () => {
    const store = new MemorySegmentStore();
    await store.append([op()], new Date());
    await store.getDocument('ring/checkpoint.json');

    store.resetCalls();

    expect(store.calls).toEqual(NO_CALLS);
  });
});

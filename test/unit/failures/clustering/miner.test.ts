import { describe, expect, it } from 'vitest';
import { failureGroupKey, groupFailure } from '../../../../lib/failures/clustering/failure-group';
import { TemplateMiner } from '../../../../lib/failures/clustering/miner';
import { DEFAULT_MINER_OPTIONS } from '../../../../lib/failures/clustering/options';

const users = ['admin', 'oracle', 'test', 'guest', 'ubnt', 'pi'];
const invalidUser = (user: string, i: number) => `Invalid user ${user} from 10.0.${i}.1`;

describe('TemplateMiner', () => {
  it('puts messages that differ only in masked values in one cluster', () => {
    const miner = new TemplateMiner();
    const a = miner.add('Connection closed by 1.2.3.4 port 22 [preauth]');
    const b = miner.add('Connection closed by 5.6.7.8 port 2222 [preauth]');
    expect(b.clusterId).toBe(a.clusterId);
    expect(b.template).toBe('Connection closed by <*> port <*> [preauth]');
    expect(b.count).toBe(2);
  });

  it('keeps messages of different templates apart', () => {
    const miner = new TemplateMiner();
    const a = miner.add('disk full on /dev/sda1');
    const b = miner.add('Connection refused by 10.0.0.1');
    expect(b.clusterId).not.toBe(a.clusterId);
    expect(miner.size).toBe(2);
  });

  it('turns a word into a wildcard once it has shown enough distinct values', () => {
    const miner = new TemplateMiner();
    const ids = users.map((u, i) => miner.add(invalidUser(u, i)).clusterId);
    const final = ids.map((id) => miner.resolve(id));
    expect(new Set(final).size).toBe(1);
    expect(miner.clusters()).toEqual([
      { id: final[0], template: 'Invalid user <*> from <*>', count: users.length },
    ]);
  });

  it('keeps an id when its cluster generalises: the oldest cluster survives a fold', () => {
    const miner = new TemplateMiner();
    const first = miner.add(invalidUser('admin', 1)).clusterId;
    for (const [i, u] of users.slice(1).entries()) miner.add(invalidUser(u, i));
    expect(miner.resolve(first)).toBe(first);
    expect(miner.add(invalidUser('nobody', 9)).clusterId).toBe(first);
  });

  it('keeps apart events named by a keyword, however many there are', () => {
    const miner = new TemplateMiner();
    const states = ['Started', 'Paused', 'Resumed', 'Stopped'];
    const ids = states.map((s) => miner.add(`[instance: 42] VM ${s} (Lifecycle Event)`).clusterId);
    expect(new Set(ids.map((id) => miner.resolve(id))).size).toBe(states.length);
  });

  it('keeps apart two values of a word that never showed a third', () => {
    const miner = new TemplateMiner();
    for (let i = 0; i < 20; i++) {
      miner.add(`platform wake ${i % 2 === 0 ? 'WWEN[disable]' : 'WWEN[enable]'} on wl0`);
    }
    expect(miner.clusters().map((c) => c.count)).toEqual([10, 10]);
  });

  it('turns a word into a wildcard at once when two of its values differ only in numbers', () => {
    const miner = new TemplateMiner();
    const a = miner.add('worker Thread-3 lost its lease').clusterId;
    const b = miner.add('worker Thread-12 lost its lease').clusterId;
    expect(miner.resolve(b)).toBe(a);
    expect(miner.clusters()).toEqual([{ id: a, template: 'worker <*> lost its lease', count: 2 }]);
  });

  it('takes a masked value against a word as a value: an empty, named or addressed host', () => {
    const miner = new TemplateMiner();
    for (const host of ['()', '(example.com)', '(unknown)', '(10.0.0.9)']) {
      miner.add(`connection from 10.0.0.1 ${host} at Sun Jul 10 03:55:15 2005`);
    }
    expect(miner.clusters().map((c) => [c.template, c.count])).toEqual([
      ['connection from <*> <*> at <*>', 4],
    ]);
  });

  it('keeps a name with a number in it whole while it does not vary', () => {
    const miner = new TemplateMiner();
    for (let i = 0; i < 3; i++)
      miner.add(`Model claude-3-5-sonnet overloaded, retry after ${i + 1}s`);
    expect(miner.clusters().map((c) => c.template)).toEqual([
      'Model claude-3-5-sonnet overloaded, retry after <*>',
    ]);
  });

  it('keeps apart upper-case words that differ only in numbers: they name events', () => {
    const miner = new TemplateMiner();
    for (const v of ['IPV4', 'IPV6', 'IPV4', 'IPV6']) miner.add(`en0: ${v} address changed`);
    expect(miner.clusters().map((c) => c.count)).toEqual([2, 2]);
  });

  it('never turns every word of a cluster into a wildcard on numbers alone', () => {
    const miner = new TemplateMiner();
    miner.add('t42 u0');
    miner.add('t43 u1');
    expect(miner.size).toBe(2);
  });

  it("folds a variant into its root when the variant's own values show the word varies", () => {
    const miner = new TemplateMiner();
    const root = miner.add('save report alpha_5 done').clusterId;
    miner.add('save report beta_5 done'); // a pending variant of the root
    miner.add('save report beta_7 done'); // differs from that variant in a number only
    expect(miner.clusters()).toEqual([{ id: root, template: 'save report <*> done', count: 3 }]);
  });

  it('is deterministic: the same input order gives the same ids and templates', () => {
    const input = users.flatMap((u, i) => [
      invalidUser(u, i),
      `session opened for ${u} by uid=${i}`,
    ]);
    const run = () => {
      const miner = new TemplateMiner();
      const ids = input.map((m) => miner.add(m).clusterId);
      return { ids, clusters: miner.clusters() };
    };
    expect(run()).toEqual(run());
  });

  it('matches without changing anything', () => {
    const miner = new TemplateMiner();
    const added = miner.add('Received block blk_1073 of size 67108864 from /10.0.0.1');
    const before = miner.clusters();
    expect(miner.match('Received block blk_-2091 of size 1024 from /10.0.0.2')).toEqual(added);
    expect(miner.match('something else entirely')).toBeUndefined();
    expect(miner.clusters()).toEqual(before);
  });

  it('matches a message that differs from a cluster only by numbers in a name', () => {
    const miner = new TemplateMiner();
    const added = miner.add('worker Thread-3 lost its lease');
    const before = miner.clusters();
    expect(miner.match('worker Thread-12 lost its lease')?.clusterId).toBe(added.clusterId);
    expect(miner.match('worker Sweeper lost its lease')).toBeUndefined();
    expect(miner.clusters()).toEqual(before);
  });

  it('keeps at most maxClusters, evicting the least recently used', () => {
    const miner = new TemplateMiner({ maxClusters: 50 });
    const kept = miner.add('heartbeat from the keeper').clusterId;
    // A distinct leading word each time: 5000 templates that never fold.
    const word = (i: number) =>
      i.toString(26).replace(/\d/g, (d) => 'qrstuvwxyz'[Number(d)] as string);
    for (let i = 0; i < 5000; i++) {
      miner.add(`${word(i)} failed to start`);
      if (i % 10 === 0) miner.add('heartbeat from the keeper');
      expect(miner.size).toBeLessThanOrEqual(50);
    }
    expect(miner.size).toBe(50);
    expect(miner.resolve(kept)).toBe(kept);
    expect(miner.resolve(miner.add(`${word(0)} failed to start`).clusterId)).toBeDefined();
  });

  it('keeps at most maxChildren clusters under one leaf of the tree', () => {
    const miner = new TemplateMiner({ maxChildren: 5, minDistinctValues: 1000 });
    for (let i = 0; i < 100; i++) miner.add(`open ${'x'.repeat(i + 1)} ${'y'.repeat(i + 1)} now`);
    expect(miner.size).toBe(5);
  });

  it('keeps at most maxTokens tokens of a long message, the rest as one wildcard', () => {
    const miner = new TemplateMiner({ maxTokens: 8 });
    const words = Array.from({ length: 1000 }, (_, i) => `w${String.fromCharCode(97 + (i % 26))}`);
    const { template } = miner.add(words.join(' '));
    expect(template.split(' ')).toEqual([...words.slice(0, 7), '<*>']);
  });

  it('answers undefined when resolving an unknown or evicted id', () => {
    const miner = new TemplateMiner({ maxClusters: 1 });
    const gone = miner.add('first template here').clusterId;
    miner.add('another kind of message entirely now');
    expect(miner.resolve(gone)).toBeUndefined();
    expect(miner.resolve('nope')).toBeUndefined();
  });

  it('derives ids from the founding template: a fresh miner gives the same id', () => {
    const a = new TemplateMiner().add('Deleting block blk_1073 file /data/blk_1073').clusterId;
    const b = new TemplateMiner().add(
      'Deleting block blk_-99021 file /data/x/blk_-99021',
    ).clusterId;
    expect(a).toMatch(/^[0-9a-f]{12}$/);
    expect(b).toBe(a);
  });

  it('uses one frozen default configuration', () => {
    expect(Object.isFrozen(DEFAULT_MINER_OPTIONS)).toBe(true);
    expect(new TemplateMiner().options).toEqual(DEFAULT_MINER_OPTIONS);
  });
});

describe('groupFailure', () => {
  it('groups by endpoint and error template', () => {
    const miner = new TemplateMiner();
    const a = groupFailure(miner, 'tools/call/search', 'timeout after 30000 ms');
    const b = groupFailure(miner, 'tools/call/search', 'timeout after 12 ms');
    const c = groupFailure(miner, 'tools/call/read_file', 'timeout after 5 ms');
    expect(b.key).toBe(a.key);
    expect(c.clusterId).toBe(a.clusterId);
    expect(c.key).not.toBe(a.key);
    expect(c.key).toBe(failureGroupKey('tools/call/read_file', a.clusterId));
    expect(a.template).toBe('timeout after <*>');
  });
});

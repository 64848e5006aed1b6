import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../../dev/random';
import { handler as event } from '../../../handlers/event';
import { handler as stats } from '../../../handlers/stats';
import { config, getObserver, resetRuntime } from '../../../lib/app/runtime';
import { mapLimit } from '../../../lib/platform/concurrency';
import { bodyOf, getStats, postOp } from '../../support/events';
import { FakeBucket, PUT_FAULTS } from '../../support/fake-bucket';

// 1,000 events through the event handler over a bucket where 30% of
// PutObject calls fail or time out (seeded): the witness guarantees hold.

const EVENTS = 1_000;
const FAULT_RATE = 0.3;
const s3 = mockClient(S3Client);

interface Answer {
  endpoint: string;
  status: number;
  key?: string;
  recorded?: unknown;
}

describe(`${EVENTS} events over a bucket where ${FAULT_RATE * 100}% of writes fail`, () => {
  const bucket = new FakeBucket(seededRandom(20_261_124), FAULT_RATE);
  let answers: Answer[];
  let stored: Map<string, string[]>;

  beforeAll(async () => {
    bucket.install(s3);
    resetRuntime({ client: new S3Client({ region: 'us-east-1' }) });
    await stats(getStats());
    answers = await mapLimit(
      Array.from({ length: EVENTS }, (_, i) => i),
      8,
      async (i): Promise<Answer> => {
        const endpoint = `tools/call/${i}`;
        const res = await event(postOp({ endpoint, success: i % 3 !== 0 }));
        const body = bodyOf(res);
        return {
          endpoint,
          status: res.statusCode ?? 0,
          ...(typeof body.key === 'string' ? { key: body.key } : {}),
          recorded: body.recorded,
        };
      },
    );
    // Writes still in flight when their client gave up land now, if they still can.
    bucket.settle();
    stored = new Map();
    for (const [key, line] of bucket.lines()) {
      const { endpoint } = JSON.parse(line) as { endpoint: string };
      stored.set(endpoint, [...(stored.get(endpoint) ?? []), key]);
    }
  });

  afterAll(() => {
    s3.reset();
  });

  const acked = () => answers.filter((a) => a.status === 201);
  const refused = () => answers.filter((a) => a.status === 503 && a.recorded === false);

  it('injected every kind of fault into about 30% of writes', () => {
    const injected = Object.values(bucket.faults).reduce((a, b) => a + b, 0);

    expect(injected / bucket.puts).toBeGreaterThan(0.25);
    expect(injected / bucket.puts).toBeLessThan(0.35);
    for (const fault of PUT_FAULTS) expect(bucket.faults[fault]).toBeGreaterThan(10);
  });

  it('answers only 201 or 503, never 500', () => {
    const statuses = new Set(answers.map((a) => a.status));

    expect([...statuses].sort()).toEqual([201, 503]);
    expect(acked().length).toBeGreaterThan(EVENTS / 2);
    expect(refused().length).toBeGreaterThan(EVENTS / 20);
  });

  it('stores every acknowledged op exactly once, under the key its ack names', () => {
    for (const a of acked()) expect(stored.get(a.endpoint)).toEqual([`${config.prefix}${a.key}`]);
  });

  it('stores no op whose 503 said nothing was recorded', () => {
    for (const a of refused()) expect(stored.get(a.endpoint)).toBeUndefined();
  });

  it('stores no op twice, and none it did not answer for', () => {
    const unknown = answers.filter((a) => a.status === 503 && a.recorded === 'unknown');

    for (const keys of stored.values()) expect(keys).toHaveLength(1);
    expect(stored.size).toBeGreaterThanOrEqual(acked().length);
    expect(stored.size).toBeLessThanOrEqual(acked().length + unknown.length);
  });

  it('counts in stats exactly what is stored, in the warm container and after a cold start', async () => {
    const warm = bodyOf(await stats(getStats()));
    const ring = [...(await getObserver().load()).ring].map((e) => e.op.endpoint);
    resetRuntime({ client: new S3Client({ region: 'us-east-1' }) });
    const cold = bodyOf(await stats(getStats()));

    expect(warm.total).toBe(stored.size);
    expect(new Set(ring)).toEqual(new Set(stored.keys()));
    expect(ring).toHaveLength(stored.size);
    expect(cold).toEqual(warm);
  });
});

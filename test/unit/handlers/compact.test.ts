import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { handler as compact } from '../../../handlers/compact';
import { handler as worker } from '../../../handlers/compact-worker';
import { resetRuntime } from '../../../lib/app/runtime';
import { readManifest } from '../../../lib/lake/manifest';
import { DispatchError, SqsDispatcher } from '../../../lib/lake/sqs-dispatch';
import {
  type CompactionUnit,
  type Dispatcher,
  decodeUnit,
  encodeUnit,
} from '../../../lib/lake/units';
import {
  HOUR_MS,
  hourPartition,
  isCompactedKey,
  partitionStart,
  segmentKey,
} from '../../../lib/storage/keys';
import { encodeSegment } from '../../../lib/storage/segment-codec';
import { captureLogs } from '../../support/logs';
import { MemorySegmentStore } from '../../support/memory-store';
import { op } from '../../support/ops';

// The scheduled compact function plans and dispatches; compactWorker runs
// the units it is given (an SQS event); without a queue, compact runs them
// itself.

class Recorder implements Dispatcher {
  readonly units: CompactionUnit[] = [];
  async dispatch(units: readonly CompactionUnit[]): Promise<void> {
    this.units.push(...units);
  }
}

let store: MemorySegmentStore;
/** An hour that closed three hours ago, with two segments. */
const hour = hourPartition(new Date(Date.now() - 3 * HOUR_MS));

beforeEach(() => {
  store = new MemorySegmentStore();
  const start = partitionStart(hour) as number;
  for (const [i, name] of ['a', 'b'].entries()) {
    store.putRaw(segmentKey(new Date(start + i * 1000), name), encodeSegment([op(name)]));
  }
});

const sqsEvent = (...bodies: string[]): SQSEvent => ({
  Records: bodies.map(
    (body, i) =>
      ({ messageId: `m${i}`, body, attributes: { ApproximateReceiveCount: '1' } }) as SQSRecord,
  ),
});

const ops = () => [...store.objects.keys()].filter((k) => k.startsWith(hour));

describe('the compact function', () => {
  it('with a queue, plans the hour and dispatches its part, and compacts nothing itself', async () => {
    const recorder = new Recorder();
    resetRuntime({ store, dispatcher: recorder });

    const summary = await compact({ lookbackHours: 4 });

    expect(summary).toMatchObject({ hours: 4, planned: 1, parts_dispatched: 1 });
    expect(recorder.units).toMatchObject([{ kind: 'part', partition: hour, index: 0 }]);
    expect(ops().filter(isCompactedKey)).toEqual([]);
  });

  it('without a queue, runs the units it plans: the hour is compacted and done', async () => {
    resetRuntime({ store });

    const summary = await compact({ lookbackHours: 4 });

    expect(summary).toMatchObject({ compacted: 1, segments_deleted: 2, ops_compacted: 2 });
    expect(ops().every(isCompactedKey)).toBe(true);
    expect((await readManifest(store)).done.has(hour)).toBe(true);
  });
});

describe('the compactWorker function', () => {
  it('runs the part a message names, then the seal the part dispatched', async () => {
    const recorder = new Recorder();
    resetRuntime({ store, dispatcher: recorder });
    await compact({ lookbackHours: 4 });

    const part = await worker(sqsEvent(encodeUnit(recorder.units[0] as CompactionUnit)));
    const seal = await worker(sqsEvent(encodeUnit(recorder.units[1] as CompactionUnit)));

    expect(part).toEqual({ batchItemFailures: [] });
    expect(seal).toEqual({ batchItemFailures: [] });
    expect(recorder.units.slice(1, 2)).toEqual([{ kind: 'seal', partition: hour }]);
    expect(ops().every(isCompactedKey)).toBe(true);
    expect((await readManifest(store)).done.has(hour)).toBe(true);
  });

  it('reports a unit that failed, and a message that is not a unit, for the queue to deliver again', async () => {
    resetRuntime({ store, dispatcher: new Recorder() });
    store.putRaw('lake/compaction/plans/2026/11/24/11.json', 'damaged');
    captureLogs('error');

    const res = await worker(
      sqsEvent(
        encodeUnit({ kind: 'seal', partition: 'ops/2026/11/24/11/' }),
        '{"kind":"part"}',
        encodeUnit({ kind: 'seal', partition: 'ops/2026/11/24/12/' }),
      ),
    );

    expect(res).toEqual({
      batchItemFailures: [{ itemIdentifier: 'm0' }, { itemIdentifier: 'm1' }],
    });
  });
});

describe('a compaction unit as a message', () => {
  it('reads back as the unit it was', () => {
    const unit: CompactionUnit = {
      kind: 'part',
      partition: hour,
      starts: [partitionStart(hour) as number, (partitionStart(hour) as number) + 5],
      index: 1,
      whole: false,
    };

    expect(decodeUnit(encodeUnit(unit))).toEqual(unit);
  });

  it.each([
    ['{"kind":"seal","partition":"stats/2026/"}', /not an hour partition/],
    [
      '{"kind":"part","partition":"ops/2026/11/24/11/","starts":[1],"index":0,"whole":false}',
      /do not cover/,
    ],
    ['[]', /not a compaction unit/],
  ])('refuses %s', (text, error) => {
    expect(() => decodeUnit(text)).toThrow(error);
  });
});

describe('dispatching to SQS', () => {
  const sqs = mockClient(SQSClient);
  afterEach(() => sqs.reset());
  const units = Array.from(
    { length: 23 },
    (_, i): CompactionUnit => ({
      kind: 'seal',
      partition: hourPartition(new Date(Date.UTC(2026, 10, 24) + i * HOUR_MS)),
    }),
  );
  const dispatcher = () => new SqsDispatcher(new SQSClient({ region: 'us-east-1' }), 'https://q');

  it('sends ten units a request, one message each', async () => {
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });

    await dispatcher().dispatch(units);

    const sent = sqs.commandCalls(SendMessageBatchCommand).map((c) => c.args[0].input);
    expect(sent.map((s) => s.Entries?.length)).toEqual([10, 10, 3]);
    expect(sent.flatMap((s) => s.Entries?.map((e) => decodeUnit(e.MessageBody ?? '')))).toEqual(
      units,
    );
    expect(sent.every((s) => s.QueueUrl === 'https://q')).toBe(true);
  });

  it('sends again what SQS did not take, and fails after three tries', async () => {
    sqs
      .on(SendMessageBatchCommand)
      .resolvesOnce({ Failed: [{ Id: '1', Code: 'X', SenderFault: false }] })
      .resolves({});

    await dispatcher().dispatch(units.slice(0, 2));

    const retry = sqs.commandCalls(SendMessageBatchCommand)[1]?.args[0].input.Entries;
    expect(retry?.map((e) => decodeUnit(e.MessageBody ?? ''))).toEqual([units[1]]);

    sqs.reset();
    sqs
      .on(SendMessageBatchCommand)
      .resolves({ Failed: [{ Id: '0', Code: 'Throttled', SenderFault: false }] });
    await expect(dispatcher().dispatch(units.slice(0, 1))).rejects.toBeInstanceOf(DispatchError);
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(3);
  });
});

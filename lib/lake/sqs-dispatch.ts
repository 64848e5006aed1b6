import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { type CompactionUnit, type Dispatcher, encodeUnit } from './units';

/** SendMessageBatch takes at most 10 messages. */
const BATCH = 10;

/** How many times the messages SQS did not take from one batch are sent again. */
const ATTEMPTS = 3;

/** Units could not be queued; the cause names what SQS said. */
export class DispatchError extends Error {
  override name = 'DispatchError';
}

/** Dispatches units as SQS messages, one unit each, ten to a request. */
export class SqsDispatcher implements Dispatcher {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async dispatch(units: readonly CompactionUnit[]): Promise<void> {
    for (let i = 0; i < units.length; i += BATCH) {
      await this.sendBatch(units.slice(i, i + BATCH));
    }
  }

  private async sendBatch(units: readonly CompactionUnit[]): Promise<void> {
    let entries = units.map((unit, i) => ({ Id: String(i), MessageBody: encodeUnit(unit) }));
    for (let attempt = 1; entries.length > 0; attempt++) {
      const res = await this.client.send(
        new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: entries }),
      );
      const failed = res.Failed ?? [];
      if (failed.length === 0) return;
      if (attempt >= ATTEMPTS) {
        const first = failed[0];
        throw new DispatchError(
          `${failed.length} compaction units not queued (${first?.Code}: ${first?.Message})`,
        );
      }
      const again = new Set(failed.map((f) => f.Id));
      entries = entries.filter((e) => again.has(e.Id));
    }
  }
}

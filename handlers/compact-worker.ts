import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { compactDispatcher, config, getStore } from '../lib/app/runtime';
import { InlineQueue, runUnit, type UnitOutcome } from '../lib/lake/compaction';
import { countUnits } from '../lib/lake/metrics';
import { type CompactionUnit, decodeUnit, settingsWith, unitName } from '../lib/lake/units';
import { errorText, log } from '../lib/platform/log';
import { withTelemetry } from '../lib/platform/metrics';

/**
 * Runs compaction units from the queue (lib/lake/units.ts): a part of an
 * hour, or an hour's seal. A unit that fails (or a message that is not a
 * unit) is reported back, so the queue delivers it again after its
 * visibility timeout, and moves it to the dead-letter queue after the
 * last attempt; a worker killed mid-unit leaves its message to be
 * delivered again the same way. A unit may run any number of times.
 */
export const handler = withTelemetry(async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const settings = settingsWith({ retryWindowMs: config.retryWindowMs });
  // Without a queue (invoke local), a unit's own dispatches run here after it.
  const dispatcher = compactDispatcher() ?? new InlineQueue();
  const failures: SQSBatchResponse['batchItemFailures'] = [];
  const outcomes: UnitOutcome[] = [];
  for (const record of event.Records ?? []) {
    let unit: CompactionUnit | undefined;
    try {
      unit = decodeUnit(record.body);
      const result = await runUnit(getStore(), unit, dispatcher, settings);
      outcomes.push({ unit, result });
    } catch (err: unknown) {
      log.error('compaction unit failed; the queue delivers it again', {
        unit: unit ? unitName(unit) : record.body.slice(0, 200),
        message_id: record.messageId,
        receive_count: record.attributes?.ApproximateReceiveCount,
        error: errorText(err),
      });
      if (unit) outcomes.push({ unit, error: errorText(err) });
      failures.push({ itemIdentifier: record.messageId });
    }
  }
  if (dispatcher instanceof InlineQueue) {
    await dispatcher.drain((u) => runUnit(getStore(), u, dispatcher, settings), outcomes);
  }
  countUnits(outcomes);
  return { batchItemFailures: failures };
});

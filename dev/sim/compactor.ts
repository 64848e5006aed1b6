// Compaction in the simulation as it runs on AWS: a planning run
// dispatches units to a queue, and workers take them one at a time, in any
// order, interleaved with everything else the schedule does. A worker may
// be killed at any store call (its unit stays queued, as an SQS message
// whose visibility timeout runs out), or two may run the same unit at once
// (a message delivered twice).
import type { ObservedOp } from '../../lib/domain/op';
import { runUnit } from '../../lib/lake/compaction';
import { planRun } from '../../lib/lake/plan';
import type { CompactionSettings, CompactionUnit, Dispatcher } from '../../lib/lake/units';
import { unitName } from '../../lib/lake/units';
import { isCompactedKey, isSegmentKey } from '../../lib/storage/keys';
import type { SegmentStore } from '../../lib/storage/store';
import { dyingAt } from '../dying-store';
import { MemorySegmentStore } from '../memory-store';
import type { WrittenCopy } from './recount';

/** The bucket, remembering every copy of an op ever written to it (for the recount of the lake). */
export class TracedBucket extends MemorySegmentStore {
  readonly written: WrittenCopy[] = [];

  override async append(ops: readonly ObservedOp[], at: Date): Promise<string> {
    const key = await super.append(ops, at);
    ops.forEach((op, line) => {
      this.written.push({ key, line, id: op.id });
    });
    return key;
  }

  /** Lands a segment's bytes, as a writer's PutObject would. */
  land(key: string, body: string): void {
    if (!isSegmentKey(key) || isCompactedKey(key)) throw new Error(`not a segment: ${key}`);
    this.putRaw(key, body);
    body
      .split('\n')
      .filter((l) => l !== '')
      .forEach((l, line) => {
        this.written.push({ key, line, id: (JSON.parse(l) as { id?: string }).id });
      });
  }
}

/** The queue of compaction units and the workers that take them. */
export class QueueCompactor implements Dispatcher {
  private readonly queued: CompactionUnit[] = [];

  constructor(
    private readonly bucket: MemorySegmentStore,
    private readonly settings: CompactionSettings,
    private readonly random: () => number,
    private readonly note: (line: string) => void,
  ) {}

  async dispatch(units: readonly CompactionUnit[]): Promise<void> {
    this.queued.push(...units);
  }

  /** The scheduled planning run: every closed hour of the last three that is not done. */
  async plan(now: number): Promise<void> {
    const summary = await planRun(
      this.bucket,
      this,
      { now, afterHours: 0, lookbackHours: 3 },
      this.settings,
    );
    this.note(`plan: ${summary.parts_dispatched} parts, ${summary.seals_dispatched} seals`);
  }

  /** One worker takes one queued unit: it finishes, dies at some store call, or races a second worker. */
  async work(): Promise<void> {
    if (this.queued.length === 0) return;
    const unit = this.queued.splice(Math.floor(this.random() * this.queued.length), 1)[0];
    if (unit === undefined) return;
    const roll = this.random();
    let finished: boolean;
    if (roll < 0.2) {
      const at = 1 + Math.floor(this.random() * 14);
      this.note(`${unitName(unit)}: worker killed at store call ${at}`);
      finished = await this.run(unit, dyingAt(at, this.bucket));
    } else if (roll < 0.35) {
      this.note(`${unitName(unit)}: two workers at once`);
      const both = await Promise.all([this.run(unit), this.run(unit)]);
      finished = both.some(Boolean);
    } else {
      this.note(unitName(unit));
      finished = await this.run(unit);
    }
    // Not finished: the message comes back once its visibility timeout runs out.
    if (!finished) this.queued.push(unit);
  }

  private async run(unit: CompactionUnit, store: SegmentStore = this.bucket): Promise<boolean> {
    try {
      await runUnit(store, unit, this, this.settings);
      return true;
    } catch {
      return false;
    }
  }
}

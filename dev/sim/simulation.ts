// A seeded simulation of many containers sharing one bucket, in simulated
// time, over the real ring, checkpoint and compaction code: writers with
// and without retried op ids (some of them slow, landing inside the skew
// window after later keys), refreshes, cold starts from the checkpoint and
// by listing, snapshots, compactions (two at once, crashes mid-delete), and
// two issue folders (one inside the snapshot, both at once at times, each
// started afresh now and then, reading a few objects a round). At each step
// that should converge, every container's ring and the issues' counts are
// compared with a recount of the bucket (dev/sim/recount.ts), and the lake
// with a recount of every copy ever written: nothing lost, nothing
// invented, and every hour that is done holding exactly the copies that
// count. Compaction runs whole hours in this process, or in parts through a
// queue of units (dev/sim/compactor.ts) with workers killed mid-unit and
// units run twice at once. `npm run sim` runs many seeds;
// test/unit/ring/simulation.test.ts runs a fixed budget of them.
import type { ObservedOp } from '../../lib/domain/op';
import { IssueFolder } from '../../lib/issues/fold';
import { compactPartition } from '../../lib/lake/compaction';
import { readManifest } from '../../lib/lake/manifest';
import { type CompactionSettings, settingsWith } from '../../lib/lake/units';
import { Observer, type ObserverOptions } from '../../lib/ring/observer';
import { writeCheckpoint, writeSnapshot } from '../../lib/stats/writer';
import {
  CHECKPOINT_KEY,
  HOUR_MS,
  hourPartition,
  partitionStart,
  segmentKey,
  uniqueSuffixes,
} from '../../lib/storage/keys';
import { encodeSegment } from '../../lib/storage/segment-codec';
import { reusingSegmentReads } from '../../lib/storage/segment-reuse';
import { type SegmentStore, storeView } from '../../lib/storage/store';
import { seededRandom } from '../random';
import { QueueCompactor, TracedBucket } from './compactor';
import { countedLog, issueCounts, lakeProblems, places } from './recount';

/** What one schedule is made of; every field but `seed` is drawn from it when left out. */
export interface ScheduleOptions {
  seed: number;
  steps?: number;
  /** The retry window the recount applies, when it is to differ from the containers' (a control). */
  recountWindowMs?: number;
  /** The same for the recount of the issues alone (a control of that check). */
  issueRecountWindowMs?: number;
}

/** A container whose ring differs from the recount, with what led there. */
export interface Divergence {
  seed: number;
  step: number;
  container: string;
  expected: string[];
  actual: string[];
  /** The schedule's parameters and its last actions, oldest first. */
  trace: string[];
}

/** What a schedule did: its steps, how many comparisons it made, and the first divergence, if any. */
export interface ScheduleResult {
  seed: number;
  steps: number;
  checks: number;
  ops: number;
  divergence?: Divergence;
}

interface Container {
  name: string;
  observer: Observer;
  /** Cold starts of this container never see the checkpoint: they rebuild by listing. */
  listingOnly: boolean;
}

interface Pending {
  landsAt: number;
  key: string;
  body: string;
}

const T0 = Date.UTC(2026, 11, 5, 9, 0, 0);
const SOURCES = ['mcp', 'scenario', 'langfuse'] as const;
const ENDPOINTS = ['tools/search', 'tools/fetch', 'tools/write'] as const;
/** The errors of failed ops: kinds whose values vary, names the grouping learns, none at all. */
const ERRORS = [
  (n: number) => `timeout after ${n % 97} ms`,
  (n: number) => `user ${['alice', 'bob', 'carol', 'dave'][n % 4]} not found`,
  (n: number) => `disk full on /dev/sd${'abc'[n % 3]}1`,
  () => '',
] as const;

/** One seeded schedule of one bucket and its containers. */
export class Schedule {
  private readonly random: () => number;
  readonly bucket: TracedBucket;
  private readonly settings: CompactionSettings;
  private readonly queue: QueueCompactor;
  private clock: number;
  private readonly pending: Pending[] = [];
  private readonly containers: Container[] = [];
  private readonly ids: string[] = [];
  private readonly trace: string[] = [];
  private readonly nextUnique = uniqueSuffixes('sim0000000');
  private readonly options: Omit<ObserverOptions, 'now'>;
  private readonly folders: IssueFolder[] = [];
  private readonly snapshotStore: SegmentStore;
  private readonly foldObjects: number;
  private opCount = 0;

  /** How many ops were written. */
  get ops(): number {
    return this.opCount;
  }

  checks = 0;

  constructor(
    readonly seed: number,
    private readonly recountWindowMs?: number,
    private readonly issueRecountWindowMs?: number,
  ) {
    this.random = seededRandom(seed);
    this.bucket = new TracedBucket(uniqueSuffixes('own0000000'));
    this.clock = T0 + Math.floor(this.random() * HOUR_MS);
    const pick = <T>(values: readonly T[]) =>
      values[Math.floor(this.random() * values.length)] as T;
    this.options = {
      cap: pick([2, 3, 5, 8, 13]),
      reserve: pick([1, 2, 4]),
      skewMs: 3000,
      retryWindowMs: pick([5_000, 30_000, 5 * 60_000, 30 * 60_000]),
      coldStartHours: pick([0, 1, 168]),
      readConcurrency: pick([1, 3, 16]),
    };
    // Parts of 1 to 3 segments (many parts an hour), or hours compacted whole.
    this.settings = settingsWith({
      retryWindowMs: this.options.retryWindowMs,
      partSegments: pick([1, 2, 3, 100_000]),
    });
    this.queue = new QueueCompactor(this.bucket, this.settings, this.random, (l) => this.note(l));
    this.foldObjects = pick([2, 5, 1000]);
    // The snapshot function's store: its ring's reads of segments kept for its fold (folder 0).
    const reusedOps = pick([1, 4, 1000]);
    this.snapshotStore = reusingSegmentReads(this.bucket, reusedOps);
    this.note(
      `options ${JSON.stringify({ ...this.options, parts: this.settings.partSegments, foldObjects: this.foldObjects, reusedOps })}`,
    );
    this.folders.push(this.folder(0), this.folder(1));
    for (const [name, stale, listingOnly] of [
      ['a', 0, false],
      ['b', 0, true],
      ['stale', 2000, false],
      ['writer', 0, false],
    ] as const) {
      this.containers.push(this.container(name, stale, listingOnly));
    }
  }

  private container(name: string, maxStalenessMs: number, listingOnly: boolean): Container {
    const store: SegmentStore = listingOnly
      ? storeView(this.bucket, {
          getDocument: async (key) =>
            key === CHECKPOINT_KEY ? undefined : this.bucket.getDocument(key),
          getIfChanged: async (key, etag) =>
            key === CHECKPOINT_KEY ? undefined : this.bucket.getIfChanged(key, etag),
        })
      : name === 'writer'
        ? this.snapshotStore
        : this.bucket;
    const observer = new Observer(store, {
      ...this.options,
      maxStalenessMs,
      now: () => this.clock,
    });
    return { name, observer, listingOnly };
  }

  /**
   * Issue folder `i` over the bucket, on the schedule's clock; every closed
   * hour may be compacting. Folder 0 folds in the snapshot, reading through
   * the writer's store.
   */
  private folder(i: number): IssueFolder {
    return new IssueFolder(i === 0 ? this.snapshotStore : this.bucket, {
      skewMs: this.options.skewMs,
      retryWindowMs: this.options.retryWindowMs as number,
      thresholds: { minCount: 5, windowMinutes: 15, growth: 3 },
      maxObjects: this.foldObjects,
      compactionMarginMs: 0,
      now: () => this.clock,
    });
  }

  /** A fold round by one folder, by both at once, or by a folder started afresh. */
  private async fold(): Promise<void> {
    const roll = this.random();
    if (roll < 0.25) {
      this.note('fold by both folders at once');
      await Promise.all(this.folders.map((f) => f.fold()));
      return;
    }
    const i = Math.floor(this.random() * this.folders.length);
    if (roll < 0.35) {
      this.folders[i] = this.folder(i);
      this.note(`folder ${i} starts afresh`);
    }
    this.note(`fold by folder ${i}`);
    await (this.folders[i] as IssueFolder).fold();
  }

  private note(line: string): void {
    this.trace.push(line);
    if (this.trace.length > 60) this.trace.splice(1, 1);
  }

  private chance(p: number): boolean {
    return this.random() < p;
  }

  private op(): ObservedOp {
    const roll = this.random();
    let id: string | undefined;
    if (roll < 0.1) id = undefined;
    else if (roll < 0.35 && this.ids.length > 0) {
      // A retry: of one of the last few ids (within the window, mostly), or of any.
      const recent = this.chance(0.6);
      const from = recent ? Math.max(0, this.ids.length - 5) : 0;
      id = this.ids[from + Math.floor(this.random() * (this.ids.length - from))];
    } else {
      id = `op-${this.ids.length}`;
      this.ids.push(id);
    }
    this.opCount++;
    const success = this.chance(0.7);
    const error = success
      ? ''
      : (ERRORS[Math.floor(this.random() * ERRORS.length)] as (n: number) => string)(this.opCount);
    return {
      endpoint: ENDPOINTS[Math.floor(this.random() * ENDPOINTS.length)] as string,
      success,
      timestamp: new Date(this.clock).toISOString(),
      source: SOURCES[Math.floor(this.random() * SOURCES.length)] as string,
      ...(id === undefined ? {} : { id }),
      ...(error === '' ? {} : { error }),
    };
  }

  /** A writer's request: one segment of 1–3 ops, stamped now, landing now or within the skew window. */
  private async write(): Promise<void> {
    const ops = Array.from({ length: 1 + Math.floor(this.random() * 3) }, () => this.op());
    if (this.chance(0.15)) {
      const c = this.containers[Math.floor(this.random() * this.containers.length)] as Container;
      const { key } = await c.observer.record(ops, new Date(this.clock));
      this.note(`record by ${c.name}: ${key} ${ops.map((o) => o.id ?? '-').join(',')}`);
      return;
    }
    const key = segmentKey(new Date(this.clock), this.nextUnique());
    const body = encodeSegment(ops);
    const ids = ops.map((o) => o.id ?? '-').join(',');
    if (this.chance(0.3)) {
      const landsAt = this.clock + 1 + Math.floor(this.random() * (this.options.skewMs - 2));
      this.pending.push({ landsAt, key, body });
      this.note(`slow write ${key} ${ids}, lands at +${landsAt - this.clock}`);
    } else {
      this.bucket.land(key, body);
      this.note(`write ${key} ${ids}`);
    }
  }

  private advance(ms: number): void {
    this.clock += ms;
    const landing = this.pending.filter((p) => p.landsAt <= this.clock);
    // Slow writes land in any order.
    landing.sort(() => this.random() - 0.5);
    for (const p of landing) {
      this.bucket.land(p.key, p.body);
      this.pending.splice(this.pending.indexOf(p), 1);
      this.note(`lands ${p.key}`);
    }
  }

  private pickContainer(): Container {
    return this.containers[Math.floor(this.random() * this.containers.length)] as Container;
  }

  private async coldStart(): Promise<void> {
    const i = Math.floor(this.random() * this.containers.length);
    const old = this.containers[i] as Container;
    const stale = old.name === 'stale' ? 2000 : 0;
    this.containers[i] = this.container(old.name, stale, old.listingOnly);
    this.note(`cold start ${old.name}`);
    await this.containers[i]?.observer.load();
  }

  /** Closed hours every write has landed in. */
  private compactable(): string[] {
    const hours: string[] = [];
    const newestClosed = Math.floor((this.clock - this.options.skewMs) / HOUR_MS) * HOUR_MS - 1;
    for (let at = newestClosed; at >= T0 - HOUR_MS; at -= HOUR_MS)
      hours.push(hourPartition(new Date(at)));
    return hours;
  }

  private async compact(): Promise<void> {
    const roll = this.random();
    if (roll < 0.25) {
      await this.queue.plan(this.clock);
      return;
    }
    if (roll < 0.6) {
      for (let n = 1 + Math.floor(this.random() * 3); n > 0; n--) await this.queue.work();
      return;
    }
    const hours = this.compactable();
    if (hours.length === 0) return;
    const hour = hours[Math.floor(this.random() * Math.min(hours.length, 3))] as string;
    await this.compactInProcess(hour);
  }

  /** An hour compacted whole in this process: alone, two at once, or crashing mid-delete. */
  private async compactInProcess(hour: string): Promise<void> {
    const roll = this.random();
    if (roll < 0.3) {
      // Two at once: the same hour, or the hour and the one after it when that one is closed too.
      const start = partitionStart(hour) as number;
      const next = hourPartition(new Date(start + HOUR_MS));
      const other = this.chance(0.5) && this.compactable().includes(next) ? next : hour;
      this.note(`compact ${hour} and ${other} at once`);
      await Promise.all([
        compactPartition(this.bucket, hour, this.settings),
        compactPartition(this.bucket, other, this.settings),
      ]);
    } else if (roll < 0.5) {
      this.note(`compact ${hour}, crashing mid-delete`);
      const dying = storeView(this.bucket, {
        deleteObjects: async (keys) => {
          await this.bucket.deleteObjects(keys.slice(0, Math.ceil(keys.length / 2)));
          throw new Error('crashed mid-delete');
        },
      });
      await compactPartition(dying, hour, this.settings);
    } else {
      this.note(`compact ${hour}`);
      await compactPartition(this.bucket, hour, this.settings);
    }
  }

  /**
   * Lets every slow write land and the skew window pass, then has every
   * container refresh past its staleness, and compares its ring with the
   * recount: undefined when all agree.
   */
  async converge(step: number): Promise<Divergence | undefined> {
    const last = Math.max(this.clock, ...this.pending.map((p) => p.landsAt));
    this.advance(last - this.clock + this.options.skewMs + 2001);
    this.note('converge');
    const window = this.recountWindowMs ?? (this.options.retryWindowMs as number);
    const counted = countedLog(this.bucket, window);
    const expected = places(counted.slice(-this.options.cap));
    for (const c of this.containers) {
      const { ring } = await c.observer.freshRing();
      const actual = places(ring);
      this.checks++;
      if (actual.join() !== expected.join()) {
        return { seed: this.seed, step, container: c.name, expected, actual, trace: this.trace };
      }
    }
    const done = (await readManifest(this.bucket)).done;
    const problems = lakeProblems(this.bucket, this.bucket.written, window, done);
    this.checks++;
    if (problems.length > 0) {
      return {
        seed: this.seed,
        step,
        container: 'lake',
        expected: [],
        actual: problems,
        trace: this.trace,
      };
    }
    return this.issuesConverge(step, this.issueRecountWindowMs ?? window);
  }

  /** Folds until caught up, by each folder, and compares every issue's count with the recount. */
  private async issuesConverge(step: number, window: number): Promise<Divergence | undefined> {
    const expected = issueCounts(this.bucket, window);
    for (const [i, folder] of this.folders.entries()) {
      while ((await folder.fold()).behind);
      const book = await folder.current();
      const actual = [...book.issues.values()]
        .filter((r) => !r.mergedInto)
        .map((r) => `${r.id}:${r.tally.count}`)
        .sort();
      this.checks++;
      if (actual.join() !== expected.join()) {
        const container = `issue folder ${i}`;
        return { seed: this.seed, step, container, expected, actual, trace: this.trace };
      }
    }
    return undefined;
  }

  async step(step: number): Promise<Divergence | undefined> {
    const roll = this.random();
    if (roll < 0.35) await this.write();
    else if (roll < 0.55) this.advance(Math.floor(this.random() * 1500));
    else if (roll < 0.6)
      this.advance(Math.floor(this.random() * (this.options.retryWindowMs as number)));
    else if (roll < 0.615) this.advance(20 * 60_000 + Math.floor(this.random() * 50 * 60_000));
    else if (roll < 0.75) {
      const c = this.pickContainer();
      this.note(`refresh ${c.name}`);
      await c.observer.freshRing();
    } else if (roll < 0.77) await this.coldStart();
    else if (roll < 0.79) {
      // A refresh racing a compaction: each step of one lands between the other's awaits.
      const c = this.pickContainer();
      this.note(`refresh ${c.name} while compacting`);
      await Promise.all([c.observer.freshRing(), this.compact()]);
    } else if (roll < 0.85) {
      const writer = (this.containers[3] as Container).observer;
      if (this.chance(0.5)) {
        this.note('snapshot by writer, folding with folder 0');
        await writeSnapshot(writer, this.folders[0]);
      } else {
        // A round of keeping the checkpoint fresh: it extends the last copies document, and folds.
        this.note('checkpoint round by writer');
        await writeCheckpoint(writer, await writer.current(), new Date(this.clock));
        await this.fold();
      }
    } else if (roll < 0.9) await this.compact();
    else if (roll < 0.95) return this.converge(step);
    return undefined;
  }
}

/** Runs one seeded schedule of `steps` steps (400–800, drawn from the seed, by default), then a last check. */
export async function runSchedule(options: ScheduleOptions): Promise<ScheduleResult> {
  const schedule = new Schedule(
    options.seed,
    options.recountWindowMs,
    options.issueRecountWindowMs,
  );
  const steps = options.steps ?? 400 + (options.seed % 401);
  let divergence: Divergence | undefined;
  let step = 0;
  for (; step < steps && !divergence; step++) divergence = await schedule.step(step);
  divergence ??= await schedule.converge(step);
  return {
    seed: options.seed,
    steps: step,
    checks: schedule.checks,
    ops: schedule.ops,
    ...(divergence ? { divergence } : {}),
  };
}

import type { RingEntry } from '../../domain/entry';
import type { EscalationConfig } from '../../platform/config';
import { describeError, log } from '../../platform/log';
import type { Observer } from '../../ring/observer';
import { clusterFailures } from '../clustering/clusters';
import type { FailureCluster } from '../clustering/report';
import { type EscalationSummary, escalate } from './escalation';

/** Below this much time, a run does not start escalating (it could not deliver). */
export const MIN_ESCALATION_BUDGET_MS = 5_000;

/** What the snapshot function hands over to escalation. */
export interface AfterSnapshotOptions {
  config: EscalationConfig;
  prefix: string;
  /** How long delivery may take in all. */
  budgetMs: number;
  fetch?: typeof fetch;
  /**
   * The ring and its clusters as the snapshot just made them; without it
   * the ring is refreshed and mined here.
   */
  taken?: { entries: RingEntry[]; clusters: FailureCluster[]; now: number };
}

/**
 * After a snapshot is written: escalates the failure clusters of the
 * observer's ring (those the snapshot recorded, or of the ring refreshed
 * now; the clusters of `GET /observer/failures`) that cross a threshold. Never throws: the snapshot is written whatever
 * happens here, and a failure is logged. Undefined when no URL is set or
 * too little time is left.
 */
export async function escalateAfterSnapshot(
  observer: Observer,
  options: AfterSnapshotOptions,
): Promise<EscalationSummary | undefined> {
  if (options.config.url === undefined) return undefined;
  if (options.budgetMs < MIN_ESCALATION_BUDGET_MS) {
    log.warn('no time left to escalate; the next run will', { budget_ms: options.budgetMs });
    return undefined;
  }
  try {
    const { entries, clusters, now } = options.taken ?? (await ringNow(observer));
    const summary = await escalate(clusters, {
      store: observer.store,
      now,
      config: options.config,
      entries,
      prefix: options.prefix,
      budgetMs: options.budgetMs,
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
    if (summary.firing > 0) log.info('escalation run', { ...summary });
    return summary;
  } catch (err: unknown) {
    log.error('escalation run failed; the snapshot is written', describeError(err));
    return undefined;
  }
}

/** The observer's ring, refreshed, and its failure clusters now. */
async function ringNow(
  observer: Observer,
): Promise<{ entries: RingEntry[]; clusters: FailureCluster[]; now: number }> {
  const entries = [...(await observer.current()).ring];
  const now = observer.now();
  return { entries, clusters: clusterFailures(entries, now), now };
}

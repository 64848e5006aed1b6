import { z } from 'zod';
import type { RingEntry } from '../../domain/entry';
import { type ObservedOp, StoredOpSchema } from '../../domain/op';
import { describeError, log } from '../../platform/log';
import type { SegmentStore } from '../../storage/store';
import {
  type FailureCluster,
  FailureClusterSchema,
  type OpRef,
  OpRefSchema,
} from '../clustering/report';
import { EscalationReasonSchema, type EscalationThresholds } from './escalation-rules';

/** The sample ops of one payload, serialized, stay within this many bytes. */
export const MAX_SAMPLE_BYTES = 16 * 1024;

/** Sample ops sent with a cluster. */
const MAX_SAMPLES = 3;

/** A sample op where it was stored, or why it is not sent. */
export const EscalationSampleSchema = OpRefSchema.extend({
  op: StoredOpSchema.optional(),
  omitted: z
    .enum(['not found', 'unreadable', 'too large'])
    .optional()
    .describe('why `op` is absent: gone, S3 failed, or over the 16 KiB the samples may take'),
});
export type EscalationSample = Omit<z.infer<typeof EscalationSampleSchema>, 'op'> & {
  op?: ObservedOp;
};

/** What an escalation POSTs: the cluster, why it is escalated, and its sample ops. */
export const EscalationPayloadSchema = z.object({
  type: z.literal('failure_cluster.escalated'),
  id: z.string().describe("the escalation's id, the same in every round: de-duplicate by it"),
  round: z.number().int().min(1).describe('1, or more when an earlier round failed'),
  created_at: z.string().describe('when this round was claimed (ISO 8601, UTC)'),
  service: z.string().describe('the deployment (POWERTOOLS_SERVICE_NAME, observer-<stage>)'),
  prefix: z.string().describe('its OBSERVER_PREFIX'),
  reasons: z.array(EscalationReasonSchema).min(1),
  thresholds: z.object({
    min_count: z.number().int(),
    window_minutes: z.number().int(),
    growth: z.number(),
    cooldown_minutes: z.number().int(),
  }),
  cluster: FailureClusterSchema,
  samples: z.array(EscalationSampleSchema).max(3),
});
export type EscalationPayload = Omit<z.infer<typeof EscalationPayloadSchema>, 'samples'> & {
  samples: EscalationSample[];
};

/** Finds a stored op by where it was stored. */
export type SampleFinder = (ref: OpRef) => Promise<EscalationSample>;

/**
 * Finds sample ops in the ring's entries first (no request), then by
 * reading their segment from the store; what cannot be found is marked,
 * never thrown.
 */
export function sampleFinder(store: SegmentStore, entries: Iterable<RingEntry>): SampleFinder {
  const inRing = new Map<string, ObservedOp>();
  for (const e of entries) inRing.set(refKey(e), e.op);
  return async (ref) => {
    const op = inRing.get(refKey(ref));
    if (op) return { ...ref, op };
    try {
      const found = (await store.read(ref.key))?.find((e) => e.line === ref.line);
      return found ? { ...ref, op: found.op } : { ...ref, omitted: 'not found' };
    } catch (err: unknown) {
      log.warn('escalation sample unreadable', { key: ref.key, ...describeError(err) });
      return { ...ref, omitted: 'unreadable' };
    }
  };
}

/**
 * The cluster's first samples (at most 3) with their ops, each op sent only
 * while the samples stay within MAX_SAMPLE_BYTES.
 */
export async function samplesOf(
  cluster: FailureCluster,
  find: SampleFinder,
): Promise<EscalationSample[]> {
  const out: EscalationSample[] = [];
  let budget = MAX_SAMPLE_BYTES;
  for (const ref of cluster.samples.slice(0, MAX_SAMPLES)) {
    const sample = await find({ key: ref.key, line: ref.line });
    const bytes = sample.op ? Buffer.byteLength(JSON.stringify(sample.op)) : 0;
    if (bytes > budget) {
      out.push({ key: ref.key, line: ref.line, omitted: 'too large' });
      continue;
    }
    budget -= bytes;
    out.push(sample);
  }
  return out;
}

/** The thresholds as the payload names them. */
export function thresholdsOf(t: EscalationThresholds): EscalationPayload['thresholds'] {
  return {
    min_count: t.minCount,
    window_minutes: t.windowMinutes,
    growth: t.growth,
    cooldown_minutes: t.cooldownMinutes,
  };
}

function refKey(ref: OpRef): string {
  return `${ref.line}:${ref.key}`;
}

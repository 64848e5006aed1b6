import { z } from 'zod';
import type { RingEntry } from '../../domain/entry';
import { type ObservedOp, StoredOpSchema } from '../../domain/op';
import { describeError, log } from '../../platform/log';
import type { SegmentStore } from '../../storage/store';
import { FailureClusterSchema, type OpRef, OpRefSchema } from '../clustering/report';
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

const thresholds = z.object({
  min_count: z.number().int(),
  window_minutes: z.number().int(),
  growth: z.number(),
  cooldown_minutes: z.number().int(),
});

const envelope = {
  id: z.string().describe("the escalation's id, the same in every round: de-duplicate by it"),
  round: z.number().int().min(1).describe('1, or more when an earlier round failed'),
  created_at: z.string().describe('when this round was claimed (ISO 8601, UTC)'),
  service: z.string().describe('the deployment (POWERTOOLS_SERVICE_NAME, observer-<stage>)'),
  prefix: z.string().describe('its OBSERVER_PREFIX'),
  thresholds,
  samples: z.array(EscalationSampleSchema).max(3),
};

/** An issue as an escalation names it. */
export const EscalatedIssueSchema = z.object({
  id: z.string(),
  endpoint: z.string(),
  template: z.string(),
  status: z.string().describe('its status as the transition left it'),
  count: z.number().int().nonnegative().describe('failures over all history'),
  first_seen: z.string(),
  last_seen: z.string(),
  samples: z.array(OpRefSchema).max(5).describe('its newest ops, newest first'),
});
export type EscalatedIssue = z.infer<typeof EscalatedIssueSchema>;

/** The change an escalation reports: into escalating (with the figures) or regressed. */
export const IssueTransitionDetailSchema = z.object({
  kind: z.enum(['escalating', 'regressed']),
  at: z.string().describe('when it happened (ISO 8601, UTC)'),
  current: z.number().int().optional().describe('escalating: failures in the window'),
  baseline: z.number().optional().describe('escalating: what its last 7 days forecast'),
  threshold: z.number().int().optional().describe('escalating: max(min_count, growth × baseline)'),
  resolved_at: z.string().optional().describe('regressed: when a person resolved it'),
  resolved_by: z.string().optional().describe('regressed: who (a key fingerprint)'),
});
export type IssueTransitionDetail = z.infer<typeof IssueTransitionDetailSchema>;

/** What an escalation POSTs: an issue's transition, the issue and its sample ops. */
export const IssueEscalationPayloadSchema = z.object({
  type: z.enum(['issue.escalating', 'issue.regressed']),
  ...envelope,
  transition: IssueTransitionDetailSchema,
  issue: EscalatedIssueSchema,
});

/**
 * What escalations POSTed before issues had a lifecycle: a ring cluster
 * and the rules it crossed. Still read, so older records list.
 */
export const ClusterEscalationPayloadSchema = z.object({
  type: z.literal('failure_cluster.escalated'),
  ...envelope,
  reasons: z.array(EscalationReasonSchema).min(1),
  cluster: FailureClusterSchema,
});

/** Any escalation payload a record may hold. */
export const EscalationPayloadSchema = z.union([
  IssueEscalationPayloadSchema,
  ClusterEscalationPayloadSchema,
]);
export type IssueEscalationPayload = Omit<
  z.infer<typeof IssueEscalationPayloadSchema>,
  'samples'
> & {
  samples: EscalationSample[];
};
export type EscalationPayload =
  | IssueEscalationPayload
  | (Omit<z.infer<typeof ClusterEscalationPayloadSchema>, 'samples'> & {
      samples: EscalationSample[];
    });

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
 * The first sample refs (at most 3) with their ops, each op sent only
 * while the samples stay within MAX_SAMPLE_BYTES.
 */
export async function samplesOf(
  refs: readonly OpRef[],
  find: SampleFinder,
): Promise<EscalationSample[]> {
  const out: EscalationSample[] = [];
  let budget = MAX_SAMPLE_BYTES;
  for (const ref of refs.slice(0, MAX_SAMPLES)) {
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
export function thresholdsOf(t: EscalationThresholds): IssueEscalationPayload['thresholds'] {
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

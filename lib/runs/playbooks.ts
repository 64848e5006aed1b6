import { z } from 'zod';
import type { RingEntry } from '../domain/entry';
import { clusterFailures } from '../failures/clustering/clusters';
import { parseJson } from '../platform/json';
import { buildRun, entriesByTrace, type Run, stepsOf } from './runs';

// Playbooks: what the runs of one agent (or scenario) in one role have in
// common. How many there were and how many succeeded, the steps the
// successful ones went through, the step where the failing ones most often
// failed and the failure cluster behind it, and how long and how many tokens
// a run takes. Computed by the snapshot function from the ring each minute
// and stored, so reading them is one GET.

const share = z.number().min(0).max(1).describe('of the runs it is counted among, to 4 decimals');
const spread = z.object({ p50: z.number(), p90: z.number() });

/** One playbook. */
export const PlaybookSchema = z.object({
  agent: z.string().nullable().describe("the runs' agent (staffer_id of the root op)"),
  scenario: z.string().nullable().describe('for runs without an agent: their scenario'),
  role: z.string().nullable(),
  runs: z.number().int().positive(),
  succeeded: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  success_rate: share,
  path: z
    .object({ steps: z.array(z.string()), runs: z.number().int().positive(), share })
    .nullable()
    .describe(
      'the steps most successful runs went through, in order (a step repeated in a row counted once); share of the successful runs',
    ),
  failing_step: z
    .object({
      step: z.string(),
      runs: z.number().int().positive(),
      share,
      cluster: z
        .object({ id: z.string(), template: z.string(), count: z.number().int().positive() })
        .nullable()
        .describe('the largest failure cluster of the failures at that step'),
    })
    .nullable()
    .describe('where failing runs failed first most often; share of the failing runs'),
  duration_ms: spread,
  tokens: spread.describe('input and output tokens per run'),
});
export type Playbook = z.infer<typeof PlaybookSchema>;

/** `GET /observer/playbooks`: the playbooks the last snapshot stored. */
export const PlaybooksAnswerSchema = z.object({
  generated_at: z
    .string()
    .nullable()
    .describe('when they were computed; null before the first snapshot'),
  runs: z.number().int().nonnegative().describe('runs in the ring they were computed from'),
  playbooks: z.array(PlaybookSchema).describe('most runs first'),
});
export type PlaybooksAnswer = z.infer<typeof PlaybooksAnswerSchema>;

/** The answer before the snapshot function has stored any. */
export const NO_PLAYBOOKS: PlaybooksAnswer = { generated_at: null, runs: 0, playbooks: [] };

const round4 = (n: number) => Math.round(n * 10_000) / 10_000;

/** The value at quantile q of the sorted values (nearest rank). */
function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0;
}

function spreadOf(values: number[]): { p50: number; p90: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: quantile(sorted, 0.5), p90: quantile(sorted, 0.9) };
}

/** The most frequent value (ties: the first seen) and how often it occurs. */
function mode<T>(
  values: readonly T[],
  key: (v: T) => string,
): { value: T; count: number } | undefined {
  const counts = new Map<string, { value: T; count: number }>();
  for (const v of values) {
    const k = key(v);
    const c = counts.get(k);
    if (c) c.count++;
    else counts.set(k, { value: v, count: 1 });
  }
  let best: { value: T; count: number } | undefined;
  for (const c of counts.values()) if (best === undefined || c.count > best.count) best = c;
  return best;
}

const collapse = (steps: string[]) => steps.filter((s, i) => i === 0 || s !== steps[i - 1]);

function failingStep(failed: Run[], now: number): Playbook['failing_step'] {
  const firsts = failed.flatMap((r) => (r.firstFailure ? [r.firstFailure] : []));
  const top = mode(firsts, (e) => e.op.endpoint);
  if (top === undefined) return null;
  const step = top.value.op.endpoint;
  const atStep = firsts.filter((e) => e.op.endpoint === step);
  const [cluster] = clusterFailures(atStep, now);
  return {
    step,
    runs: top.count,
    share: round4(top.count / failed.length),
    cluster: cluster ? { id: cluster.id, template: cluster.template, count: cluster.count } : null,
  };
}

function playbookOf(runs: Run[], now: number): Playbook {
  const [first] = runs as [Run];
  const succeeded = runs.filter((r) => !r.failed);
  const failed = runs.filter((r) => r.failed);
  const path = mode(
    succeeded.map((r) => collapse(stepsOf(r))),
    (steps) => JSON.stringify(steps),
  );
  const tokens = (r: Run) =>
    r.entries.reduce((n, e) => n + (e.op.input_tokens ?? 0) + (e.op.output_tokens ?? 0), 0);
  return {
    agent: first.agent ?? null,
    scenario: first.agent === undefined ? (first.scenario ?? null) : null,
    role: first.role ?? null,
    runs: runs.length,
    succeeded: succeeded.length,
    failed: failed.length,
    success_rate: round4(succeeded.length / runs.length),
    path:
      path === undefined
        ? null
        : { steps: path.value, runs: path.count, share: round4(path.count / succeeded.length) },
    failing_step: failingStep(failed, now),
    duration_ms: spreadOf(runs.map((r) => r.end - r.start)),
    tokens: spreadOf(runs.map(tokens)),
  };
}

/** The playbooks of the runs among the entries (the ring's, oldest first), most runs first. */
export function playbooks(entries: Iterable<RingEntry>, now: number): PlaybooksAnswer {
  const runs = [...entriesByTrace(entries)].map(([id, list]) => buildRun(id, list));
  const groups = new Map<string, Run[]>();
  for (const run of runs) {
    const key = JSON.stringify([
      run.agent ?? null,
      run.agent === undefined ? (run.scenario ?? null) : null,
      run.role ?? null,
    ]);
    const group = groups.get(key);
    if (group) group.push(run);
    else groups.set(key, [run]);
  }
  const list = [...groups.values()]
    .map((g) => playbookOf(g, now))
    .sort((a, b) => b.runs - a.runs || String(a.agent).localeCompare(String(b.agent)));
  return { generated_at: new Date(now).toISOString(), runs: runs.length, playbooks: list };
}

/** The stored playbooks document read back; NO_PLAYBOOKS when there is none or it does not parse. */
export function decodePlaybooks(text: string | undefined): PlaybooksAnswer {
  if (text === undefined) return NO_PLAYBOOKS;
  const parsed = PlaybooksAnswerSchema.safeParse(parseJson(text));
  return parsed.success ? parsed.data : NO_PLAYBOOKS;
}

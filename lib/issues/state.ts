import { gunzipSync, gzipSync } from 'node:zlib';
import { z } from 'zod';
import { parseJson } from '../platform/json';
import { OPS_ROOT } from '../storage/keys';
import { IssueBook, type IssueRecord, type Transition } from './book';
import { decodeTally, encodeTally, StoredTallySchema } from './tally';

const ms = z.number();
const count = z.number().int().nonnegative();

const GroupingRecordSchema = z.object({
  id: z.string(),
  endpoint: z.string(),
  seq: z.number().int().nonnegative(),
  leaf: z.string(),
  tokens: z.array(z.string()),
  parent: z.string().optional(),
  diff: z.array(z.number().int().nonnegative()).optional(),
  values: z.array(z.tuple([z.string(), z.array(z.string())])).optional(),
});

const StoredIssueSchema = z.object({
  id: z.string(),
  endpoint: z.string(),
  template: z.string(),
  tally: StoredTallySchema,
  merged_into: z
    .object({
      into: z.string(),
      at: ms,
      by: z.string(),
      reason: z.enum(['merged', 'generalised']),
    })
    .optional(),
  episodes: z.array(
    z.object({ start: ms, end: ms.optional(), current: count, baseline: z.number() }),
  ),
  regressions: z.array(z.object({ at: ms, resolved_at: ms })),
});

const TransitionSchema = z.object({
  id: z.string(),
  issue: z.string(),
  kind: z.enum(['escalating', 'regressed']),
  at: ms,
  current: count.optional(),
  baseline: z.number().optional(),
  threshold: count.optional(),
  resolved_at: ms.optional(),
  resolved_by: z.string().optional(),
});

/** The issue state document (`issues/state.json`); see docs/issues.md, "The documents". */
export const IssueStateSchema = z.object({
  version: z.literal(1),
  after: z.string(),
  position: ms,
  written_at: z.string(),
  copies: z.array(z.tuple([z.string(), ms])),
  totals: z.array(z.tuple([z.number().int(), count, count])),
  grouping: z.array(GroupingRecordSchema),
  issues: z.array(StoredIssueSchema),
  aliases: z.array(z.tuple([z.string(), z.string()])),
  transitions: z.array(TransitionSchema),
});
export type IssueState = z.infer<typeof IssueStateSchema>;

/** The book of a log nothing of which is folded yet. */
export function emptyBook(): IssueBook {
  return new IssueBook({ after: OPS_ROOT, position: 0 });
}

/** A book as its document stores it, written at `at`. */
export function encodeState(book: IssueBook, at: Date): string {
  const state: IssueState = {
    version: 1,
    after: book.after,
    position: book.position,
    written_at: at.toISOString(),
    copies: [...book.copies],
    totals: [...book.totals].map(([m, [ops, failures]]) => [m, ops, failures]),
    grouping: book.grouper.records(),
    issues: [...book.issues.values()].map(storedIssue),
    aliases: [...book.aliases],
    transitions: book.transitions.map(storedTransition),
  };
  return JSON.stringify(state);
}

/** A book as its document is stored: gzip JSON (the op ids of the retry window compress well). */
export function encodeStateBytes(book: IssueBook, at: Date): Uint8Array {
  return gzipSync(encodeState(book, at));
}

/** The stored state document, parsed, or an error saying why it is not one. */
export function parseStateBytes(body: Uint8Array): IssueState | { error: string } {
  let text: string;
  try {
    text = gunzipSync(body).toString('utf-8');
  } catch (err: unknown) {
    return { error: `not gzip: ${err instanceof Error ? err.message : String(err)}` };
  }
  return parseState(text);
}

/** The state document's text, parsed, or an error saying why it is not one. */
export function parseState(text: string): IssueState | { error: string } {
  const parsed = IssueStateSchema.safeParse(parseJson(text));
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  return { error: `${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'not JSON'}` };
}

/** A fresh book from a parsed state: changing it changes nothing of `state`. */
export function bookOf(state: IssueState): IssueBook {
  const book = new IssueBook({
    after: state.after,
    position: state.position,
    grouping: state.grouping,
    issues: state.issues.map(issueRecord),
  });
  for (const [id, at] of state.copies) book.copies.set(id, at);
  for (const [m, ops, failures] of state.totals) book.totals.set(m, [ops, failures]);
  for (const [from, into] of state.aliases) book.aliases.set(from, into);
  book.transitions = state.transitions.map((t) => ({
    id: t.id,
    issue: t.issue,
    kind: t.kind,
    at: t.at,
    current: t.current,
    baseline: t.baseline,
    threshold: t.threshold,
    resolvedAt: t.resolved_at,
    resolvedBy: t.resolved_by,
  }));
  return book;
}

function storedIssue(r: IssueRecord): IssueState['issues'][number] {
  return {
    id: r.id,
    endpoint: r.endpoint,
    template: r.template,
    tally: encodeTally(r.tally),
    ...(r.mergedInto ? { merged_into: { ...r.mergedInto } } : {}),
    episodes: r.episodes.map((e) => ({ ...e })),
    regressions: r.regressions.map((g) => ({ at: g.at, resolved_at: g.resolvedAt })),
  };
}

function issueRecord(s: IssueState['issues'][number]): IssueRecord {
  return {
    id: s.id,
    endpoint: s.endpoint,
    template: s.template,
    tally: decodeTally(s.tally),
    mergedInto: s.merged_into ? { ...s.merged_into } : undefined,
    episodes: s.episodes.map((e) => ({ ...e })),
    regressions: s.regressions.map((g) => ({ at: g.at, resolvedAt: g.resolved_at })),
  };
}

function storedTransition(t: Transition): IssueState['transitions'][number] {
  return {
    id: t.id,
    issue: t.issue,
    kind: t.kind,
    at: t.at,
    ...(t.current === undefined ? {} : { current: t.current }),
    ...(t.baseline === undefined ? {} : { baseline: t.baseline }),
    ...(t.threshold === undefined ? {} : { threshold: t.threshold }),
    ...(t.resolvedAt === undefined ? {} : { resolved_at: t.resolvedAt }),
    ...(t.resolvedBy === undefined ? {} : { resolved_by: t.resolvedBy }),
  };
}

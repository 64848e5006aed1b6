import { z } from 'zod';
import { parseJson } from '../platform/json';
import { log } from '../platform/log';
import { ConcurrentWriteError, StoreUnavailableError } from '../storage/errors';
import { ISSUES_RULES_KEY } from '../storage/keys';
import type { SegmentStore } from '../storage/store';
import { PERSON_STATUSES, type PersonStatus } from './lifecycle';

/** A merge a person asked for: later ops of the issue count to `into`. */
export interface MergeRule {
  into: string;
  at: number;
  by: string;
}

/** What people decided about issues: a status per issue, and merges (by the issue merged). */
export interface IssueRules {
  statuses: Map<string, PersonStatus>;
  merges: Map<string, MergeRule>;
}

const instant = z.iso.datetime({ offset: true }).transform((v) => Date.parse(v));

const RulesSchema = z.object({
  version: z.literal(1),
  statuses: z.record(
    z.string(),
    z.object({
      status: z.enum(PERSON_STATUSES),
      at: instant,
      by: z.string(),
      until: instant.optional(),
    }),
  ),
  merges: z.record(z.string(), z.object({ into: z.string(), at: instant, by: z.string() })),
});

/** No rules at all. */
export function noRules(): IssueRules {
  return { statuses: new Map(), merges: new Map() };
}

/** The rules document's text, or no rules (with a warning) when it does not read as one. */
export function decodeRules(text: string | undefined): IssueRules {
  if (text === undefined) return noRules();
  const parsed = RulesSchema.safeParse(parseJson(text));
  if (!parsed.success) {
    log.warn('issue rules unreadable; read as none', { key: ISSUES_RULES_KEY });
    return noRules();
  }
  return {
    statuses: new Map(Object.entries(parsed.data.statuses)),
    merges: new Map(Object.entries(parsed.data.merges)),
  };
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The rules as their document stores them. */
export function encodeRules(rules: IssueRules): string {
  const statuses = Object.fromEntries(
    [...rules.statuses].map(([id, s]) => [
      id,
      {
        status: s.status,
        at: iso(s.at),
        by: s.by,
        ...(s.until === undefined ? {} : { until: iso(s.until) }),
      },
    ]),
  );
  const merges = Object.fromEntries(
    [...rules.merges].map(([id, m]) => [id, { into: m.into, at: iso(m.at), by: m.by }]),
  );
  return JSON.stringify({ version: 1, statuses, merges });
}

/** How many times a change is tried while others change the rules at once. */
const ATTEMPTS = 5;

/**
 * Reads the rules, applies `change` (which may throw to refuse it) and
 * writes them back over the version read (If-Match, or If-None-Match for
 * none), reading again when another writer got there first: no change a
 * person made is lost to another made at the same time.
 */
export async function changeRules<T>(
  store: SegmentStore,
  change: (rules: IssueRules) => T,
): Promise<T> {
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const current = await store.getObject(ISSUES_RULES_KEY);
    const rules = decodeRules(current ? Buffer.from(current.body).toString('utf-8') : undefined);
    const result = change(rules);
    try {
      await store.putObject(
        ISSUES_RULES_KEY,
        Buffer.from(encodeRules(rules)),
        current?.etag ?? null,
      );
      return result;
    } catch (err: unknown) {
      if (!(err instanceof ConcurrentWriteError)) throw err;
    }
  }
  throw new StoreUnavailableError('the issue rules changed at every attempt; retry');
}

/**
 * The rules as last read, read again only when they changed (a conditional
 * GET: a 304 costs no transfer). For the folder and the read routes.
 */
export class RulesReader {
  private etag: string | undefined;
  private rules: IssueRules = noRules();

  constructor(private readonly store: SegmentStore) {}

  async read(): Promise<IssueRules> {
    const found = await this.store.getIfChanged(ISSUES_RULES_KEY, this.etag);
    if (found === undefined) {
      this.etag = undefined;
      this.rules = noRules();
    } else if (found !== 'unchanged') {
      this.etag = found.etag;
      this.rules = decodeRules(Buffer.from(found.body).toString('utf-8'));
    }
    return this.rules;
  }
}

import { createHash } from 'node:crypto';
import type { RingEntry } from '../../domain/entry';
import { receivedAt } from '../../ring/ops-query';
import { TemplateMiner } from './miner';
import { DEFAULT_MINER_OPTIONS } from './options';
import type { FailureCluster } from './report';
import { count, merge, newTally, type Tally, topNames } from './tally';

/** The template of the failed ops that carry no error message (absent or blank). */
export const NO_ERROR_TEMPLATE = '(no error)';

/** A tally per endpoint and cluster id as the miner gave it when the op was added. */
interface Group {
  endpoint: string;
  /** The miner's cluster id, or undefined for ops with no error. */
  clusterId: string | undefined;
  /** The template the miner answered when the group began. */
  template: string;
  tally: Tally;
}

/**
 * The failure clusters of a ring's entries (oldest first): its failed ops
 * grouped by endpoint and the template of their error, mined by one
 * TemplateMiner with DEFAULT_MINER_OPTIONS in log order, so the same entries
 * always give the same clusters. Ops with no error form one cluster per
 * endpoint, with the template `(no error)`. A cluster's id hashes its
 * endpoint and its final template, so it stays the same as long as the ring
 * holds the same kind of failures, in every container. Most ops first
 * (ties: the most recently seen first, then by id). Trend hours end at `now`
 * (ms since the epoch). O(tokens) per op; memory grows with the groups, not
 * the ops.
 */
export function clusterFailures(entries: Iterable<RingEntry>, now: number): FailureCluster[] {
  const miner = new TemplateMiner(DEFAULT_MINER_OPTIONS);
  const groups = new Map<string, Group>();
  for (const entry of entries) {
    if (entry.op.success) continue;
    const error = entry.op.error?.trim() ? entry.op.error : undefined;
    const mined = error === undefined ? undefined : miner.add(error);
    const endpoint = entry.op.endpoint;
    const groupKey = JSON.stringify([endpoint, mined?.clusterId ?? null]);
    let group = groups.get(groupKey);
    if (!group) {
      group = {
        endpoint,
        clusterId: mined?.clusterId,
        template: mined?.template ?? '',
        tally: newTally(),
      };
      groups.set(groupKey, group);
    }
    count(group.tally, entry, receivedAt(entry), now);
  }
  return ranked(merged(groups.values(), miner));
}

/**
 * The groups by endpoint and final template: a cluster id folded into
 * another resolves to it and takes its template; an evicted one keeps the
 * template it had.
 */
function merged(groups: Iterable<Group>, miner: TemplateMiner): Map<string, Group> {
  const templates = new Map(miner.clusters().map((c) => [c.id, c.template]));
  const out = new Map<string, Group>();
  for (const group of groups) {
    const id = group.clusterId === undefined ? undefined : miner.resolve(group.clusterId);
    const template = (id === undefined ? undefined : templates.get(id)) ?? group.template;
    const key = JSON.stringify([group.endpoint, template]);
    const into = out.get(key);
    if (into) merge(into.tally, group.tally);
    else out.set(key, { ...group, template });
  }
  return out;
}

function ranked(groups: Map<string, Group>): FailureCluster[] {
  let total = 0;
  for (const g of groups.values()) total += g.tally.count;
  const described = [...groups.values()].map((g) => ({ last: g.tally.last, c: cluster(g, total) }));
  described.sort(
    (a, b) =>
      b.c.count - a.c.count || b.last - a.last || (a.c.id < b.c.id ? -1 : a.c.id > b.c.id ? 1 : 0),
  );
  return described.map((d) => d.c);
}

function cluster({ endpoint, template, tally }: Group, total: number): FailureCluster {
  return {
    id: failureClusterId(endpoint, template),
    endpoint,
    template: template === '' ? NO_ERROR_TEMPLATE : template,
    count: tally.count,
    share: Math.round((tally.count / total) * 10_000) / 10_000,
    endpoints: [endpoint],
    sources: topNames(tally.sources),
    staffers: topNames(tally.staffers),
    first_seen: new Date(tally.first).toISOString(),
    last_seen: new Date(tally.last).toISOString(),
    trend: { last_hour: tally.lastHour, hour_before: tally.hourBefore },
    samples: [...tally.samples].reverse(),
  };
}

/**
 * A failure cluster's id: 16 hex digits of the SHA-256 of `[endpoint,
 * template]` as JSON (the template empty for ops with no error).
 */
export function failureClusterId(endpoint: string, template: string): string {
  return createHash('sha256')
    .update(JSON.stringify([endpoint, template]))
    .digest('hex')
    .slice(0, 16);
}

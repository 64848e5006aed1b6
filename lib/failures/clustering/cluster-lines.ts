import { TemplateMiner } from './miner';
import { DEFAULT_MINER_OPTIONS, type MinerOptions } from './options';

/** One input line's cluster, as the `cluster` CLI prints it. */
export interface LineCluster {
  /** 1-based line number. */
  line: number;
  cluster: string;
  template: string;
}

/**
 * Mines lines one at a time with one miner, then answers each line's cluster
 * as it stands after the whole input: an id folded into another cluster
 * resolves to that cluster, and the template is its final one. A line whose
 * cluster was evicted (more distinct templates than the cap) keeps the id and
 * template it got when added. A blank line is a message with no tokens: all
 * blank lines share one cluster, with the empty template.
 *
 * It holds two references per line, not the lines: ids and templates are
 * shared by the lines of a cluster.
 */
export class LineClusterer {
  private readonly miner: TemplateMiner;
  private readonly ids: string[] = [];
  private readonly templates: string[] = [];
  private readonly interned = new Map<string, string>();

  constructor(options: Partial<MinerOptions> = DEFAULT_MINER_OPTIONS) {
    this.miner = new TemplateMiner(options);
  }

  /** Mines the next line. */
  add(line: string): void {
    const { clusterId, template } = this.miner.add(line);
    let shared = this.interned.get(template);
    if (shared === undefined) {
      shared = template;
      this.interned.set(template, template);
    }
    this.ids.push(clusterId);
    this.templates.push(shared);
  }

  /** Lines mined so far. */
  get size(): number {
    return this.ids.length;
  }

  /** Each line's cluster as it stands now, in input order. */
  *results(): Generator<LineCluster> {
    const finals = new Map(this.miner.clusters().map((c) => [c.id, c.template]));
    const resolved = new Map<string, string | undefined>();
    for (let i = 0; i < this.ids.length; i++) {
      const added = this.ids[i] as string;
      let id = resolved.get(added);
      if (!resolved.has(added)) {
        id = this.miner.resolve(added);
        resolved.set(added, id);
      }
      const template = id === undefined ? undefined : finals.get(id);
      yield id === undefined || template === undefined
        ? { line: i + 1, cluster: added, template: this.templates[i] as string }
        : { line: i + 1, cluster: id, template };
    }
  }
}

/** Mines the lines in order with one miner and answers each line's final cluster. */
export function clusterLines(
  lines: Iterable<string>,
  options: Partial<MinerOptions> = DEFAULT_MINER_OPTIONS,
): LineCluster[] {
  const clusterer = new LineClusterer(options);
  for (const line of lines) clusterer.add(line);
  return [...clusterer.results()];
}

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
 * Mines the lines in order with one miner, then answers each line's cluster
 * as it stands after the whole input: an id folded into another cluster
 * resolves to that cluster, and the template is its final one. A line whose
 * cluster was evicted (more distinct templates than the cap) keeps the id and
 * template it got when added. A blank line is a message with no tokens: all
 * blank lines share one cluster, with the empty template.
 */
export function clusterLines(
  lines: readonly string[],
  options: Partial<MinerOptions> = DEFAULT_MINER_OPTIONS,
): LineCluster[] {
  const miner = new TemplateMiner(options);
  const added = lines.map((line) => miner.add(line));
  const templates = new Map(miner.clusters().map((c) => [c.id, c.template]));
  return added.map((mined, i) => {
    const id = miner.resolve(mined.clusterId);
    const template = id === undefined ? undefined : templates.get(id);
    return id === undefined || template === undefined
      ? { line: i + 1, cluster: mined.clusterId, template: mined.template }
      : { line: i + 1, cluster: id, template };
  });
}

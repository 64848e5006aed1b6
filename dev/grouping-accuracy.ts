/**
 * Grouping accuracy (Zhu et al., ICSE-SEIP 2019): a message counts as correct
 * when the set of messages in its predicted cluster is exactly the set of
 * messages that share its true event. Returns correct / total (1 for none).
 */
export function groupingAccuracy(predicted: readonly string[], truth: readonly string[]): number {
  if (predicted.length !== truth.length) {
    throw new RangeError(`${predicted.length} predictions for ${truth.length} labels`);
  }
  if (truth.length === 0) return 1;
  const truthSize = new Map<string, number>();
  for (const t of truth) truthSize.set(t, (truthSize.get(t) ?? 0) + 1);
  // Per predicted cluster: its size and its true events (with counts).
  const clusters = new Map<string, Map<string, number>>();
  for (let i = 0; i < truth.length; i++) {
    const p = predicted[i] as string;
    let events = clusters.get(p);
    if (!events) {
      events = new Map();
      clusters.set(p, events);
    }
    const t = truth[i] as string;
    events.set(t, (events.get(t) ?? 0) + 1);
  }
  let correct = 0;
  for (const events of clusters.values()) {
    if (events.size !== 1) continue;
    const [event, n] = events.entries().next().value as [string, number];
    if (truthSize.get(event) === n) correct += n;
  }
  return correct / truth.length;
}

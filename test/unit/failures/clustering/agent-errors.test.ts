import { describe, expect, it } from 'vitest';
import { AGENT_ERROR_EVENTS, agentErrorSet } from '../../../../dev/agent-errors';
import { groupingAccuracy } from '../../../../dev/grouping-accuracy';
import { clusterLines } from '../../../../lib/failures/clustering/cluster-lines';

const messages = agentErrorSet();

/** True when the template holds the name as a whole word (not `gpt-<*>o` for `gpt-4o`). */
const holds = (template: string, name: string) =>
  new RegExp(`(?<![\\w.-])${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w-])`).test(template);
const lines = clusterLines(messages.map((m) => m.content));

describe('the synthetic agent and tool errors', () => {
  it('are grouped with a GA of 0.95 at least', () => {
    const ga = groupingAccuracy(
      lines.map((l) => l.cluster),
      messages.map((m) => m.event),
    );
    expect(ga).toBeGreaterThanOrEqual(0.95);
  });

  it.each(AGENT_ERROR_EVENTS.filter((e) => e.names.length > 0).map((e) => [e.event, e.names]))(
    '%s keeps %j whole in its template',
    (event, names) => {
      const templates = new Set(
        lines.filter((_, i) => messages[i]?.event === event).map((l) => l.template),
      );
      expect(templates.size).toBeGreaterThan(0);
      for (const template of templates) {
        for (const name of names)
          expect(holds(template, name), `${name} in ${template}`).toBe(true);
      }
    },
  );
});

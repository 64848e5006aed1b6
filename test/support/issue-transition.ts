import type { EscalationSubject } from '../../lib/failures/escalation/escalation';

/**
 * An issue's transition into escalating as the fold hands it to escalation,
 * at `now` (the escalation's id names the issue, the kind and the time).
 */
export function issueTransition(
  now: number,
  fields: { id?: string; issue?: Partial<EscalationSubject['issue']> } = {},
): EscalationSubject {
  const issueId = fields.issue?.id ?? '0123456789abcdef';
  const stamp = new Date(now).toISOString().replace(/[-:.]/g, '').toLowerCase();
  return {
    id: fields.id ?? `${issueId}-escalating-${stamp}`,
    issue: {
      id: issueId,
      endpoint: 'tools/call',
      template: 'connection refused to <*>',
      status: 'escalating',
      count: 12,
      first_seen: new Date(now - 60_000).toISOString(),
      last_seen: new Date(now - 1_000).toISOString(),
      samples: [],
      ...fields.issue,
    },
    transition: {
      kind: 'escalating',
      at: new Date(now).toISOString(),
      current: 12,
      baseline: 0,
      threshold: 10,
    },
  };
}

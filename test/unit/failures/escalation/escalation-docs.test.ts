import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { IssueEscalationPayloadSchema } from '../../../../lib/failures/escalation/escalation-payload';
import { EscalationRecordSchema } from '../../../../lib/failures/escalation/escalation-record';

// docs/escalation.md shows a payload and a record, which no route answers:
// they are checked here against the schemas the code writes them with.

const doc = readFileSync('docs/escalation.md', 'utf-8');

/** The JSON block right after the annotation `<!-- no route: {what} -->`. */
function exampleAfter(what: string): unknown {
  const from = doc.indexOf(`<!-- no route: ${what} -->`);
  const block = /```json\n([\s\S]*?)```/.exec(doc.slice(from))?.[1];
  if (from < 0 || block === undefined) throw new Error(`no example of ${what}`);
  return JSON.parse(block);
}

describe('docs/escalation.md', () => {
  it('shows a payload the code would send, with no field it would not', () => {
    const payload = exampleAfter('the body POSTed to OBSERVER_ESCALATION_URL');

    const parsed = IssueEscalationPayloadSchema.strict().safeParse(payload);

    expect(parsed.error?.issues ?? []).toEqual([]);
  });

  it('shows a record the code would write (its payload aside)', () => {
    const { payload, ...record } = exampleAfter('an escalation record stored in S3') as Record<
      string,
      unknown
    >;

    const parsed = EscalationRecordSchema.omit({ payload: true }).strict().safeParse(record);

    expect(parsed.error?.issues ?? []).toEqual([]);
    expect(payload).toBeDefined();
  });
});

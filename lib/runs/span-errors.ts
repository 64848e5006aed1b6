import { z } from 'zod';
import { SpanErrorSchema } from '../otlp/log-errors';
import { mapLimit } from '../platform/concurrency';
import { parseJson } from '../platform/json';
import { log } from '../platform/log';
import { spanErrorsPrefix } from '../storage/keys';
import type { SegmentStore } from '../storage/store';

const DocumentSchema = z.object({ errors: z.array(SpanErrorSchema) });

/**
 * What error logs said about the spans of one run (span id → error text),
 * as the logs route kept them: one listing, and one read per logs request
 * that named the run (usually none or one). An unreadable document is
 * skipped with a warning.
 */
export async function spanErrorsOf(
  store: SegmentStore,
  traceId: string,
): Promise<Map<string, string>> {
  const keys: string[] = [];
  for await (const page of store.listObjects(spanErrorsPrefix(traceId))) keys.push(...page);
  const docs = await mapLimit(keys, 8, (k) => store.getDocument(k));
  const out = new Map<string, string>();
  docs.forEach((text, i) => {
    const parsed = DocumentSchema.safeParse(parseJson(text ?? ''));
    if (!parsed.success) {
      log.warn('span errors unreadable; skipped', { key: keys[i] });
      return;
    }
    for (const e of parsed.data.errors) if (!out.has(e.span_id)) out.set(e.span_id, e.error);
  });
  return out;
}

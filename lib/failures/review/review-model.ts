import { z } from 'zod';
import type { ObservedOp } from '../../domain/op';
import type { Config } from '../../platform/config';
import { messageOf } from '../../platform/log';
import type { ModelOpinion, Review } from './review';
import { REVIEW_ACTIONS, type ReviewAction } from './review-rules';

/** Where the fallback model is and how long it is waited for. */
export type ReviewModelConfig = NonNullable<Config['reviewModel']>;

/** The largest model answer read, in bytes. */
const MAX_ANSWER_BYTES = 64 * 1024;

/** Each free-text op field is cut to this many characters in the prompt. */
const MAX_FIELD_CHARS = 2_000;

const SYSTEM_PROMPT = [
  'You review one failed operation of an autonomous agent loop for its operators.',
  'Heuristic rules found nothing conclusive: its failure cluster is known and steady, and',
  'neither its staffer nor its endpoint is on a failure streak.',
  `Answer with one JSON object and nothing else: {"action": one of ${REVIEW_ACTIONS.map((a) => `"${a}"`).join(', ')},`,
  '"reason": one or two sentences for the operator}.',
].join(' ');

const ChatCompletionSchema = z.object({
  choices: z
    .array(z.object({ message: z.object({ content: z.string() }) }))
    .min(1, { error: 'no choices' }),
});

const OpinionSchema = z.object({
  action: z.enum(REVIEW_ACTIONS),
  reason: z.string().trim().min(1).max(2_000),
});

/** The model's answer could not be used: the message says why. */
export class ModelAnswerError extends Error {
  override name = 'ModelAnswerError';
}

/**
 * Asks an OpenAI-compatible chat-completions endpoint for an action on an
 * inconclusive review, within `timeoutMs`. Never throws: a timeout, a
 * refused request or an answer that is not `{"action", "reason"}` comes
 * back as `{ error }`.
 */
export async function askModel(
  config: ReviewModelConfig,
  review: Review,
  op: ObservedOp,
): Promise<ModelOpinion> {
  const signal = AbortSignal.timeout(config.timeoutMs);
  try {
    const res = await fetch(config.url, {
      method: 'POST',
      signal,
      headers: {
        'content-type': 'application/json',
        ...(config.key ? { authorization: `Bearer ${config.key}` } : {}),
      },
      body: JSON.stringify(chatRequest(config.model, review, op)),
    });
    const text = await res.text();
    if (!res.ok) throw new ModelAnswerError(`the model answered HTTP ${res.status}`);
    return { name: config.model, ...opinionFrom(text) };
  } catch (err: unknown) {
    if (signal.aborted) return { error: `the model did not answer within ${config.timeoutMs} ms` };
    if (err instanceof ModelAnswerError) return { error: err.message };
    return { error: `the model could not be reached: ${messageOf(err)}` };
  }
}

/** The op fields a model is shown besides the review's summary of the op. */
const CONTEXT_FIELDS = ['event_kind', 'role', 'duration_ms', 'input_summary', 'output_summary'];

/** The chat-completions request: the rules' findings and the op's own words, as JSON. */
export function chatRequest(
  model: string,
  review: Review,
  op: ObservedOp,
): Record<string, unknown> {
  const context = Object.fromEntries(CONTEXT_FIELDS.map((f) => [f, op[f]]));
  const facts = {
    op: clip({ ...review.op, ...context }),
    cluster: review.cluster,
    streaks: review.streaks,
    rules: review.rules,
  };
  return {
    model,
    temperature: 0,
    messages: [
      { role: 'system', content: SYSTEM_PROMPT },
      { role: 'user', content: JSON.stringify(facts) },
    ],
  };
}

/** The action and reason in a chat-completions answer, or a ModelAnswerError saying why not. */
export function opinionFrom(text: string): { action: ReviewAction; reason: string } {
  if (Buffer.byteLength(text) > MAX_ANSWER_BYTES) {
    throw new ModelAnswerError(`malformed answer: longer than ${MAX_ANSWER_BYTES} bytes`);
  }
  const completion = ChatCompletionSchema.safeParse(parseOrUndefined(text));
  if (!completion.success) {
    throw new ModelAnswerError('malformed answer: not a chat completion with a message');
  }
  const content = completion.data.choices[0]?.message.content ?? '';
  // Models often wrap JSON in a fenced block.
  const unfenced = content.replace(/^\s*```(?:json)?\s*|\s*```\s*$/g, '');
  const opinion = OpinionSchema.safeParse(parseOrUndefined(unfenced));
  if (!opinion.success) {
    throw new ModelAnswerError(
      `malformed answer: the message is not {"action": one of ${REVIEW_ACTIONS.join('|')}, "reason": text}`,
    );
  }
  return opinion.data;
}

function parseOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function clip(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(fields)
      .filter(([, v]) => ['string', 'number', 'boolean'].includes(typeof v))
      .map(([k, v]) => [k, typeof v === 'string' ? v.slice(0, MAX_FIELD_CHARS) : v]),
  );
}

import { z } from 'zod';
import { FieldIssueSchema } from '../domain/op';

// The answers to POST /observer/event and /observer/events: the code builds
// them with these types, and the API description is generated from them.

const index = z.number().int().nonnegative().describe("the op's place in the request, from 0");
const key = z
  .string()
  .describe('the S3 object, below the configured prefix, that holds the ops written');

/** Why one op of a request was refused: 400 for a wrong field, 413 for an op over 64 KiB. */
export const RejectionSchema = z.object({
  index,
  status: z.union([z.literal(400), z.literal(413)]),
  error: z.string(),
  fields: z.array(FieldIssueSchema).optional().describe('with a 400: every field that failed'),
});
export type Rejection = z.infer<typeof RejectionSchema>;

/** An op of a batch that was recorded (or already was: `duplicate`). */
export const AcceptedOpSchema = z.object({
  index,
  id: z.string().optional().describe("the op's id, when it has one"),
  duplicate: z
    .literal(true)
    .optional()
    .describe('the id was already recorded: counted once, not written again'),
});
export type AcceptedOp = z.infer<typeof AcceptedOpSchema>;

const opEcho = {
  ok: z.literal(true),
  timestamp: z.string().describe("the op's timestamp: as sent, or the receive time"),
  source: z.string(),
};

/** 201 to one op: it is in S3 under `key`. */
export const EventAnswerSchema = z.object({
  ...opEcho,
  id: z.string().optional().describe("the op's id, when it has one"),
  key,
});
export type EventAnswer = z.infer<typeof EventAnswerSchema>;

/** 200 to one op whose id was already recorded: nothing was written. */
export const EventDuplicateAnswerSchema = z.object({
  ...opEcho,
  id: z.string().optional().describe('the id already recorded (only an op with an id is one)'),
  duplicate: z.literal(true),
});
export type EventDuplicateAnswer = z.infer<typeof EventDuplicateAnswerSchema>;

const batch = {
  key: key.nullable().describe('the S3 object written; null when every op was a duplicate'),
  accepted: z.array(AcceptedOpSchema),
};

/** 201 to a batch: every op recorded. */
export const BatchAnswerSchema = z.object({
  ok: z.literal(true),
  ...batch,
  rejected: z.array(RejectionSchema).max(0),
});

/** 207 to a batch: the valid ops recorded, the others refused one by one. */
export const BatchPartialAnswerSchema = z.object({
  ok: z.literal(false),
  ...batch,
  rejected: z.array(RejectionSchema).min(1),
});
export type BatchAnswer =
  | z.infer<typeof BatchAnswerSchema>
  | z.infer<typeof BatchPartialAnswerSchema>;

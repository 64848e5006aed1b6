import { z } from 'zod';
import { InvalidInputError } from './errors';
import { describeIssues, type FieldIssue } from './op';

/** Query parameters as API Gateway hands them over (a repeated one arrives comma-joined). */
export type QueryParams = Record<string, string | undefined> | undefined;

/** A `limit` parameter: a whole number from 1 to `max`, as digits. */
export function limitParam(max: number) {
  const error = `must be a whole number from 1 to ${max}`;
  return z
    .string()
    .regex(/^\d{1,9}$/, { error })
    .transform(Number)
    .refine((n) => n >= 1 && n <= max, { error });
}

/**
 * Parses a route's query parameters with its schema, or throws a 400 that
 * names every bad parameter and why (an unknown one included), as
 * `{"error": "invalid query: limit: …", "fields": [{"field", "message"}]}`.
 */
export function parseQuery<T extends z.ZodType>(schema: T, params: QueryParams): z.output<T> {
  const parsed = schema.safeParse(params ?? {});
  if (parsed.success) return parsed.data;
  const fields = parsed.error.issues.flatMap((i) => toQueryIssues(i));
  throw new InvalidInputError(`invalid query: ${describeIssues(fields)}`, { fields });
}

/**
 * Parses a JSON request body with its schema, or throws a 400 that names
 * every bad field and why (an unknown one included), as
 * `{"error": "invalid body: status: …", "fields": [{"field", "message"}]}`.
 */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const fields = parsed.error.issues.flatMap((i) =>
    toQueryIssues(i, 'is not a field of this body', '(body)'),
  );
  throw new InvalidInputError(`invalid body: ${describeIssues(fields)}`, { fields });
}

function toQueryIssues(
  issue: z.core.$ZodIssue,
  unknown = 'is not a parameter of this route',
  whole = '(query)',
): FieldIssue[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((field) => ({ field, message: unknown }));
  }
  const field = issue.path.length > 0 ? issue.path.map(String).join('.') : whole;
  return [{ field, message: issue.message }];
}

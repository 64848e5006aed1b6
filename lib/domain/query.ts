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
  const fields = parsed.error.issues.flatMap(toQueryIssues);
  throw new InvalidInputError(`invalid query: ${describeIssues(fields)}`, { fields });
}

function toQueryIssues(issue: z.core.$ZodIssue): FieldIssue[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((field) => ({ field, message: 'is not a parameter of this route' }));
  }
  const field = issue.path.length > 0 ? issue.path.map(String).join('.') : '(query)';
  return [{ field, message: issue.message }];
}

import type { S3Client } from '@aws-sdk/client-s3';

/** S3 calls a client makes, by command name, counting every HTTP attempt. */
export function countRequests(client: S3Client): Record<string, number> {
  const counts: Record<string, number> = {};
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = String(context.commandName ?? 'unknown');
      counts[name] = (counts[name] ?? 0) + 1;
      return next(args);
    },
    { step: 'deserialize', name: 'countRequests' },
  );
  return counts;
}

import { z } from 'zod';

/** The deployed version, set at build time by serverless.yml; `dev` when unset (tests). */
export const SERVICE_VERSION = process.env.OBSERVER_VERSION ?? 'dev';

/** The health route's answer: liveness, the version, and this container's ring. */
export const HealthAnswerSchema = z.object({
  status: z.literal('ok'),
  version: z.string().describe('OBSERVER_VERSION of the deployment; "dev" when unset'),
  cold_start: z.boolean().describe('true for the first request the container serves'),
  loaded: z.boolean().describe("whether this container's ring is loaded (never on AWS)"),
  ring_size: z.number().int().nonnegative(),
  ring_cap: z.number().int().positive(),
});
export type HealthAnswer = z.infer<typeof HealthAnswerSchema>;

import { z } from 'zod';
import { parseApiKeys } from './api-keys';
import {
  COMPACT_LIMITS,
  DEFAULT_RING_CAP,
  ESCALATION_LIMITS,
  LOCAL_S3_CREDENTIALS,
  MIN_SECRET_LENGTH,
  MIN_SKEW_MS,
  MIN_TOKEN_LENGTH,
  REVIEW_MODEL_TIMEOUT_MS,
} from './limits';
import { DEFAULT_MODEL_PRICES, PriceTableSchema } from './prices';

// serverless-offline hands unset `${env:X, ''}` variables over as "": treat them as unset.
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

const intInRange = (name: string, min: number, max: number) => {
  const error = `${name} must be a whole number from ${min} to ${max}`;
  return z.coerce.number({ error }).int({ error }).min(min, { error }).max(max, { error });
};

const ssmParameterName = (name: string, example: string) =>
  z
    .string()
    .max(2048, { error: `${name} must be at most 2048 characters` })
    .regex(/^\/?[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/, {
      error: `${name} must be an SSM parameter name such as ${example}`,
    });

// The list is checked entry by entry; a problem never repeats an entry (it may be a pasted key).
const apiKeyList = z.string().transform((text, ctx) => {
  const parsed = parseApiKeys(text);
  for (const problem of parsed.problems ?? []) {
    ctx.addIssue({ code: 'custom', message: `OBSERVER_API_KEYS: ${problem}` });
  }
  return parsed.entries ?? [];
});

// A JSON object of model → {input, output}, US dollars per million tokens.
const modelPrices = z.string().transform((text, ctx) => {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    ctx.addIssue({
      code: 'custom',
      message:
        'OBSERVER_MODEL_PRICES must be a JSON object such as {"gpt-4o":{"input":2.5,"output":10}}',
    });
    return z.NEVER;
  }
  const parsed = PriceTableSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) {
    const where = issue.path.map(String).join('.');
    ctx.addIssue({ code: 'custom', message: `OBSERVER_MODEL_PRICES: ${where}: ${issue.message}` });
  }
  return z.NEVER;
});

/** The environment the functions read, validated once per cold start. */
export const ConfigSchema = z
  .object({
    OBSERVER_BUCKET: z
      .string({ error: 'OBSERVER_BUCKET is required (the S3 bucket that holds the ops)' })
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, {
        error:
          'OBSERVER_BUCKET must be an S3 bucket name: 3 to 63 lowercase letters, digits, dots and hyphens',
      }),
    OBSERVER_PREFIX: optional(
      z
        .string()
        .regex(/^[A-Za-z0-9!_.*'()/-]*$/, {
          error: "OBSERVER_PREFIX may hold only letters, digits, / and !_.*'()-",
        })
        .refine((p) => !p.startsWith('/'), { error: 'OBSERVER_PREFIX must not start with /' }),
    ),
    S3_ENDPOINT: optional(
      z.url({
        protocol: /^https?$/,
        error: 'S3_ENDPOINT must be an http(s) URL such as http://127.0.0.1:4569',
      }),
    ),
    S3_ACCESS_KEY_ID: optional(z.string()),
    S3_SECRET_ACCESS_KEY: optional(z.string()),
    OBSERVER_RING_CAP: optional(intInRange('OBSERVER_RING_CAP', 1, 100_000)),
    OBSERVER_API_TOKEN: optional(
      z.string().min(MIN_TOKEN_LENGTH, {
        error: `OBSERVER_API_TOKEN must be at least ${MIN_TOKEN_LENGTH} characters`,
      }),
    ),
    OBSERVER_API_TOKEN_PARAM: optional(
      ssmParameterName('OBSERVER_API_TOKEN_PARAM', '/observer/api-token'),
    ),
    OBSERVER_API_KEYS: optional(apiKeyList),
    OBSERVER_API_KEYS_PARAM: optional(
      ssmParameterName('OBSERVER_API_KEYS_PARAM', '/observer/api-keys'),
    ),
    OBSERVER_API_KEYS_TTL_SECONDS: optional(intInRange('OBSERVER_API_KEYS_TTL_SECONDS', 1, 3600)),
    OBSERVER_SKEW_MS: optional(
      intInRange('OBSERVER_SKEW_MS', MIN_SKEW_MS, 3_600_000).describe(
        'a write may land this long after its key is stamped',
      ),
    ),
    OBSERVER_COLD_START_HOURS: optional(intInRange('OBSERVER_COLD_START_HOURS', 0, 24 * 90)),
    OBSERVER_RETRY_WINDOW_MINUTES: optional(
      intInRange('OBSERVER_RETRY_WINDOW_MINUTES', 1, 60).describe(
        'a copy of an op id stored less than this after another is a retry',
      ),
    ),
    OBSERVER_MAX_STALENESS_MS: optional(
      intInRange('OBSERVER_MAX_STALENESS_MS', 0, 60_000).describe(
        'a read answers from a ring listed less than this long ago without listing again',
      ),
    ),
    OBSERVER_CHECKPOINT_INTERVAL_MS: optional(
      intInRange('OBSERVER_CHECKPOINT_INTERVAL_MS', 500, 30_000).describe(
        'while ops arrive, the snapshot function writes the checkpoint this often',
      ),
    ),
    OBSERVER_COMPACT_AFTER_HOURS: optional(
      intInRange(
        'OBSERVER_COMPACT_AFTER_HOURS',
        COMPACT_LIMITS.afterHours.min,
        COMPACT_LIMITS.afterHours.max,
      ),
    ),
    OBSERVER_COMPACT_LOOKBACK_HOURS: optional(
      intInRange(
        'OBSERVER_COMPACT_LOOKBACK_HOURS',
        COMPACT_LIMITS.lookbackHours.min,
        COMPACT_LIMITS.lookbackHours.max,
      ),
    ),
    OBSERVER_COMPACT_QUEUE_URL: optional(
      z.url({ protocol: /^https?$/, error: 'OBSERVER_COMPACT_QUEUE_URL must be an SQS queue URL' }),
    ),
    OBSERVER_REVIEW_LLM_URL: optional(
      z.url({
        protocol: /^https?$/,
        error:
          'OBSERVER_REVIEW_LLM_URL must be an http(s) URL of a chat-completions endpoint, such as https://api.openai.com/v1/chat/completions',
      }),
    ),
    OBSERVER_REVIEW_LLM_MODEL: optional(
      z.string().max(256, { error: 'OBSERVER_REVIEW_LLM_MODEL must be at most 256 characters' }),
    ),
    OBSERVER_REVIEW_LLM_KEY: optional(z.string()),
    OBSERVER_MODEL_PRICES: optional(modelPrices),
    ...escalationVariables(),
    AWS_REGION: optional(z.string()),
  })
  .refine(
    (env) => env.OBSERVER_API_TOKEN === undefined || env.OBSERVER_API_TOKEN_PARAM === undefined,
    {
      error: 'set OBSERVER_API_TOKEN or OBSERVER_API_TOKEN_PARAM, not both',
    },
  )
  .refine(
    (env) => env.OBSERVER_API_KEYS === undefined || env.OBSERVER_API_KEYS_PARAM === undefined,
    { error: 'set OBSERVER_API_KEYS or OBSERVER_API_KEYS_PARAM, not both' },
  )
  .refine(
    (env) =>
      env.OBSERVER_REVIEW_LLM_URL === undefined || env.OBSERVER_REVIEW_LLM_MODEL !== undefined,
    { error: 'OBSERVER_REVIEW_LLM_MODEL is required with OBSERVER_REVIEW_LLM_URL' },
  )
  .transform((env) => ({
    bucket: env.OBSERVER_BUCKET,
    prefix: normalizePrefix(env.OBSERVER_PREFIX ?? ''),
    s3Endpoint: env.S3_ENDPOINT,
    // Only with S3_ENDPOINT; s3rver's fixed account is the default.
    s3Credentials: {
      accessKeyId: env.S3_ACCESS_KEY_ID ?? LOCAL_S3_CREDENTIALS.accessKeyId,
      secretAccessKey: env.S3_SECRET_ACCESS_KEY ?? LOCAL_S3_CREDENTIALS.secretAccessKey,
    },
    ringCap: env.OBSERVER_RING_CAP ?? DEFAULT_RING_CAP,
    apiToken: env.OBSERVER_API_TOKEN,
    apiTokenParam: env.OBSERVER_API_TOKEN_PARAM,
    // Scope and SHA-256 of each key: the keys themselves are never configured.
    apiKeys: env.OBSERVER_API_KEYS,
    apiKeysParam: env.OBSERVER_API_KEYS_PARAM,
    // How long a container keeps what it read from either SSM parameter.
    credentialsTtlMs: (env.OBSERVER_API_KEYS_TTL_SECONDS ?? 300) * 1000,
    skewMs: env.OBSERVER_SKEW_MS ?? 15_000,
    coldStartHours: env.OBSERVER_COLD_START_HOURS ?? 168,
    retryWindowMs: (env.OBSERVER_RETRY_WINDOW_MINUTES ?? 10) * 60_000,
    maxStalenessMs: env.OBSERVER_MAX_STALENESS_MS ?? 5_000,
    checkpointIntervalMs: env.OBSERVER_CHECKPOINT_INTERVAL_MS ?? 2_000,
    compactAfterHours: env.OBSERVER_COMPACT_AFTER_HOURS ?? 0,
    compactLookbackHours: env.OBSERVER_COMPACT_LOOKBACK_HOURS ?? 48,
    // Where compact sends the units it plans; without one it runs them itself.
    compactQueueUrl: env.OBSERVER_COMPACT_QUEUE_URL,
    region: env.AWS_REGION ?? 'us-east-1',
    // The defaults, with the operator's rows over them (docs/configuration.md).
    modelPrices: { ...DEFAULT_MODEL_PRICES, ...env.OBSERVER_MODEL_PRICES },
    // The review's fallback model: only with a URL; never logged (the key is a secret).
    reviewModel:
      env.OBSERVER_REVIEW_LLM_URL === undefined
        ? undefined
        : {
            url: env.OBSERVER_REVIEW_LLM_URL,
            model: env.OBSERVER_REVIEW_LLM_MODEL ?? '',
            key: env.OBSERVER_REVIEW_LLM_KEY,
            timeoutMs: REVIEW_MODEL_TIMEOUT_MS,
          },
    // Never logged: the secret signs what the receiver trusts.
    escalation: {
      url: env.OBSERVER_ESCALATION_URL,
      secret: env.OBSERVER_ESCALATION_SECRET,
      minCount: env.OBSERVER_ESCALATE_MIN_COUNT ?? ESCALATION_LIMITS.minCount.default,
      windowMinutes:
        env.OBSERVER_ESCALATE_WINDOW_MINUTES ?? ESCALATION_LIMITS.windowMinutes.default,
      growth: env.OBSERVER_ESCALATE_GROWTH ?? ESCALATION_LIMITS.growth.default,
      cooldownMinutes:
        env.OBSERVER_ESCALATE_COOLDOWN_MINUTES ?? ESCALATION_LIMITS.cooldownMinutes.default,
    },
  }));

export type Config = z.output<typeof ConfigSchema>;

/** Where escalations go and when a failure cluster is escalated. */
export type EscalationConfig = Config['escalation'];

// The escalation variables (docs/escalation.md): the receiver, its secret and the thresholds.
function escalationVariables() {
  const { minCount, windowMinutes, growth, cooldownMinutes } = ESCALATION_LIMITS;
  return {
    OBSERVER_ESCALATION_URL: optional(
      z.url({
        protocol: /^https?$/,
        error: 'OBSERVER_ESCALATION_URL must be an http(s) URL such as https://team.example/hooks',
      }),
    ),
    OBSERVER_ESCALATION_SECRET: optional(
      z.string().min(MIN_SECRET_LENGTH, {
        error: `OBSERVER_ESCALATION_SECRET must be at least ${MIN_SECRET_LENGTH} characters`,
      }),
    ),
    OBSERVER_ESCALATE_MIN_COUNT: optional(
      intInRange('OBSERVER_ESCALATE_MIN_COUNT', minCount.min, minCount.max),
    ),
    OBSERVER_ESCALATE_WINDOW_MINUTES: optional(
      intInRange('OBSERVER_ESCALATE_WINDOW_MINUTES', windowMinutes.min, windowMinutes.max),
    ),
    OBSERVER_ESCALATE_GROWTH: optional(
      z.coerce
        .number({ error: 'OBSERVER_ESCALATE_GROWTH must be a number such as 3 or 2.5' })
        .min(growth.min, { error: `OBSERVER_ESCALATE_GROWTH must be >= ${growth.min}` })
        .max(growth.max, { error: `OBSERVER_ESCALATE_GROWTH must be <= ${growth.max}` }),
    ),
    OBSERVER_ESCALATE_COOLDOWN_MINUTES: optional(
      intInRange('OBSERVER_ESCALATE_COOLDOWN_MINUTES', cooldownMinutes.min, cooldownMinutes.max),
    ),
  };
}

/** A configuration value is missing or bad; the message names it. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

// Never repeated in a message.
const SECRETS = new Set([
  'OBSERVER_API_TOKEN',
  // Hashes, but an entry may be a key pasted in by mistake.
  'OBSERVER_API_KEYS',
  'S3_ACCESS_KEY_ID',
  'S3_SECRET_ACCESS_KEY',
  'OBSERVER_ESCALATION_SECRET',
  'OBSERVER_REVIEW_LLM_KEY',
]);

/**
 * Parses the environment or throws a ConfigError naming every bad variable,
 * what it allows and (but for a secret) the value it was given.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => {
      const name = i.path[0];
      if (typeof name !== 'string' || SECRETS.has(name) || env[name] === undefined) {
        return i.message;
      }
      return `${i.message} (got ${JSON.stringify(env[name])})`;
    });
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  return parsed.data;
}

// A prefix is a folder: "tenant-a" and "tenant-a/" both mean keys under "tenant-a/".
function normalizePrefix(prefix: string): string {
  return prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
}

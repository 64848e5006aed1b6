import { z } from 'zod';

// The per-model price table that turns token counts into cost. The defaults
// are list prices in US dollars per million tokens as the providers
// published them when this table was written; an operator sets their own
// (or more models) with OBSERVER_MODEL_PRICES, which is merged over these.

/** The price of a model: US dollars per million input and per million output tokens. */
export const ModelPriceSchema = z.strictObject({
  input: z.number({ error: 'input must be a number' }).nonnegative({ error: 'input must be >= 0' }),
  output: z
    .number({ error: 'output must be a number' })
    .nonnegative({ error: 'output must be >= 0' }),
});
export type ModelPrice = z.infer<typeof ModelPriceSchema>;

/** Model name → price. */
export type PriceTable = Readonly<Record<string, ModelPrice>>;

/** The defaults: a starting point, not a quote. Check your provider's prices and set your own. */
export const DEFAULT_MODEL_PRICES: PriceTable = {
  'gpt-4o': { input: 2.5, output: 10 },
  'gpt-4o-mini': { input: 0.15, output: 0.6 },
  'gpt-4.1': { input: 2, output: 8 },
  'gpt-4.1-mini': { input: 0.4, output: 1.6 },
  'gpt-4.1-nano': { input: 0.1, output: 0.4 },
  o3: { input: 2, output: 8 },
  'o3-mini': { input: 1.1, output: 4.4 },
  'o4-mini': { input: 1.1, output: 4.4 },
  'claude-3-5-haiku': { input: 0.8, output: 4 },
  'claude-3-5-sonnet': { input: 3, output: 15 },
  'claude-3-7-sonnet': { input: 3, output: 15 },
  'claude-sonnet-4': { input: 3, output: 15 },
  'claude-opus-4': { input: 15, output: 75 },
  'gemini-2.0-flash': { input: 0.1, output: 0.4 },
  'gemini-2.5-flash': { input: 0.3, output: 2.5 },
  'gemini-2.5-pro': { input: 1.25, output: 10 },
  'text-embedding-3-small': { input: 0.02, output: 0 },
  'text-embedding-3-large': { input: 0.13, output: 0 },
};

/** The table OBSERVER_MODEL_PRICES holds: a JSON object of model → {input, output}. */
export const PriceTableSchema = z.record(
  z.string().min(1, { error: 'a model name must not be empty' }),
  ModelPriceSchema,
);

/**
 * The price of a model: its own row, else the row of the longest name it
 * begins with followed by `-`, `:`, `@` or `.` (so `gpt-4o-mini-2024-07-18`
 * is priced as `gpt-4o-mini`, `gpt-4o-2024-08-06` as `gpt-4o`); undefined
 * when no row fits.
 */
export function priceOf(model: string, table: PriceTable): ModelPrice | undefined {
  const exact = table[model];
  if (exact !== undefined) return exact;
  let best: string | undefined;
  for (const name of Object.keys(table)) {
    if (!model.startsWith(name) || !'-:@.'.includes(model.charAt(name.length))) continue;
    if (best === undefined || name.length > best.length) best = name;
  }
  return best === undefined ? undefined : table[best];
}

/** The cost in US dollars of these tokens at this price, to a millionth of a dollar. */
export function costOf(tokens: { input: number; output: number }, price: ModelPrice): number {
  const usd = (tokens.input * price.input + tokens.output * price.output) / 1_000_000;
  return Math.round(usd * 1_000_000) / 1_000_000;
}

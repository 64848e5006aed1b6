import { z } from 'zod';
import { costOf, type PriceTable, priceOf } from '../platform/prices';
import {
  NO_MODEL,
  type Stats,
  StatsSchema,
  type Tokens,
  type Usage,
  UsageSchema,
} from '../ring/ring';

// Tokens priced: each model's usage at its price in the table (configured
// over the defaults), summed per agent and in total. A model the table does
// not know has a cost of null and is named in `unpriced_models`.

const cost = z
  .number()
  .nonnegative()
  .nullable()
  .describe('US dollars at the price table; null when no price is known for the model');

/** Usage with its cost. */
export const PricedUsageSchema = UsageSchema.extend({ cost_usd: cost });
export type PricedUsage = z.infer<typeof PricedUsageSchema>;

/** The tokens section of an answer: totals, per model, per agent (and model), and what has no price. */
export const PricedTokensSchema = z.object({
  total: PricedUsageSchema.describe('every counted op; cost_usd sums the priced models only'),
  by_model: z.record(z.string(), PricedUsageSchema),
  by_agent: z.record(
    z.string(),
    PricedUsageSchema.extend({ by_model: z.record(z.string(), PricedUsageSchema) }),
  ),
  unpriced_models: z.array(z.string()).describe('models with tokens and no price in the table'),
});
export type PricedTokens = z.infer<typeof PricedTokensSchema>;

/** The stats answer: the ring's stats with its tokens priced. */
export const StatsAnswerSchema = StatsSchema.extend({ tokens: PricedTokensSchema });
export type StatsAnswer = z.infer<typeof StatsAnswerSchema>;

const round = (usd: number) => Math.round(usd * 1_000_000) / 1_000_000;

/** One model's usage at its price (null cost without one). */
export function priceUsage(model: string, usage: Usage, prices: PriceTable): PricedUsage {
  const price = model === NO_MODEL ? undefined : priceOf(model, prices);
  const usd =
    price === undefined
      ? null
      : costOf({ input: usage.input_tokens, output: usage.output_tokens }, price);
  return { ...usage, cost_usd: usd };
}

/** Usages summed, costs of the priced ones summed (null when none had a price but some had tokens). */
function sum(items: readonly PricedUsage[]): PricedUsage {
  const total = { ops: 0, input_tokens: 0, output_tokens: 0, cost_usd: 0 };
  let priced = items.length === 0;
  for (const u of items) {
    total.ops += u.ops;
    total.input_tokens += u.input_tokens;
    total.output_tokens += u.output_tokens;
    if (u.cost_usd !== null) {
      total.cost_usd += u.cost_usd;
      priced = true;
    }
  }
  return { ...total, cost_usd: priced ? round(total.cost_usd) : null };
}

/** The tokens section priced with the table. */
export function priceTokens(tokens: Tokens, prices: PriceTable): PricedTokens {
  const pricedModels = (models: Record<string, Usage>) =>
    Object.fromEntries(Object.entries(models).map(([m, u]) => [m, priceUsage(m, u, prices)]));
  const byModel = pricedModels(tokens.by_model);
  const byAgent = Object.fromEntries(
    Object.entries(tokens.by_agent).map(([agent, { by_model }]) => {
      const models = pricedModels(by_model);
      return [agent, { ...sum(Object.values(models)), by_model: models }];
    }),
  );
  return {
    total: sum(Object.values(byModel)),
    by_model: byModel,
    by_agent: byAgent,
    unpriced_models: Object.entries(byModel)
      .filter(([, u]) => u.cost_usd === null)
      .map(([m]) => m),
  };
}

/** The stats answer of a ring's stats. */
export function pricedStats(stats: Stats, prices: PriceTable): StatsAnswer {
  return { ...stats, tokens: priceTokens(stats.tokens, prices) };
}

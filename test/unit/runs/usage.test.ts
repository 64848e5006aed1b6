import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../lib/platform/config';
import { DEFAULT_MODEL_PRICES, priceOf } from '../../../lib/platform/prices';
import { Ring } from '../../../lib/ring/ring';
import { pricedStats } from '../../../lib/runs/usage';
import { op } from '../../support/ops';

// Tokens per model and per agent, kept by the ring as ops enter and leave,
// and priced with the price table an operator can override.

const PRICES = {
  'gpt-4o-mini': { input: 0.15, output: 0.6 },
  'gpt-4o': { input: 2.5, output: 10 },
};

function ringOf(...ops: ReturnType<typeof op>[]): Ring {
  const ring = new Ring(3);
  ops.forEach((o, i) => {
    ring.insert({ key: `ops/2026/11/24/21/20261124T2100000${i}0Z-a${i}.jsonl`, line: 0, op: o });
  });
  return ring;
}

describe('tokens in stats', () => {
  it('totals tokens per model and per agent, priced, with the models that have no price', () => {
    const ring = ringOf(
      op('plan', {
        staffer_id: 'researcher',
        model: 'gpt-4o-mini-2024-07-18',
        input_tokens: 1000,
        output_tokens: 100,
      }),
      op('answer', {
        staffer_id: 'researcher',
        model: 'gpt-4o',
        input_tokens: 2000,
        output_tokens: 500,
      }),
      op('local', {
        staffer_id: 'writer',
        model: 'llama-local',
        input_tokens: 7,
        output_tokens: 3,
      }),
    );

    const { tokens } = pricedStats(ring.stats(), PRICES);

    expect(tokens.by_model).toEqual({
      'gpt-4o': { ops: 1, input_tokens: 2000, output_tokens: 500, cost_usd: 0.01 },
      'gpt-4o-mini-2024-07-18': {
        ops: 1,
        input_tokens: 1000,
        output_tokens: 100,
        cost_usd: 0.00021,
      },
      'llama-local': { ops: 1, input_tokens: 7, output_tokens: 3, cost_usd: null },
    });
    expect(tokens.by_agent.researcher).toMatchObject({
      ops: 2,
      input_tokens: 3000,
      output_tokens: 600,
      cost_usd: 0.01021,
    });
    expect(tokens.by_agent.writer).toMatchObject({ ops: 1, cost_usd: null });
    expect(tokens.total).toEqual({
      ops: 3,
      input_tokens: 3007,
      output_tokens: 603,
      cost_usd: 0.01021,
    });
    expect(tokens.unpriced_models).toEqual(['llama-local']);
  });

  it('takes an op out of the totals when it leaves the ring', () => {
    const ring = ringOf(
      op('a', { model: 'gpt-4o', input_tokens: 10 }),
      op('b'),
      op('c'),
      op('d', { model: 'gpt-4o', input_tokens: 1 }),
    );

    expect(ring.stats().tokens.by_model).toEqual({
      'gpt-4o': { ops: 1, input_tokens: 1, output_tokens: 0 },
    });
    expect(ring.stats().tokens.by_agent['(none)']?.ops).toBe(1);
  });

  it('counts tokens without a model under (unknown), unpriced', () => {
    const { tokens } = pricedStats(ringOf(op('a', { input_tokens: 5 })).stats(), PRICES);

    expect(tokens.by_model['(unknown)']).toEqual({
      ops: 1,
      input_tokens: 5,
      output_tokens: 0,
      cost_usd: null,
    });
  });
});

describe('the price table', () => {
  it.each([
    ['gpt-4o', 'gpt-4o'],
    ['gpt-4o-2024-08-06', 'gpt-4o'],
    ['gpt-4o-mini-2024-07-18', 'gpt-4o-mini'],
    ['claude-3-5-sonnet-20241022', 'claude-3-5-sonnet'],
    ['claude-3-5-sonnet@20241022', 'claude-3-5-sonnet'],
  ])('prices %s as %s', (model, row) => {
    expect(priceOf(model, DEFAULT_MODEL_PRICES)).toBe(DEFAULT_MODEL_PRICES[row]);
  });

  it('does not price a model by a row that is only the start of another word', () => {
    expect(priceOf('gpt-4omega', DEFAULT_MODEL_PRICES)).toBeUndefined();
  });

  it('takes OBSERVER_MODEL_PRICES over the defaults', () => {
    const config = loadConfig({
      OBSERVER_BUCKET: 'b-bucket',
      OBSERVER_MODEL_PRICES: '{"gpt-4o":{"input":1,"output":2},"mine":{"input":0,"output":0}}',
    });

    expect(config.modelPrices['gpt-4o']).toEqual({ input: 1, output: 2 });
    expect(config.modelPrices.mine).toEqual({ input: 0, output: 0 });
    expect(config.modelPrices['gpt-4o-mini']).toEqual(DEFAULT_MODEL_PRICES['gpt-4o-mini']);
  });

  it.each([
    ['not JSON', 'nope', 'OBSERVER_MODEL_PRICES must be a JSON object'],
    [
      'a negative price',
      '{"m":{"input":-1,"output":0}}',
      'OBSERVER_MODEL_PRICES: m.input: input must be >= 0',
    ],
    [
      'a missing price',
      '{"m":{"input":1}}',
      'OBSERVER_MODEL_PRICES: m.output: output must be a number',
    ],
  ])('refuses %s, naming what is wrong', (_label, value, message) => {
    expect(() => loadConfig({ OBSERVER_BUCKET: 'b-bucket', OBSERVER_MODEL_PRICES: value })).toThrow(
      message,
    );
  });
});

import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../lib/platform/config';
import { REVIEW_MODEL_TIMEOUT_MS } from '../../../lib/platform/limits';
import { thrownBy } from '../../support/thrown';

const BUCKET = 'observer-data';
const URL = 'https://llm.example.com/v1/chat/completions';

describe('loadConfig: the review fallback model', () => {
  it('has no model unless a URL is set (empty counts as unset)', () => {
    expect(loadConfig({ OBSERVER_BUCKET: BUCKET }).reviewModel).toBeUndefined();
    expect(
      loadConfig({ OBSERVER_BUCKET: BUCKET, OBSERVER_REVIEW_LLM_URL: '' }).reviewModel,
    ).toBeUndefined();
  });

  it('reads the URL, model and key, with the 5 s timeout', () => {
    const config = loadConfig({
      OBSERVER_BUCKET: BUCKET,
      OBSERVER_REVIEW_LLM_URL: URL,
      OBSERVER_REVIEW_LLM_MODEL: 'gpt-4o-mini',
      OBSERVER_REVIEW_LLM_KEY: 'sk-123',
    });

    expect(config.reviewModel).toEqual({
      url: URL,
      model: 'gpt-4o-mini',
      key: 'sk-123',
      timeoutMs: REVIEW_MODEL_TIMEOUT_MS,
    });
    expect(REVIEW_MODEL_TIMEOUT_MS).toBe(5_000);
  });

  it('rejects a URL that is not http(s), naming it', () => {
    const err = thrownBy(ConfigError, () =>
      loadConfig({
        OBSERVER_BUCKET: BUCKET,
        OBSERVER_REVIEW_LLM_URL: 'ftp://llm.example.com',
        OBSERVER_REVIEW_LLM_MODEL: 'm',
      }),
    );

    expect(err.message).toContain('OBSERVER_REVIEW_LLM_URL');
  });

  it('requires the model with the URL', () => {
    const err = thrownBy(ConfigError, () =>
      loadConfig({ OBSERVER_BUCKET: BUCKET, OBSERVER_REVIEW_LLM_URL: URL }),
    );

    expect(err.message).toContain('OBSERVER_REVIEW_LLM_MODEL is required');
  });
});

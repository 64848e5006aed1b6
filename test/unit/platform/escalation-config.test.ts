import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../lib/platform/config';
import { thrownBy } from '../../support/thrown';

const BUCKET = 'observer-data';
const URL = 'https://team.example/hooks/escalations';

const escalation = (env: Record<string, string>) =>
  loadConfig({ OBSERVER_BUCKET: BUCKET, ...env }).escalation;

const problem = (env: Record<string, string>) =>
  thrownBy(ConfigError, () => loadConfig({ OBSERVER_BUCKET: BUCKET, ...env })).message;

describe('loadConfig: escalation', () => {
  it('is off with the documented thresholds when nothing is set (empty counts as unset)', () => {
    const expected = {
      url: undefined,
      secret: undefined,
      minCount: 10,
      windowMinutes: 15,
      growth: 3,
      cooldownMinutes: 60,
    };

    expect(escalation({})).toEqual(expected);
    expect(
      escalation({
        OBSERVER_ESCALATION_URL: '',
        OBSERVER_ESCALATION_SECRET: '',
        OBSERVER_ESCALATE_MIN_COUNT: '',
        OBSERVER_ESCALATE_GROWTH: '',
      }),
    ).toEqual(expected);
  });

  it('reads every variable, a fractional growth included', () => {
    expect(
      escalation({
        OBSERVER_ESCALATION_URL: URL,
        OBSERVER_ESCALATION_SECRET: 'whsec-0123456789abcdef',
        OBSERVER_ESCALATE_MIN_COUNT: '25',
        OBSERVER_ESCALATE_WINDOW_MINUTES: '30',
        OBSERVER_ESCALATE_GROWTH: '2.5',
        OBSERVER_ESCALATE_COOLDOWN_MINUTES: '240',
      }),
    ).toEqual({
      url: URL,
      secret: 'whsec-0123456789abcdef',
      minCount: 25,
      windowMinutes: 30,
      growth: 2.5,
      cooldownMinutes: 240,
    });
  });

  it.each([
    [
      { OBSERVER_ESCALATION_URL: 'team.example/hooks' },
      'OBSERVER_ESCALATION_URL must be an http(s) URL',
    ],
    [
      { OBSERVER_ESCALATION_URL: 'ftp://team.example/x' },
      'OBSERVER_ESCALATION_URL must be an http(s) URL',
    ],
    [
      { OBSERVER_ESCALATION_SECRET: 'short' },
      'OBSERVER_ESCALATION_SECRET must be at least 16 characters',
    ],
    [
      { OBSERVER_ESCALATE_MIN_COUNT: '1' },
      'OBSERVER_ESCALATE_MIN_COUNT must be a whole number from 2 to 100000',
    ],
    [{ OBSERVER_ESCALATE_MIN_COUNT: 'ten' }, 'OBSERVER_ESCALATE_MIN_COUNT must be a whole number'],
    [
      { OBSERVER_ESCALATE_WINDOW_MINUTES: '0' },
      'OBSERVER_ESCALATE_WINDOW_MINUTES must be a whole number from 1 to 1440',
    ],
    [
      { OBSERVER_ESCALATE_WINDOW_MINUTES: '1441' },
      'OBSERVER_ESCALATE_WINDOW_MINUTES must be a whole number from 1 to 1440',
    ],
    [{ OBSERVER_ESCALATE_GROWTH: '1' }, 'OBSERVER_ESCALATE_GROWTH must be >= 1.5'],
    [{ OBSERVER_ESCALATE_GROWTH: 'x3' }, 'OBSERVER_ESCALATE_GROWTH must be a number'],
    [
      { OBSERVER_ESCALATE_COOLDOWN_MINUTES: '2' },
      'OBSERVER_ESCALATE_COOLDOWN_MINUTES must be a whole number from 5 to 10080',
    ],
    [
      { OBSERVER_ESCALATE_COOLDOWN_MINUTES: '1.5' },
      'OBSERVER_ESCALATE_COOLDOWN_MINUTES must be a whole number',
    ],
  ])('refuses %o, naming the variable', (env, message) => {
    expect(problem(env)).toContain(message);
  });
});

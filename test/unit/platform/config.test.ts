import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../lib/platform/config';
import { thrownBy } from '../../support/thrown';

const BUCKET = 'observer-data';

/** The error loadConfig throws for this environment; fails the test when it throws none. */
const configError = (env: NodeJS.ProcessEnv) => thrownBy(ConfigError, () => loadConfig(env));

/** What an unset (or empty) variable becomes. */
const DEFAULTS = {
  prefix: '',
  ringCap: 2000,
  skewMs: 15_000,
  apiToken: undefined,
  s3Endpoint: undefined,
};

describe('loadConfig: defaults', () => {
  it('needs only the bucket and applies the documented defaults', () => {
    const config = loadConfig({ OBSERVER_BUCKET: BUCKET });

    expect(config).toMatchObject({ bucket: BUCKET, ...DEFAULTS });
  });

  it('treats empty strings as unset', () => {
    const config = loadConfig({
      OBSERVER_BUCKET: BUCKET,
      OBSERVER_PREFIX: '',
      S3_ENDPOINT: '',
      OBSERVER_RING_CAP: '',
      OBSERVER_API_TOKEN: '',
      OBSERVER_SKEW_MS: '',
      OBSERVER_COLD_START_HOURS: '',
    });

    expect(config).toMatchObject(DEFAULTS);
  });

  it('reads the values it is given', () => {
    const config = loadConfig({
      OBSERVER_BUCKET: BUCKET,
      OBSERVER_PREFIX: 'tenant-a/',
      S3_ENDPOINT: 'http://127.0.0.1:4569',
      OBSERVER_RING_CAP: '50',
      OBSERVER_API_TOKEN: 'a-token-of-16-ch',
      OBSERVER_SKEW_MS: '9000',
    });

    expect(config).toMatchObject({
      bucket: BUCKET,
      prefix: 'tenant-a/',
      s3Endpoint: 'http://127.0.0.1:4569',
      ringCap: 50,
      apiToken: 'a-token-of-16-ch',
      skewMs: 9000,
    });
  });

  it('ignores variables it does not know', () => {
    const config = loadConfig({ OBSERVER_BUCKET: BUCKET, PATH: '/usr/bin', HOME: '/root' });

    expect(config.bucket).toBe(BUCKET);
  });
});

describe('loadConfig: prefix', () => {
  it.each([
    ['tenant-a', 'tenant-a/'],
    ['tenant-a/', 'tenant-a/'],
    ['a/b', 'a/b/'],
  ])('normalizes the prefix %s to %s', (given, expected) => {
    expect(loadConfig({ OBSERVER_BUCKET: BUCKET, OBSERVER_PREFIX: given }).prefix).toBe(expected);
  });

  it('rejects a prefix that starts with a slash, naming it', () => {
    const err = configError({ OBSERVER_BUCKET: BUCKET, OBSERVER_PREFIX: '/tenant' });

    expect(err.message).toContain('OBSERVER_PREFIX');
  });
});

describe('loadConfig: bad values stop the start-up with a message naming them', () => {
  it('rejects a missing OBSERVER_BUCKET', () => {
    const err = configError({});

    expect(err).toBeInstanceOf(ConfigError);
    expect(err.name).toBe('ConfigError');
    expect(err.message).toContain('OBSERVER_BUCKET');
  });

  it.each([
    ['empty', ''],
    ['not a bucket name', 'Not_A_Bucket'],
  ])('rejects an OBSERVER_BUCKET that is %s', (_label, bucket) => {
    expect(configError({ OBSERVER_BUCKET: bucket }).message).toContain('OBSERVER_BUCKET');
  });

  it.each([
    ['not a number', 'abc'],
    ['zero', '0'],
    ['a fraction', '1.5'],
    ['negative', '-3'],
  ])('rejects an OBSERVER_RING_CAP that is %s', (_label, cap) => {
    const err = configError({ OBSERVER_BUCKET: BUCKET, OBSERVER_RING_CAP: cap });

    expect(err.message).toContain('OBSERVER_RING_CAP');
  });

  it.each([
    ['not a URL', 'not a url'],
    ['missing its scheme', 'localhost:4569'],
    ['not http or https', 'ftp://127.0.0.1:4569'],
  ])('rejects an S3_ENDPOINT that is %s', (_label, endpoint) => {
    const err = configError({ OBSERVER_BUCKET: BUCKET, S3_ENDPOINT: endpoint });

    expect(err.message).toContain('S3_ENDPOINT');
  });

  it('accepts an https S3_ENDPOINT', () => {
    const config = loadConfig({ OBSERVER_BUCKET: BUCKET, S3_ENDPOINT: 'https://s3.example.com' });

    expect(config.s3Endpoint).toBe('https://s3.example.com');
  });

  it('rejects an OBSERVER_API_TOKEN shorter than 16 characters', () => {
    const err = configError({ OBSERVER_BUCKET: BUCKET, OBSERVER_API_TOKEN: 'short' });

    expect(err.message).toContain('OBSERVER_API_TOKEN');
  });

  it.each(['/observer/api-token', 'observer-token', '/a/b.c/d_e-f'])(
    'accepts the SSM parameter name %s',
    (name) => {
      expect(
        loadConfig({ OBSERVER_BUCKET: BUCKET, OBSERVER_API_TOKEN_PARAM: name }).apiTokenParam,
      ).toBe(name);
    },
  );

  it.each(['/observer/', 'has space', '/a//b', 'arn:aws:ssm:us-east-1:1:parameter/x'])(
    'rejects the SSM parameter name %j, naming OBSERVER_API_TOKEN_PARAM',
    (name) => {
      const err = configError({ OBSERVER_BUCKET: BUCKET, OBSERVER_API_TOKEN_PARAM: name });

      expect(err.message).toContain('OBSERVER_API_TOKEN_PARAM');
    },
  );

  it('rejects a token and a token parameter set together', () => {
    const err = configError({
      OBSERVER_BUCKET: BUCKET,
      OBSERVER_API_TOKEN: 'a-token-of-16-ch',
      OBSERVER_API_TOKEN_PARAM: '/observer/api-token',
    });

    expect(err.message).toMatch(/OBSERVER_API_TOKEN or OBSERVER_API_TOKEN_PARAM, not both/);
  });

  it('does not repeat a rejected token in its message', () => {
    const err = configError({ OBSERVER_BUCKET: BUCKET, OBSERVER_API_TOKEN: 'short-secret' });

    expect(err.message).not.toContain('short-secret');
  });

  it('rejects an OBSERVER_SKEW_MS shorter than a write may take to land', () => {
    const err = configError({ OBSERVER_BUCKET: BUCKET, OBSERVER_SKEW_MS: '5000' });

    expect(err.message).toContain('OBSERVER_SKEW_MS must be a whole number from 8500 to 3600000');
  });

  it('rejects a bad OBSERVER_SKEW_MS', () => {
    const err = configError({ OBSERVER_BUCKET: BUCKET, OBSERVER_SKEW_MS: 'soon' });

    expect(err.message).toContain('OBSERVER_SKEW_MS');
  });

  it('says what a bad number may be and repeats the value received', () => {
    const err = configError({ OBSERVER_BUCKET: BUCKET, OBSERVER_RING_CAP: 'abc' });

    expect(err.message).toBe(
      'invalid configuration: OBSERVER_RING_CAP must be a whole number from 1 to 100000 (got "abc")',
    );
  });

  it('names every bad variable at once', () => {
    const err = configError({ OBSERVER_RING_CAP: 'abc', OBSERVER_API_TOKEN: 'short' });

    expect(err.message).toContain('OBSERVER_BUCKET');
    expect(err.message).toContain('OBSERVER_RING_CAP');
    expect(err.message).toContain('OBSERVER_API_TOKEN');
  });
});

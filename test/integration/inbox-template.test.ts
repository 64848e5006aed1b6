import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INBOX_ROOT, inboxDoneKey, inboxReportKey, segmentKey } from '../../lib/storage/keys';
import { type Resource, render } from '../support/template';

// The inbox function in the deployable template: what triggers it and what its role may do.

// biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub placeholder
const S3_ARN = 'arn:${AWS::Partition}:s3:::';
const PREFIX = 'tenant-a/';

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, string[]>>;
}

let out: string;
let resources: Record<string, Resource>;

beforeAll(async () => {
  // Its own output folder: the e2e template tests package into .serverless/.
  out = mkdtempSync(join(tmpdir(), 'observer-package-'));
  await promisify(execFile)(
    resolve('node_modules/.bin/serverless'),
    ['package', '--package', out],
    {
      timeout: 300_000,
      env: {
        ...process.env,
        AWS_ACCESS_KEY_ID: 'x',
        AWS_SECRET_ACCESS_KEY: 'x',
        OBSERVER_PREFIX: 'tenant-a',
        OBSERVER_API_TOKEN: '',
        OBSERVER_API_TOKEN_PARAM: '',
        OBSERVER_API_KEYS_PARAM: '',
      },
    },
  );
  const template = JSON.parse(
    readFileSync(join(out, 'cloudformation-template-update-stack.json'), 'utf-8'),
  ) as { Resources: Record<string, Resource> };
  resources = template.Resources;
});

afterAll(() => rmSync(out, { recursive: true, force: true }));

const inboxStatements = (): Statement[] =>
  (
    (resources.InboxRole as Resource).Properties.Policies as {
      PolicyDocument: { Statement: Statement[] };
    }[]
  ).flatMap((p) => p.PolicyDocument.Statement);

const objectsIn = (folder: string) => `${S3_ARN}{Ref:OpsBucket}/${PREFIX}${folder}*`;

describe('the inbox function in the packaged template', () => {
  it('is triggered by objects created under the prefix inbox/ ending in .jsonl, in the ops bucket', () => {
    const trigger = resources.InboxCustomS31 as Resource;

    expect(trigger.Type).toBe('Custom::S3');
    expect(trigger.Properties.BucketName).toEqual({ Ref: 'OpsBucket' });
    expect(trigger.Properties.FunctionName).toBe(
      (resources.InboxLambdaFunction as Resource).Properties.FunctionName,
    );
    expect(trigger.Properties.BucketConfigs).toEqual([
      {
        Event: 's3:ObjectCreated:*',
        Rules: [{ Prefix: `${PREFIX}${INBOX_ROOT}` }, { Suffix: '.jsonl' }],
      },
    ]);
    // Applied again on every deploy, after any update of the bucket.
    expect(trigger.Properties.ForceDeploy).toEqual(expect.any(Number));
  });

  it('runs under its own role', () => {
    const fn = resources.InboxLambdaFunction as Resource;

    expect(fn.Properties.Role).toEqual({ 'Fn::GetAtt': ['InboxRole', 'Arn'] });
    expect(fn.Properties.Timeout).toBeGreaterThanOrEqual(60);
  });

  it('may read, write and delete only under inbox/, and write segments only under ops/', () => {
    const s3 = inboxStatements().filter((s) => s.Action.some((a) => a.startsWith('s3:')));
    const grants = s3.map((s) => ({
      actions: [...s.Action].sort(),
      resources: (Array.isArray(s.Resource) ? s.Resource : [s.Resource]).map(render),
    }));

    expect(grants).toEqual([
      {
        actions: ['s3:DeleteObject', 's3:GetObject', 's3:PutObject'],
        resources: [objectsIn(INBOX_ROOT)],
      },
      { actions: ['s3:GetObject', 's3:PutObject'], resources: [objectsIn('ops/')] },
      { actions: ['s3:ListBucket'], resources: [`${S3_ARN}{Ref:OpsBucket}`] },
    ]);
    expect(s3[2]?.Condition).toEqual({
      StringLike: { 's3:prefix': [`${PREFIX}inbox/*`, `${PREFIX}ops/*`] },
    });
    expect(inboxStatements().every((s) => s.Effect === 'Allow')).toBe(true);
  });

  it('covers every key the function writes or deletes with those grants', () => {
    const under = (folder: string) => (key: string) =>
      `${PREFIX}${key}`.startsWith(`${PREFIX}${folder}`);

    expect(under(INBOX_ROOT)(inboxDoneKey('a.jsonl'))).toBe(true);
    expect(under(INBOX_ROOT)(inboxReportKey('a.jsonl'))).toBe(true);
    expect(under('ops/')(segmentKey(new Date(), 'x'))).toBe(true);
  });

  it('writes its log only to its own log group', () => {
    const logs = inboxStatements().filter((s) => s.Action.some((a) => a.startsWith('logs:')));

    expect(logs).toHaveLength(1);
    expect(logs[0]?.Resource).toEqual({ 'Fn::GetAtt': ['InboxLogGroup', 'Arn'] });
  });
});

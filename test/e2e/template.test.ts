import { readdirSync, readFileSync, statSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ObservedOpSchema } from '../../lib/domain/op';
import { ROUTE_ACCESS } from '../../lib/http/routes';
import { MANIFEST_KEY } from '../../lib/lake/manifest';
import { planKey } from '../../lib/lake/plan-doc';
import { WRITE_BUDGET } from '../../lib/platform/limits';
import { METRICS_NAMESPACE, MetricName } from '../../lib/platform/metrics';
import { encodeCompacted } from '../../lib/storage/compacted-codec';
import {
  CHECKPOINT_KEY,
  compactedKey,
  hourPartition,
  keyTime,
  partitionStart,
  partKey,
  segmentKey,
} from '../../lib/storage/keys';
import { encodeSegment } from '../../lib/storage/segment-codec';
import { packageService } from '../support/serverless';
import { packagedTemplate, type Resource, render, resourcesOf } from '../support/template';

// The deployable template, as `serverless package` writes it.

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}
type Template = { Resources: Record<string, { Type: string; Properties?: unknown }> };

/** One resource of the template, typed as the test reads it. */
const resource = <T>(t: Template, name: string) => t.Resources[name] as unknown as T;

// CloudFormation Fn::Sub placeholders, not template strings.
const PARAM_ARN =
  // biome-ignore lint/suspicious/noTemplateCurlyInString: see above
  'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/observer/api-token';
const KEYS_PARAM_ARN =
  // biome-ignore lint/suspicious/noTemplateCurlyInString: see above
  'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/observer/api-keys';
// biome-ignore lint/suspicious/noTemplateCurlyInString: see above
const S3_ARN = 'arn:${AWS::Partition}:s3:::';
// biome-ignore lint/suspicious/noTemplateCurlyInString: see above
const VIA_SSM = 'ssm.${AWS::Region}.amazonaws.com';
const KEY_ARN = 'arn:aws:kms:us-east-1:123456789012:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b';

async function packaged(env: Record<string, string>): Promise<Template> {
  await packageService({
    OBSERVER_PREFIX: '',
    OBSERVER_API_TOKEN: '',
    OBSERVER_API_TOKEN_PARAM: '',
    OBSERVER_API_TOKEN_KMS_KEY_ARN: '',
    OBSERVER_API_KEYS: '',
    OBSERVER_API_KEYS_PARAM: '',
    OBSERVER_API_KEYS_KMS_KEY_ARN: '',
    OBSERVER_API_KEYS_TTL_SECONDS: '',
    ...env,
  });
  return packagedTemplate() as unknown as Template;
}

const list = (x: unknown): unknown[] => (Array.isArray(x) ? x : [x]);

/** Every statement the functions' role is granted, from its own policies and attached ones. */
function roleStatements(t: Template): Statement[] {
  const out: Statement[] = [];
  const role = resource<{ Properties: { Policies: unknown[] } }>(t, 'IamRoleLambdaExecution');
  for (const p of role.Properties.Policies) {
    out.push(...(p as { PolicyDocument: { Statement: Statement[] } }).PolicyDocument.Statement);
  }
  for (const r of Object.values(t.Resources)) {
    if (r.Type !== 'AWS::IAM::Policy') continue;
    const props = r.Properties as {
      Roles: unknown[];
      PolicyDocument: { Statement: Statement[] };
    };
    expect(props.Roles.map(render)).toEqual(['{Ref:IamRoleLambdaExecution}']);
    out.push(...props.PolicyDocument.Statement);
  }
  return out;
}

const actions = (s: Statement) => list(s.Action).map(String);

describe('the packaged CloudFormation template', () => {
  let template: Template;

  beforeAll(async () => {
    template = await packaged({ OBSERVER_PREFIX: 'tenant-a/' });
  });

  it('grants S3 only PutObject/GetObject under the prefix and ListBucket with an s3:prefix condition', () => {
    const s3 = roleStatements(template).filter((s) => actions(s).some((a) => a.startsWith('s3:')));

    expect(s3.map((s) => ({ effect: s.Effect, actions: actions(s).sort() }))).toEqual([
      { effect: 'Allow', actions: ['s3:GetObject', 's3:PutObject'] },
      { effect: 'Allow', actions: ['s3:ListBucket'] },
    ]);
    const [objects, listing] = s3 as [Statement, Statement];
    expect(list(objects.Resource).map(render)).toEqual([`${S3_ARN}{Ref:OpsBucket}/tenant-a/*`]);
    expect(objects.Condition).toBeUndefined();
    expect(list(listing.Resource).map(render)).toEqual([`${S3_ARN}{Ref:OpsBucket}`]);
    expect(listing.Condition).toEqual({ StringLike: { 's3:prefix': ['tenant-a/*'] } });
  });

  it('grants no wildcard action and no action on every resource', () => {
    for (const s of roleStatements(template)) {
      expect(actions(s).filter((a) => a === '*' || a.endsWith(':*'))).toEqual([]);
      expect(list(s.Resource).map(render)).not.toContain('*');
      expect(s.Effect).toBe('Allow');
    }
  });

  it('grants nothing in SSM or KMS when neither the token nor the keys come from SSM', () => {
    const all = roleStatements(template).flatMap(actions);

    expect(all.filter((a) => a.startsWith('ssm:') || a.startsWith('kms:'))).toEqual([]);
    expect(template.Resources.CredentialsReadPolicy).toBeUndefined();
  });

  it('keeps the bucket encrypted, private, TLS-only and retained', () => {
    const bucket = resource<{
      DeletionPolicy: string;
      UpdateReplacePolicy: string;
      Properties: Record<string, unknown>;
    }>(template, 'OpsBucket');
    const policy = resource<{
      Properties: { Bucket: unknown; PolicyDocument: { Statement: Statement[] } };
    }>(template, 'OpsBucketPolicy');

    expect(bucket.Properties.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [
        { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
      ],
    });
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect([bucket.DeletionPolicy, bucket.UpdateReplacePolicy]).toEqual(['Retain', 'Retain']);
    expect(render(policy.Properties.Bucket)).toBe('{Ref:OpsBucket}');
    expect(policy.Properties.PolicyDocument.Statement).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    );
    const deny = policy.Properties.PolicyDocument.Statement.find((s) => s.Effect === 'Deny');
    expect(list(deny?.Resource).map(render).sort()).toEqual([
      '{GetAtt:OpsBucket.Arn}',
      '{GetAtt:OpsBucket.Arn}/*',
    ]);
  });

  it('gives the event function time for a write and for settling its key', () => {
    const fn = resource<{ Properties: { Timeout: number } }>(template, 'EventLambdaFunction');
    const budget = WRITE_BUDGET.writeMs + WRITE_BUDGET.settleMs;

    expect(fn.Properties.Timeout * 1000).toBeGreaterThanOrEqual(budget + 1000);
  });

  it('grants ssm:GetParameter on the token parameter alone when it is configured', async () => {
    const withParam = await packaged({ OBSERVER_API_TOKEN_PARAM: '/observer/api-token' });
    const ssm = roleStatements(withParam).filter((s) =>
      actions(s).some((a) => a.startsWith('ssm:') || a.startsWith('kms:')),
    );

    expect(ssm).toHaveLength(1);
    expect(actions(ssm[0] as Statement)).toEqual(['ssm:GetParameter']);
    expect(list(ssm[0]?.Resource).map(render)).toEqual([PARAM_ARN]);
    const fn = resource<{ Properties: { Environment: { Variables: Record<string, string> } } }>(
      withParam,
      'EventLambdaFunction',
    );
    expect(fn.Properties.Environment.Variables.OBSERVER_API_TOKEN_PARAM).toBe(
      '/observer/api-token',
    );
  });

  it('grants kms:Decrypt on a customer-managed key only through SSM and for that parameter', async () => {
    const withKey = await packaged({
      OBSERVER_API_TOKEN_PARAM: '/observer/api-token',
      OBSERVER_API_TOKEN_KMS_KEY_ARN: KEY_ARN,
    });
    const kms = roleStatements(withKey).filter((s) => actions(s).some((a) => a.startsWith('kms:')));

    expect(kms).toHaveLength(1);
    expect(actions(kms[0] as Statement)).toEqual(['kms:Decrypt']);
    expect(list(kms[0]?.Resource)).toEqual([KEY_ARN]);
    const conditions = kms[0]?.Condition?.StringEquals ?? {};
    expect(render(conditions['kms:ViaService'])).toBe(VIA_SSM);
    expect(render(conditions['kms:EncryptionContext:PARAMETER_ARN'])).toBe(PARAM_ARN);
  });

  it('grants ssm:GetParameter on the keys parameter alone, and hands the functions the key settings', async () => {
    const entry = `ingest:${'ab'.repeat(32)}`;
    const withKeys = await packaged({
      OBSERVER_API_KEYS_PARAM: '/observer/api-keys',
      OBSERVER_API_KEYS_TTL_SECONDS: '120',
    });
    const withList = await packaged({ OBSERVER_API_KEYS: entry });
    const ssm = roleStatements(withKeys).filter((s) =>
      actions(s).some((a) => a.startsWith('ssm:') || a.startsWith('kms:')),
    );
    const variables = (t: Template, fn: string) =>
      resource<{ Properties: { Environment: { Variables: Record<string, string> } } }>(t, fn)
        .Properties.Environment.Variables;

    expect(ssm).toHaveLength(1);
    expect(actions(ssm[0] as Statement)).toEqual(['ssm:GetParameter']);
    expect(list(ssm[0]?.Resource).map(render)).toEqual([KEYS_PARAM_ARN]);
    for (const fn of ['EventLambdaFunction', 'StatsLambdaFunction', 'ReviewLambdaFunction']) {
      expect(variables(withKeys, fn)).toMatchObject({
        OBSERVER_API_KEYS_PARAM: '/observer/api-keys',
        OBSERVER_API_KEYS_TTL_SECONDS: '120',
      });
      expect(variables(withList, fn).OBSERVER_API_KEYS).toBe(entry);
    }
    expect(
      roleStatements(withList)
        .flatMap(actions)
        .filter((a) => a.startsWith('ssm:')),
    ).toEqual([]);
  });

  it('grants both parameters in one statement, and kms:Decrypt per parameter on its own key', async () => {
    const keysKey = KEY_ARN.replace('0f1e2d3c', '1a2b3c4d');
    const both = await packaged({
      OBSERVER_API_TOKEN_PARAM: '/observer/api-token',
      OBSERVER_API_TOKEN_KMS_KEY_ARN: KEY_ARN,
      OBSERVER_API_KEYS_PARAM: '/observer/api-keys',
      OBSERVER_API_KEYS_KMS_KEY_ARN: keysKey,
    });
    const statements = roleStatements(both);
    const ssm = statements.filter((s) => actions(s).some((a) => a.startsWith('ssm:')));
    const kms = statements.filter((s) => actions(s).some((a) => a.startsWith('kms:')));

    expect(ssm).toHaveLength(1);
    expect(list(ssm[0]?.Resource).map(render)).toEqual([PARAM_ARN, KEYS_PARAM_ARN]);
    expect(
      kms.map((s) => [
        list(s.Resource),
        render(s.Condition?.StringEquals?.['kms:EncryptionContext:PARAMETER_ARN']),
      ]),
    ).toEqual([
      [[KEY_ARN], PARAM_ARN],
      [[keysKey], KEYS_PARAM_ARN],
    ]);
  });

  it('refuses to package a KMS key for the keys without their parameter', async () => {
    const failed = await packaged({ OBSERVER_API_KEYS_KMS_KEY_ARN: KEY_ARN }).catch(
      (err: { stdout?: string; stderr?: string }) => `${err.stdout ?? ''}${err.stderr ?? ''}`,
    );

    expect(failed).toMatch(/OBSERVER_API_KEYS_KMS_KEY_ARN is set without OBSERVER_API_KEYS_PARAM/);
  });
});

describe('the packaged template', () => {
  let template: ReturnType<typeof packagedTemplate>;

  beforeAll(async () => {
    await packageService({ OBSERVER_PREFIX: 'tenant-a' });
    template = packagedTemplate();
  });

  it('gives compact and compactWorker their own role, the only one that may delete, and only under ops/', () => {
    const fn = template.Resources.CompactLambdaFunction as Resource;
    const worker = template.Resources.CompactWorkerLambdaFunction as Resource;
    const statements = (role: string) =>
      (
        (template.Resources[role] as Resource).Properties.Policies as {
          PolicyDocument: { Statement: { Action: string[]; Resource: unknown[] }[] };
        }[]
      ).flatMap((p) => p.PolicyDocument.Statement);
    const deletes = (role: string) =>
      statements(role).filter((s) => s.Action.some((a) => a.startsWith('s3:Delete')));

    expect(fn.Properties.Role).toEqual({ 'Fn::GetAtt': ['CompactRole', 'Arn'] });
    expect(worker.Properties.Role).toEqual(fn.Properties.Role);
    expect(deletes('CompactRole').map((s) => s.Resource.map(render))).toEqual([
      [`${S3_ARN}{Ref:OpsBucket}/tenant-a/ops/*`],
    ]);
    expect(deletes('IamRoleLambdaExecution')).toEqual([]);
    const others = Object.entries(resourcesOf(template, 'AWS::Lambda::Function')).filter(
      ([id]) => id !== 'CompactLambdaFunction' && id !== 'CompactWorkerLambdaFunction',
    );
    expect(others.length).toBeGreaterThan(5);
    for (const [, other] of others) expect(other.Properties.Role).not.toEqual(fn.Properties.Role);
  });

  it('hands the escalation URL and secret to the snapshot function alone', () => {
    const holders = Object.entries(resourcesOf(template, 'AWS::Lambda::Function'))
      .filter(([, fn]) => {
        const env = fn.Properties.Environment as
          | { Variables?: Record<string, unknown> }
          | undefined;
        return 'OBSERVER_ESCALATION_SECRET' in (env?.Variables ?? {});
      })
      .map(([id]) => id);

    expect(holders).toEqual(['SnapshotLambdaFunction']);
  });

  it('routes every route of the table, the issue routes with their path parameter included', () => {
    const routeKeys = Object.values(resourcesOf(template, 'AWS::ApiGatewayV2::Route')).map(
      (r) => r.Properties.RouteKey,
    );

    expect(routeKeys).toEqual(expect.arrayContaining(Object.keys(ROUTE_ACCESS)));
    expect(routeKeys).toContain('POST /observer/issues/{id}/merge');
  });

  it('hands the escalating thresholds to every function, the issue routes judging status by them', () => {
    const functions = Object.entries(resourcesOf(template, 'AWS::Lambda::Function'));
    const issue = functions.find(([id]) => id === 'IssueLambdaFunction')?.[1];
    const variables = (fn: Resource | undefined) =>
      Object.keys(
        (fn?.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)
          ?.Variables ?? {},
      );

    expect(variables(issue)).toEqual(
      expect.arrayContaining([
        'OBSERVER_ESCALATE_MIN_COUNT',
        'OBSERVER_ESCALATE_WINDOW_MINUTES',
        'OBSERVER_ESCALATE_GROWTH',
      ]),
    );
    expect(variables(issue)).not.toContain('OBSERVER_ESCALATION_URL');
  });

  it('schedules compact at five past every hour', () => {
    const rule = template.Resources.CompactEventsRuleSchedule1 as Resource;

    expect(rule.Properties.ScheduleExpression).toBe('cron(5 * * * ? *)');
  });

  describe('the compaction queue', () => {
    const props = (id: string) => (template.Resources[id] as Resource).Properties;

    it('feeds compactWorker one unit at a time, with failures reported per message and bounded concurrency', () => {
      const mappings = Object.values(resourcesOf(template, 'AWS::Lambda::EventSourceMapping'));

      expect(mappings.map((m) => m.Properties)).toEqual([
        {
          BatchSize: 1,
          EventSourceArn: { 'Fn::GetAtt': ['CompactQueue', 'Arn'] },
          FunctionName: { 'Fn::GetAtt': ['CompactWorkerLambdaFunction', 'Arn'] },
          Enabled: true,
          FunctionResponseTypes: ['ReportBatchItemFailures'],
          ScalingConfig: { MaximumConcurrency: 20 },
        },
      ]);
    });

    it('delivers a unit again only after the worker could have finished, then moves it to the dead-letter queue', () => {
      const queue = props('CompactQueue');
      const dlq = props('CompactDeadLetterQueue');

      expect(queue.VisibilityTimeout).toBeGreaterThan(
        Number(props('CompactWorkerLambdaFunction').Timeout),
      );
      expect(queue.RedrivePolicy).toEqual({
        deadLetterTargetArn: { 'Fn::GetAtt': ['CompactDeadLetterQueue', 'Arn'] },
        maxReceiveCount: 5,
      });
      expect(queue.SqsManagedSseEnabled).toBe(true);
      expect(dlq.SqsManagedSseEnabled).toBe(true);
      expect(Number(dlq.MessageRetentionPeriod)).toBe(14 * 86_400);
    });

    it('tells compact and compactWorker where the queue is, and no other function', () => {
      const holders = Object.entries(resourcesOf(template, 'AWS::Lambda::Function'))
        .filter(([, fn]) => {
          const env = fn.Properties.Environment as { Variables?: Record<string, unknown> };
          return env?.Variables?.OBSERVER_COMPACT_QUEUE_URL !== undefined;
        })
        .map(([id, fn]) => [
          id,
          (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables
            .OBSERVER_COMPACT_QUEUE_URL,
        ]);

      expect(holders).toEqual([
        ['CompactLambdaFunction', { Ref: 'CompactQueue' }],
        ['CompactWorkerLambdaFunction', { Ref: 'CompactQueue' }],
      ]);
    });

    it('lets the compaction role use that queue alone, and the lake documents beside ops/', () => {
      const statements = (
        props('CompactRole').Policies as {
          PolicyDocument: { Statement: { Sid: string; Action: string[]; Resource: unknown }[] };
        }[]
      ).flatMap((p) => p.PolicyDocument.Statement);
      const sqs = statements.filter((st) => st.Action.some((a) => a.startsWith('sqs:')));
      const objects = statements.find((st) => st.Sid === 'ReadAndWriteOps');

      expect(sqs).toHaveLength(1);
      expect([...(sqs[0]?.Action ?? [])].sort()).toEqual([
        'sqs:ChangeMessageVisibility',
        'sqs:DeleteMessage',
        'sqs:GetQueueAttributes',
        'sqs:ReceiveMessage',
        'sqs:SendMessage',
      ]);
      expect(render(sqs[0]?.Resource)).toBe('{GetAtt:CompactQueue.Arn}');
      expect(((objects?.Resource ?? []) as unknown[]).map(render)).toEqual([
        `${S3_ARN}{Ref:OpsBucket}/tenant-a/ops/*`,
        `${S3_ARN}{Ref:OpsBucket}/tenant-a/lake/retries/*`,
        `${S3_ARN}{Ref:OpsBucket}/tenant-a/lake/compaction/*`,
      ]);
    });

    it('alarms when the oldest closed hour not yet compacted is too old, and on dead letters', () => {
      const lag = props('CompactionLagAlarm');
      const dead = props('CompactDeadLettersAlarm');

      expect(lag).toMatchObject({
        Namespace: METRICS_NAMESPACE,
        MetricName: MetricName.CompactionLagSeconds,
        Dimensions: [{ Name: 'service', Value: 'observer-dev' }],
        Statistic: 'Maximum',
        Threshold: 7200,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'breaching',
        AlarmActions: [{ Ref: 'AlarmTopic' }],
      });
      expect(dead).toMatchObject({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [
          { Name: 'QueueName', Value: { 'Fn::GetAtt': ['CompactDeadLetterQueue', 'QueueName'] } },
        ],
        Threshold: 1,
        AlarmActions: [{ Ref: 'AlarmTopic' }],
      });
    });
  });

  it('expires ops, dropped retries and id markers after 90 days, checkpoint copies after 1, stats snapshots and escalations after 30, under the prefix', () => {
    const bucket = template.Resources.OpsBucket as Resource;
    const { Rules: rules } = bucket.Properties.LifecycleConfiguration as {
      Rules: Record<string, unknown>[];
    };

    expect(rules).toEqual([
      { Id: 'expire-ops', Status: 'Enabled', Prefix: 'tenant-a/ops/', ExpirationInDays: 90 },
      {
        Id: 'expire-checkpoint-copies',
        Status: 'Enabled',
        Prefix: 'tenant-a/ring/copies/',
        ExpirationInDays: 1,
      },
      {
        Id: 'expire-dropped-retries',
        Status: 'Enabled',
        Prefix: 'tenant-a/lake/retries/',
        ExpirationInDays: 90,
      },
      {
        Id: 'expire-compaction-plans',
        Status: 'Enabled',
        Prefix: 'tenant-a/lake/compaction/plans/',
        ExpirationInDays: 90,
      },
      { Id: 'expire-id-markers', Status: 'Enabled', Prefix: 'tenant-a/ids/', ExpirationInDays: 90 },
      {
        Id: 'expire-span-errors',
        Status: 'Enabled',
        Prefix: 'tenant-a/span-errors/',
        ExpirationInDays: 90,
      },
      {
        Id: 'expire-stats-history',
        Status: 'Enabled',
        Prefix: 'tenant-a/stats/',
        ExpirationInDays: 30,
      },
      {
        Id: 'expire-escalations',
        Status: 'Enabled',
        Prefix: 'tenant-a/escalations/',
        ExpirationInDays: 30,
      },
      {
        Id: 'abort-incomplete-multipart-uploads',
        Status: 'Enabled',
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
      },
    ]);
    // The ops rule covers every key the service writes for an op; the ring checkpoint never expires
    // (only the copies documents each checkpoint names, a minute apart, do).
    expect(`tenant-a/${segmentKey(new Date(), 'x')}`.startsWith('tenant-a/ops/')).toBe(true);
    const hour = hourPartition(new Date());
    expect(`tenant-a/${partKey(hour, partitionStart(hour) as number)}`).toMatch(/^tenant-a\/ops\//);
    expect(`tenant-a/${planKey(hour)}`.startsWith('tenant-a/lake/compaction/plans/')).toBe(true);
    // The manifest is rewritten every hour: it is not one of the plans.
    expect(rules.some((r) => `tenant-a/${MANIFEST_KEY}`.startsWith(String(r.Prefix)))).toBe(false);
    expect(rules.some((r) => `tenant-a/${CHECKPOINT_KEY}`.startsWith(String(r.Prefix)))).toBe(
      false,
    );
  });

  describe('the Athena table', () => {
    const table = () =>
      (template.Resources.OpsTable as Resource).Properties.TableInput as {
        Parameters: Record<string, unknown>;
        PartitionKeys: { Name: string; Type: string }[];
        StorageDescriptor: {
          Location: unknown;
          SerdeInfo: { SerializationLibrary: string; Parameters: Record<string, string> };
          Columns: { Name: string; Type: string }[];
        };
      };
    const BUCKET = 's3://{Ref:OpsBucket}/';
    // Hour, day, month and year edges, and an ordinary instant.
    const instants = [
      '2026-11-24T21:15:03.123Z',
      '2026-12-31T23:59:59.999Z',
      '2027-01-01T00:00:00.000Z',
      '2028-02-29T09:00:00.000Z',
    ].map((t) => new Date(t));

    it('projects dt over yyyy/MM/dd/HH onto the hour partitions the service writes', () => {
      const { Parameters: p } = table();
      const template = render(p['storage.location.template']);

      expect(template).toBe(`${BUCKET}tenant-a/ops/\${dt}/`);
      expect(p).toMatchObject({
        'projection.enabled': 'true',
        'projection.dt.type': 'date',
        'projection.dt.interval': '1',
        'projection.dt.interval.unit': 'HOURS',
      });
      for (const at of instants) {
        const location = template
          // biome-ignore lint/suspicious/noTemplateCurlyInString: Athena's placeholder
          .replace('${dt}', javaDateFormat(String(p['projection.dt.format']), at))
          .slice(BUCKET.length);
        expect(location).toBe(`tenant-a/${hourPartition(at)}`);
        expect(`tenant-a/${segmentKey(at, 'abc123')}`.startsWith(location)).toBe(true);
        expect(`tenant-a/${compactedKey(hourPartition(at))}`.startsWith(location)).toBe(true);
        const part = partKey(hourPartition(at), at.getTime());
        expect(`tenant-a/${part}`.startsWith(location)).toBe(true);
      }
      expect(render(table().StorageDescriptor.Location)).toBe(`${BUCKET}tenant-a/ops/`);
    });

    it('projects the hours that retention keeps, up to the next hour', () => {
      const range = String(table().Parameters['projection.dt.range']);
      const { Rules: rules } = (template.Resources.OpsBucket as Resource).Properties
        .LifecycleConfiguration as { Rules: { Id: string; ExpirationInDays?: number }[] };
      const retention = rules.find((r) => r.Id === 'expire-ops')?.ExpirationInDays;

      expect(range).toBe(`NOW-${retention}DAYS,NOW+1HOURS`);
      // A container whose clock runs ahead by the skew window still writes inside it.
      const now = Date.now();
      const [from, to] = range.split(',').map((r) => relativeNow(r, now));
      expect(keyTime(segmentKey(new Date(now + 15_000), 'x'))).toBeLessThanOrEqual(to as number);
      expect(now - (from as number)).toBe((retention as number) * 86_400_000);
    });

    it('has a column for every op field, typed as the schema types it, and reads JSON lines', () => {
      const { Columns: columns, SerdeInfo: serde } = table().StorageDescriptor;
      const types = Object.fromEntries(columns.map((c) => [c.Name, c.Type]));

      for (const field of Object.keys(ObservedOpSchema.in.shape)) {
        const type: Record<string, string> = {
          success: 'boolean',
          duration_ms: 'double',
          input_tokens: 'bigint',
          output_tokens: 'bigint',
        };
        expect(types[field], field).toBe(type[field] ?? 'string');
      }
      expect(types._observer).toBe('string');
      expect(table().PartitionKeys).toEqual([
        expect.objectContaining({ Name: 'dt', Type: 'string' }),
      ]);
      expect(serde).toEqual({
        SerializationLibrary: 'org.openx.data.jsonserde.JsonSerDe',
        Parameters: { 'ignore.malformed.json': 'true', 'case.insensitive': 'false' },
      });
    });

    it('reads the same row from a compacted line as from the segment line of that op', () => {
      const at = instants[0] as Date;
      const op = {
        endpoint: 'tools/call',
        success: false,
        timestamp: at.toISOString(),
        source: 'scenario',
        id: 'op-1',
        duration_ms: 41.5,
        staffer_id: 'w-17',
        event_kind: 'fill',
        role: 'welder',
        error: 'boom',
        input_summary: 'in',
        output_summary: 'out',
        trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
        span_id: '00f067aa0ba902b7',
        parent_span_id: '00f067aa0ba902b6',
        conversation_id: 'c-1',
        scenario: 'nightly',
        model: 'gpt-4o',
        input_tokens: 12,
        output_tokens: 3,
        // Set by observer when the client wrote the timestamp otherwise.
        client_timestamp: at.toISOString().replace('T', 't').replace('Z', 'z'),
        Endpoint: 'another field, not the column',
      };
      const segmentLine = JSON.parse(encodeSegment([op]));
      const compactedLine = JSON.parse(
        encodeCompacted([{ key: segmentKey(at, 'a'), line: 0, op }]),
      );

      for (const { Name: column } of table().StorageDescriptor.Columns) {
        if (column === '_observer') continue;
        expect(compactedLine[column], column).toEqual(segmentLine[column]);
        expect(segmentLine[column], column).toBeDefined();
      }
      expect(compactedLine._observer).toEqual({ segment: segmentKey(at, 'a'), line: 0 });
      expect(segmentLine._observer).toBeUndefined();
    });
  });

  it('gives Athena a workgroup that writes results to its own expiring bucket', () => {
    const group = (template.Resources.AthenaWorkGroup as Resource).Properties as {
      WorkGroupConfiguration: {
        EnforceWorkGroupConfiguration: boolean;
        BytesScannedCutoffPerQuery: number;
        ResultConfiguration: { OutputLocation: unknown };
      };
    };
    const results = template.Resources.AthenaResultsBucket as Resource;

    expect(render(group.WorkGroupConfiguration.ResultConfiguration.OutputLocation)).toBe(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub reference
      's3://${AthenaResultsBucket}/',
    );
    expect(results.Type).toBe('AWS::S3::Bucket');
    expect(JSON.stringify(results.Properties.LifecycleConfiguration)).toMatch(/ExpirationInDays/);
    expect(group.WorkGroupConfiguration.EnforceWorkGroupConfiguration).toBe(true);
    expect(group.WorkGroupConfiguration.BytesScannedCutoffPerQuery).toBeGreaterThan(0);
  });

  it('saves the README queries in the workgroup, word for word from athena/', () => {
    const queries = Object.values(resourcesOf(template, 'AWS::Athena::NamedQuery'));
    const files = readdirSync('athena').filter((f) => f.endsWith('.sql'));

    expect(files).toHaveLength(4);
    expect(queries.map((q) => q.Properties.QueryString).sort()).toEqual(
      files.map((f) => readFileSync(`athena/${f}`, 'utf-8')).sort(),
    );
    for (const q of queries) {
      expect(q.Properties).toMatchObject({
        Database: { Ref: 'OpsDatabase' },
        WorkGroup: { Ref: 'AthenaWorkGroup' },
      });
    }
  });

  it('alarms on the PersistFailures metric the event function emits, by its service', () => {
    const alarm = (template.Resources.PersistFailuresAlarm as Resource).Properties;
    const env = (
      (template.Resources.EventLambdaFunction as Resource).Properties.Environment as {
        Variables: Record<string, string>;
      }
    ).Variables;

    expect(alarm).toMatchObject({
      Namespace: env.POWERTOOLS_METRICS_NAMESPACE,
      MetricName: MetricName.PersistFailures,
      Dimensions: [{ Name: 'service', Value: env.POWERTOOLS_SERVICE_NAME }],
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [{ Ref: 'AlarmTopic' }],
    });
    expect(env.POWERTOOLS_METRICS_NAMESPACE).toBe(METRICS_NAMESPACE);
    expect(env.POWERTOOLS_SERVICE_NAME).toBe('observer-dev');
  });

  it("alarms on the HTTP API's 5xx answers and on failed compaction runs", () => {
    const http = (template.Resources.Http5xxAlarm as Resource).Properties;
    const compact = (template.Resources.CompactErrorsAlarm as Resource).Properties;

    expect(http).toMatchObject({
      Namespace: 'AWS/ApiGateway',
      MetricName: '5xx',
      Dimensions: [{ Name: 'ApiId', Value: { Ref: 'HttpApi' } }],
      AlarmActions: [{ Ref: 'AlarmTopic' }],
    });
    expect(template.Resources.HttpApi?.Type).toBe('AWS::ApiGatewayV2::Api');
    expect(compact).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: 'CompactLambdaFunction' } }],
    });
  });

  it('keeps every function bundle under 1 MiB', () => {
    const zips = readdirSync('.serverless').filter((f) => f.endsWith('.zip'));

    expect(zips).toContain('compact.zip');
    expect(zips).toContain('compactWorker.zip');
    for (const zip of zips)
      expect(statSync(`.serverless/${zip}`).size).toBeLessThanOrEqual(1 << 20);
  });
});

/** A Java DateTimeFormatter pattern made of yyyy, MM, dd and HH (UTC), as Athena projects dates. */
function javaDateFormat(pattern: string, at: Date): string {
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const fields: Record<string, string> = {
    yyyy: pad(at.getUTCFullYear(), 4),
    MM: pad(at.getUTCMonth() + 1),
    dd: pad(at.getUTCDate()),
    HH: pad(at.getUTCHours()),
  };
  return pattern.replace(/[A-Za-z]+/g, (token) => {
    const value = fields[token];
    if (value === undefined) throw new Error(`unsupported pattern letter ${token}`);
    return value;
  });
}

/** An Athena relative date (NOW, NOW-90DAYS, NOW+1HOURS) as ms since the epoch. */
function relativeNow(expression: string, now: number): number {
  const m = /^NOW(?:([+-])(\d+)(DAYS|HOURS))?$/.exec(expression.trim());
  if (!m) throw new Error(`not a relative date: ${expression}`);
  if (!m[1]) return now;
  const unit = m[3] === 'DAYS' ? 86_400_000 : 3_600_000;
  return now + (m[1] === '-' ? -1 : 1) * Number(m[2]) * unit;
}

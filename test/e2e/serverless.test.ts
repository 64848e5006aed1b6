import { readdirSync, readFileSync, statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { checkS3, type LoadResult, sendLoad, serverErrors } from '../../dev/load-run';
import { ObservedOpSchema } from '../../lib/ingest/op';
import { WRITE_BUDGET } from '../../lib/platform/config';
import { METRICS_NAMESPACE, MetricName } from '../../lib/platform/metrics';
import { encodeCompacted } from '../../lib/storage/compacted-codec';
import {
  CHECKPOINT_KEY,
  compactedKey,
  hourPartition,
  keyTime,
  segmentKey,
} from '../../lib/storage/keys';
import { S3SegmentStore } from '../../lib/storage/s3-store';
import { encodeSegment } from '../../lib/storage/segment-codec';
import { httpEvent } from '../support/events';
import { listKeys, rawClient, uniquePrefix } from '../support/s3';
import { invokeLocal, type Offline, packageService, startOffline } from '../support/serverless';
import { packagedTemplate, type Resource, render, resourcesOf } from '../support/template';

// The real local stack: serverless-offline (API Gateway HTTP API emulation)
// and `serverless invoke local`, over the test S3 server. One file, run in
// order, because both build into the same .esbuild/ folder.

const s3 = rawClient();
const prefix = uniquePrefix('e2e');
const env = {
  S3_ENDPOINT: inject('s3Endpoint'),
  OBSERVER_BUCKET: inject('s3Bucket'),
  OBSERVER_PREFIX: prefix,
  OBSERVER_API_TOKEN: '',
};

const post = (url: string, body: string, contentType = 'application/json') =>
  fetch(`${url}/observer/event`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body,
  });

describe('over HTTP through serverless-offline', () => {
  let api: Offline;

  beforeAll(async () => {
    api = await startOffline(env);
  }, 60_000);

  afterAll(async () => {
    await api?.stop();
  });

  it('GET /observer/health answers 200 ok', async () => {
    const res = await fetch(`${api.url}/observer/health`);

    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toMatchObject({ status: 'ok', ring_cap: 2000 });
  });

  it('POST /observer/event answers 201 and the op is in S3', async () => {
    const res = await post(api.url, JSON.stringify({ endpoint: 'tools/call', success: true }));

    expect(res.status).toBe(201);
    const body = (await res.json()) as { ok: boolean; key: string };
    expect(body.ok).toBe(true);
    expect(await listKeys(s3, prefix)).toEqual([`${prefix}${body.key}`]);
  });

  it('GET /observer/stats aggregates what was posted', async () => {
    await post(
      api.url,
      JSON.stringify({ endpoint: 'fill', source: 'scenario', staffer_id: 'w-17', role: 'welder' }),
    );

    const res = await fetch(`${api.url}/observer/stats`);

    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      total: 2,
      successes: 1,
      failures: 1,
      by_source: { mcp: 1, scenario: 1 },
      recent_scenario_ops: [{ ts: expect.any(String), ok: false, staffer: 'w-17', role: 'welder' }],
    });
  });

  it('answers 400 naming the field for an invalid op', async () => {
    const res = await post(api.url, JSON.stringify({ endpoint: '' }));

    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      error: expect.stringMatching(/^invalid op: endpoint/),
    });
  });

  it('answers 400 for a body that is not JSON', async () => {
    const res = await post(api.url, 'endpoint=x');

    expect(res.status).toBe(400);
  });

  it('answers 413 for an op over 64 KiB', async () => {
    const res = await post(api.url, JSON.stringify({ endpoint: 'x', blob: 'a'.repeat(70_000) }));

    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: expect.stringMatching(/limit is 65536/) });
  });

  it('answers 415 for a form-encoded body', async () => {
    const res = await post(api.url, 'endpoint=x', 'application/x-www-form-urlencoded');

    expect(res.status).toBe(415);
  });

  it('answers 404 with a JSON error for an unknown route', async () => {
    const res = await fetch(`${api.url}/observer/nope`);

    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: 'no route for GET /observer/nope' });
  });

  it('answers 405 for a known path with the wrong method', async () => {
    const res = await fetch(`${api.url}/observer/event`);

    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
  });

  it('stored exactly the two accepted ops', async () => {
    expect(await listKeys(s3, prefix)).toHaveLength(2);
  });

  it('POST /observer/events answers 207 for a mixed batch and writes one segment', async () => {
    const res = await fetch(`${api.url}/observer/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ endpoint: 'b1', id: 'e2e-1' }, { endpoint: '' }, { endpoint: 'b2' }]),
    });

    expect(res.status).toBe(207);
    const body = (await res.json()) as {
      accepted: { index: number }[];
      rejected: { index: number }[];
    };
    expect(body.accepted.map((a) => a.index)).toEqual([0, 2]);
    expect(body.rejected.map((r) => r.index)).toEqual([1]);
    expect(await listKeys(s3, `${prefix}ops/`)).toHaveLength(3);
    const stats = await (await fetch(`${api.url}/observer/stats`)).json();
    expect(stats).toMatchObject({ total: 4 });
  });

  it('runs the scheduled snapshot through the offline invoke port', async () => {
    const res = await fetch(
      `${api.lambdaUrl}/2015-03-31/functions/observer-local-snapshot/invocations`,
      { method: 'POST', body: '{}' },
    );

    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ops: 4 });
    const keys = await listKeys(s3, `${prefix}stats/`);
    expect(keys).toContain(`${prefix}stats/latest.json`);
  });

  it('GET /observer/stats/history returns the snapshot just written', async () => {
    const res = await fetch(`${api.url}/observer/stats/history?hours=1`);

    expect(res.status).toBe(200);
    const body = (await res.json()) as { hours: number; snapshots: { total: number }[] };
    expect(body.hours).toBe(1);
    expect(body.snapshots.map((s) => s.total)).toEqual([4]);
  });

  it('GET /observer/stats/history answers 400 for a bad hours', async () => {
    const res = await fetch(`${api.url}/observer/stats/history?hours=500`);

    expect(res.status).toBe(400);
  });
});

describe('load through serverless-offline: 2,000 events from 32 clients', () => {
  const EVENTS = 2_000;
  const loadPrefix = uniquePrefix('load');
  const token = 'a-load-test-token-0123456789';
  let api: Offline;
  let run: LoadResult;

  beforeAll(async () => {
    api = await startOffline({
      ...env,
      OBSERVER_PREFIX: loadPrefix,
      OBSERVER_RING_CAP: String(EVENTS),
      OBSERVER_API_TOKEN: token,
    });
    run = await sendLoad({ url: api.url, events: EVENTS, concurrency: 32, maxMs: 90_000, token });
  }, 120_000);

  afterAll(async () => {
    await api?.stop();
  });

  it('acknowledges every event with 201, with no 5xx and no request unanswered', () => {
    expect(run.sent).toBe(EVENTS);
    expect(run.statuses).toEqual({ 201: EVENTS });
    expect(serverErrors(run)).toBe(0);
    expect(run.noAnswer).toBe(0);
  });

  it('has exactly the acknowledged ops in S3, each under the key its ack named', async () => {
    const check = await checkS3(s3, inject('s3Bucket'), loadPrefix, run.acked);

    expect(check).toEqual({ found: EVENTS, missing: [], unacknowledged: [], mismatched: [] });
  }, 60_000);

  it('counts every acknowledged op in stats', async () => {
    const res = await fetch(`${api.url}/observer/stats`, {
      headers: { authorization: `Bearer ${token}` },
    });

    expect(res.status).toBe(200);
    expect(((await res.json()) as { total: number }).total).toBe(EVENTS);
  }, 60_000);
});

describe('serverless invoke local', () => {
  it('runs health with an API Gateway v2 event', async () => {
    const res = await invokeLocal('health', httpEvent({ path: '/observer/health' }), env);

    expect(res.statusCode).toBe(200);
    expect(JSON.parse(String(res.body))).toMatchObject({ status: 'ok' });
  });

  it('runs event with an API Gateway v2 event and stores the op', async () => {
    const res = await invokeLocal(
      'event',
      httpEvent({
        method: 'POST',
        path: '/observer/event',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ endpoint: 'invoke-local', success: true }),
      }),
      env,
    );

    expect(res.statusCode).toBe(201);
    expect(await listKeys(s3, `${prefix}ops/`)).toHaveLength(4);
  });

  it('runs stats with an API Gateway v2 event, rebuilt from S3', async () => {
    const res = await invokeLocal('stats', httpEvent({ path: '/observer/stats' }), env);

    expect(res.statusCode).toBe(200);
    expect(JSON.parse(String(res.body))).toMatchObject({ total: 5, successes: 2, failures: 3 });
  });

  it('runs the scheduled snapshot with an EventBridge event', async () => {
    const res = await invokeLocal(
      'snapshot',
      {
        version: '0',
        id: 'e2e',
        'detail-type': 'Scheduled Event',
        source: 'aws.events',
        account: '123456789012',
        time: new Date().toISOString(),
        region: 'us-east-1',
        resources: ['arn:aws:events:us-east-1:123456789012:rule/observer-local-snapshot'],
        detail: {},
      },
      env,
    );

    expect(res).toMatchObject({ ops: 5 });
  });

  it('runs notFound for an unmatched route', async () => {
    const res = await invokeLocal('notFound', httpEvent({ path: '/x' }), env);

    expect(res.statusCode).toBe(404);
  });
});

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
  }, 60_000);

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

  it('grants nothing in SSM or KMS when the token does not come from SSM', () => {
    const all = roleStatements(template).flatMap(actions);

    expect(all.filter((a) => a.startsWith('ssm:') || a.startsWith('kms:'))).toEqual([]);
    expect(template.Resources.ApiTokenReadPolicy).toBeUndefined();
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
  }, 60_000);

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
  }, 60_000);
});

describe('the compact function through serverless invoke local', () => {
  it('compacts an old hour into one object, written and read back by the bundle', async () => {
    const old = new Date(Date.now() - 5 * 3_600_000);
    await new S3SegmentStore(s3, inject('s3Bucket'), prefix).append(
      [{ endpoint: 'five-hours-ago', success: true, timestamp: old.toISOString(), source: 'mcp' }],
      old,
    );

    const summary = await invokeLocal('compact', {}, env);

    expect(summary).toMatchObject({ compacted: 1, segments_deleted: 1, ops_compacted: 1 });
    const hour = await listKeys(s3, `${prefix}${hourPartition(old)}`);
    expect(hour).toEqual([`${prefix}${compactedKey(hourPartition(old))}`]);
    const entries = await new S3SegmentStore(s3, inject('s3Bucket'), prefix).read(
      compactedKey(hourPartition(old)),
    );
    expect(entries?.map((e) => e.op.endpoint)).toEqual(['five-hours-ago']);
  });
});

describe('the packaged template', () => {
  let template: ReturnType<typeof packagedTemplate>;

  beforeAll(async () => {
    await packageService({ OBSERVER_PREFIX: 'tenant-a' });
    template = packagedTemplate();
  }, 120_000);

  it('gives compact its own role, the only one that may delete, and only under ops/', () => {
    const fn = template.Resources.CompactLambdaFunction as Resource;
    const statements = (role: string) =>
      (
        (template.Resources[role] as Resource).Properties.Policies as {
          PolicyDocument: { Statement: { Action: string[]; Resource: unknown[] }[] };
        }[]
      ).flatMap((p) => p.PolicyDocument.Statement);
    const deletes = (role: string) =>
      statements(role).filter((s) => s.Action.some((a) => a.startsWith('s3:Delete')));

    expect(fn.Properties.Role).toEqual({ 'Fn::GetAtt': ['CompactRole', 'Arn'] });
    expect(deletes('CompactRole').map((s) => s.Resource.map(render))).toEqual([
      [`${S3_ARN}{Ref:OpsBucket}/tenant-a/ops/*`],
    ]);
    expect(deletes('IamRoleLambdaExecution')).toEqual([]);
    const others = Object.entries(resourcesOf(template, 'AWS::Lambda::Function')).filter(
      ([id]) => id !== 'CompactLambdaFunction',
    );
    expect(others.length).toBeGreaterThan(5);
    for (const [, other] of others) expect(other.Properties.Role).not.toEqual(fn.Properties.Role);
  });

  it('schedules compact every hour', () => {
    const rule = template.Resources.CompactEventsRuleSchedule1 as Resource;

    expect(rule.Properties.ScheduleExpression).toBe('rate(1 hour)');
  });

  it('expires ops and id markers after 90 days and stats snapshots after 30, under the prefix', () => {
    const bucket = template.Resources.OpsBucket as Resource;
    const { Rules: rules } = bucket.Properties.LifecycleConfiguration as {
      Rules: Record<string, unknown>[];
    };

    expect(rules).toEqual([
      { Id: 'expire-ops', Status: 'Enabled', Prefix: 'tenant-a/ops/', ExpirationInDays: 90 },
      { Id: 'expire-id-markers', Status: 'Enabled', Prefix: 'tenant-a/ids/', ExpirationInDays: 90 },
      {
        Id: 'expire-stats-history',
        Status: 'Enabled',
        Prefix: 'tenant-a/stats/',
        ExpirationInDays: 30,
      },
      {
        Id: 'abort-incomplete-multipart-uploads',
        Status: 'Enabled',
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
      },
    ]);
    // The ops rule covers every key the service writes for an op; the ring checkpoint never expires.
    expect(`tenant-a/${segmentKey(new Date(), 'x')}`.startsWith('tenant-a/ops/')).toBe(true);
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
        expect(types[field], field).toBe(
          field === 'success' ? 'boolean' : field === 'duration_ms' ? 'double' : 'string',
        );
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

import { z } from 'zod';
import { ObservedOpSchema } from '../domain/op';
import { FailuresAnswerSchema, FailuresQuerySchema } from '../failures/clustering/answer';
import { FailureClusterSchema } from '../failures/clustering/report';
import { EscalationPayloadSchema } from '../failures/escalation/escalation-payload';
import {
  EscalationRecordSchema,
  EscalationsAnswerSchema,
  EscalationsQuerySchema,
} from '../failures/escalation/escalation-record';
import { ReviewAnswerSchema } from '../failures/review/review';
import { StoredOpRefSchema } from '../failures/review/review-request';
import {
  BatchAnswerSchema,
  BatchPartialAnswerSchema,
  EventAnswerSchema,
  EventDuplicateAnswerSchema,
} from '../ingest/answers';
import { BatchRequestSchema, MAX_BATCH_OPS } from '../ingest/requests';
import {
  IssueAnswerSchema,
  IssueChangeAnswerSchema,
  IssueMergeRequestSchema,
  IssuePathSchema,
  IssueQuerySchema,
  IssueStatusRequestSchema,
  IssueSummarySchema,
  IssuesAnswerSchema,
  IssuesQuerySchema,
} from '../issues/answers';
import { LogsExportAnswerSchema, OtlpStatusSchema, TraceExportAnswerSchema } from '../otlp/answers';
import { LogsRequestSchema, TraceRequestSchema } from '../otlp/otlp-json';
import { MAX_OTLP_SPANS } from '../otlp/span-ops';
import { HealthAnswerSchema, SERVICE_VERSION } from '../platform/health';
import { OpsPageSchema, OpsQuerySchema } from '../ring/ops-query';
import { PlaybooksAnswerSchema } from '../runs/playbooks';
import { RunAnswerSchema, RunsAnswerSchema, RunsQuerySchema } from '../runs/run-answers';
import { StatsAnswerSchema } from '../runs/usage';
import { HistoryAnswerSchema, HistoryQuerySchema } from '../stats/history';
import {
  GUARDED,
  InvalidOpAnswerSchema,
  InvalidQueryAnswer,
  internalError,
  JSON_BODY,
  NoValidOpAnswerSchema,
  RETRY_AFTER,
  STALE,
} from './common-answers';
import { ErrorAnswerSchema, ForbiddenAnswerSchema, UnavailableAnswerSchema } from './errors';
import {
  type ApiDescription,
  type OpenApiDocument,
  OpenApiDocumentSchema,
  openApiDocument,
  type RouteDescription,
} from './openapi';
import { OTLP_LIMITS } from './otlp';
import { ROUTE_ACCESS } from './routes';

// Every HTTP route with every answer it gives. A new route is one more entry
// in ROUTE_DESCRIPTIONS (and in serverless.yml and ROUTE_ACCESS, which says
// the scope it needs; tests hold them equal).

const PROTOBUF = 'application/x-protobuf';
const MiB = 1024 * 1024;

/** What an OTLP route answers besides 200, each body a google.rpc.Status in the request's encoding. */
function otlpFailures(what: string): RouteDescription['answers'] {
  const status = (description: string, headers?: Record<string, string>) => ({
    description,
    body: OtlpStatusSchema,
    alsoAs: { [PROTOBUF]: 'google.rpc.Status' },
    ...(headers ? { headers } : {}),
  });
  return {
    400: status(`the body does not decode, or is not an ${what}: never retried`),
    401: status(GUARDED[401]?.description ?? '', GUARDED[401]?.headers),
    403: status(GUARDED[403]?.description ?? '', GUARDED[403]?.headers),
    413: status(
      `over ${OTLP_LIMITS.maxBytes / MiB} MiB as received, over ${OTLP_LIMITS.maxDecodedBytes / MiB} MiB decompressed, or over ${MAX_OTLP_SPANS} spans`,
    ),
    415: status(
      'another content type than application/x-protobuf or application/json (answered in JSON), or another content-encoding than gzip',
    ),
    503: status('storage, or the keys kept in SSM, is unavailable; retry', RETRY_AFTER),
    500: status('a bug; the message says only "internal error"'),
  };
}

/** Every HTTP route of the service, with its answers. */
export const ROUTE_DESCRIPTIONS: readonly RouteDescription[] = [
  {
    method: 'POST',
    path: '/observer/event',
    operationId: 'event',
    summary: 'Record one op; answered once it is in S3',
    body: { description: 'one op', schema: ObservedOpSchema },
    answers: {
      201: { description: 'the op is in S3', body: EventAnswerSchema },
      200: {
        description: 'an op with this id is already recorded',
        body: EventDuplicateAnswerSchema,
      },
      400: {
        description: 'the body is empty, not JSON or not an object, or a field is wrong',
        body: [InvalidOpAnswerSchema, ErrorAnswerSchema],
      },
      ...JSON_BODY,
      ...GUARDED,
    },
  },
  {
    method: 'POST',
    path: '/observer/events',
    operationId: 'events',
    summary: `Record up to ${MAX_BATCH_OPS} ops as one S3 object`,
    body: { description: 'a batch of ops', schema: BatchRequestSchema },
    answers: {
      201: { description: 'every op is in S3 (or was already)', body: BatchAnswerSchema },
      207: {
        description: 'the valid ops are in S3; the others refused',
        body: BatchPartialAnswerSchema,
      },
      400: {
        description: 'not a batch, an empty batch, or no valid op in it',
        body: [NoValidOpAnswerSchema, ErrorAnswerSchema],
      },
      ...JSON_BODY,
      413: {
        description: `a body over 1 MiB, or over ${MAX_BATCH_OPS} ops`,
        body: ErrorAnswerSchema,
      },
      ...GUARDED,
    },
  },
  {
    method: 'POST',
    path: '/observer/otlp/v1/traces',
    operationId: 'otlpTraces',
    summary: 'OTLP/HTTP spans (protobuf or JSON, gzip or not) as ops in one S3 object',
    body: {
      description: 'ExportTraceServiceRequest, in JSON (shown) or binary protobuf',
      schema: TraceRequestSchema,
      alsoAs: { [PROTOBUF]: 'ExportTraceServiceRequest, binary protobuf' },
    },
    answers: {
      200: {
        description: 'the ops are in S3; partialSuccess names spans refused (not to be retried)',
        body: TraceExportAnswerSchema,
        alsoAs: { [PROTOBUF]: 'ExportTraceServiceResponse' },
      },
      ...otlpFailures('ExportTraceServiceRequest'),
    },
  },
  {
    method: 'POST',
    path: '/observer/otlp/v1/logs',
    operationId: 'otlpLogs',
    summary: 'OTLP/HTTP logs: error records about spans are kept for their ops, the rest dropped',
    body: {
      description: 'ExportLogsServiceRequest, in JSON (shown) or binary protobuf',
      schema: LogsRequestSchema,
      alsoAs: { [PROTOBUF]: 'ExportLogsServiceRequest, binary protobuf' },
    },
    answers: {
      200: {
        description: 'accepted; the span errors are in S3',
        body: LogsExportAnswerSchema,
        alsoAs: { [PROTOBUF]: 'ExportLogsServiceResponse' },
      },
      ...otlpFailures('ExportLogsServiceRequest'),
    },
  },
  {
    method: 'GET',
    path: '/observer/runs',
    operationId: 'runs',
    summary: "The ring's runs (ops grouped by trace_id), the most recently received first",
    query: RunsQuerySchema,
    answers: {
      200: { description: 'the runs', body: RunsAnswerSchema, headers: STALE },
      400: { description: 'a query parameter is wrong or unknown', body: InvalidQueryAnswer },
      ...GUARDED,
    },
  },
  {
    method: 'GET',
    path: '/observer/runs/{trace_id}',
    operationId: 'run',
    summary: 'One run: its ops in start order, its outcome, duration and tokens',
    pathParams: z.object({
      trace_id: z.string().describe("the run's trace_id (32 hex digits for an OTLP trace)"),
    }),
    answers: {
      200: { description: 'the run', body: RunAnswerSchema, headers: STALE },
      400: { description: 'the trace_id is not one an op could carry', body: ErrorAnswerSchema },
      404: { description: 'no op of the run is in the ring', body: ErrorAnswerSchema },
      ...GUARDED,
    },
  },
  {
    method: 'GET',
    path: '/observer/playbooks',
    operationId: 'playbooks',
    summary: 'Per agent and role: runs, success rate, the usual path, where runs fail',
    answers: {
      200: { description: 'the playbooks the last snapshot stored', body: PlaybooksAnswerSchema },
      ...GUARDED,
    },
  },
  {
    method: 'GET',
    path: '/observer/stats',
    operationId: 'stats',
    summary: 'Aggregates over the ring, refreshed from S3 first',
    answers: {
      200: {
        description: 'the stats JSON',
        body: StatsAnswerSchema,
        headers: { 'x-observer-stale': '"true" when S3 could not be listed: the ring as it was' },
      },
      ...GUARDED,
    },
  },
  {
    method: 'GET',
    path: '/observer/stats/history',
    operationId: 'history',
    summary: 'The stats snapshots of the last hours, oldest first',
    query: HistoryQuerySchema,
    answers: {
      200: { description: 'the snapshots', body: HistoryAnswerSchema },
      400: {
        description:
          'hours is not a whole number from 1 to 168, or the query has another parameter',
        body: InvalidQueryAnswer,
      },
      ...GUARDED,
    },
  },
  {
    method: 'GET',
    path: '/observer/ops',
    operationId: 'ops',
    summary: "The ring's ops, filtered, newest first, a page at a time",
    query: OpsQuerySchema.in,
    answers: {
      200: { description: 'a page of ops', body: OpsPageSchema, headers: STALE },
      400: { description: 'a query parameter is wrong or unknown', body: InvalidQueryAnswer },
      ...GUARDED,
    },
  },
  {
    method: 'GET',
    path: '/observer/failures',
    operationId: 'failures',
    summary: "The ring's failed ops in clusters of one endpoint and error template",
    query: FailuresQuerySchema.in,
    answers: {
      200: {
        description: 'the clusters, most ops first',
        body: FailuresAnswerSchema,
        headers: STALE,
      },
      400: { description: 'a query parameter is wrong or unknown', body: InvalidQueryAnswer },
      ...GUARDED,
    },
  },
  {
    method: 'POST',
    path: '/observer/review',
    operationId: 'review',
    summary: 'A verdict on one op: its cluster, streaks, and a suggested action',
    body: {
      description: 'an op, or {"key", "line"} naming a stored one',
      schema: z.union([StoredOpRefSchema, ObservedOpSchema]),
    },
    answers: {
      200: { description: 'the verdict', body: ReviewAnswerSchema },
      400: {
        description: 'the body is not an op, or names no stored op rightly',
        body: [InvalidOpAnswerSchema, ErrorAnswerSchema],
      },
      404: { description: 'no op is stored at that key and line', body: ErrorAnswerSchema },
      ...JSON_BODY,
      ...GUARDED,
    },
  },
  {
    method: 'GET',
    path: '/observer/escalations',
    operationId: 'escalations',
    summary: 'The escalations of issues, one record per delivery round, newest first',
    query: EscalationsQuerySchema.in,
    answers: {
      200: { description: 'the newest records', body: EscalationsAnswerSchema },
      400: { description: 'a query parameter is wrong or unknown', body: InvalidQueryAnswer },
      ...GUARDED,
    },
  },
  {
    method: 'GET',
    path: '/observer/issues',
    operationId: 'issues',
    summary: 'Every failure kind over all history, with its status: filtered, sorted, paged',
    query: IssuesQuerySchema.in,
    answers: {
      200: { description: 'a page of issues', body: IssuesAnswerSchema, headers: STALE },
      400: { description: 'a query parameter is wrong or unknown', body: InvalidQueryAnswer },
      ...GUARDED,
    },
  },
  {
    method: 'GET',
    path: '/observer/issues/{id}',
    operationId: 'issue',
    summary: 'One issue: its trend, breakdowns, samples and escalations',
    pathParams: IssuePathSchema,
    query: IssueQuerySchema.in,
    answers: {
      200: { description: 'the issue', body: IssueAnswerSchema, headers: STALE },
      400: {
        description: 'not an issue id, or a query parameter is wrong',
        body: InvalidQueryAnswer,
      },
      404: { description: 'no issue has this id', body: ErrorAnswerSchema },
      ...GUARDED,
    },
  },
  {
    method: 'POST',
    path: '/observer/issues/{id}',
    operationId: 'issueStatus',
    summary: 'Resolve, mute or unresolve an issue; records who and when',
    pathParams: IssuePathSchema,
    body: {
      description: 'the status, and for muted an optional end',
      schema: IssueStatusRequestSchema,
    },
    answers: {
      200: { description: 'the issue, as it is now', body: IssueChangeAnswerSchema },
      400: {
        description: 'the body is not JSON, or a field is wrong (an end in the past)',
        body: [InvalidOpAnswerSchema, ErrorAnswerSchema],
      },
      404: { description: 'no issue has this id', body: ErrorAnswerSchema },
      409: { description: 'the issue is merged into another', body: ErrorAnswerSchema },
      ...JSON_BODY,
      ...GUARDED,
    },
  },
  {
    method: 'POST',
    path: '/observer/issues/{id}/merge',
    operationId: 'issueMerge',
    summary: 'Merge an issue into another: its history and later ops count there',
    pathParams: IssuePathSchema,
    body: { description: 'the issue to merge into', schema: IssueMergeRequestSchema },
    answers: {
      200: { description: 'the issue merged into, as it is now', body: IssueChangeAnswerSchema },
      400: {
        description: 'the body is not JSON, or `into` is unknown or this issue itself',
        body: [InvalidOpAnswerSchema, ErrorAnswerSchema],
      },
      404: { description: 'no issue has this id', body: ErrorAnswerSchema },
      409: { description: 'the issue is merged already', body: ErrorAnswerSchema },
      ...JSON_BODY,
      ...GUARDED,
    },
  },
  {
    method: 'GET',
    path: '/observer/health',
    operationId: 'health',
    summary: 'Liveness; no S3 call',
    answers: { 200: { description: 'alive', body: HealthAnswerSchema }, 500: internalError },
  },
  {
    method: 'GET',
    path: '/observer/',
    operationId: 'dashboard',
    summary: 'The dashboard: one HTML page over the routes above',
    answers: {
      200: {
        description: 'the page; it asks for a read key itself when keys are configured',
        body: z.string().describe('HTML'),
        contentType: 'text/html',
      },
      500: internalError,
    },
  },
  {
    method: 'GET',
    path: '/observer/openapi.json',
    operationId: 'openapi',
    summary: 'This description of the API',
    answers: {
      200: { description: 'the OpenAPI 3.1 document', body: OpenApiDocumentSchema },
      500: internalError,
    },
  },
];

const API: Omit<ApiDescription, 'version'> = {
  title: 'observer',
  description:
    'A witness service for autonomous loops: clients report observed ops, which are ' +
    'written to S3 before they are acknowledged, and read aggregate stats. Every answer ' +
    'is JSON. A request no route matches is answered 404, or 405 with `allow` for a ' +
    'known path and another method (components.responses).',
  routes: ROUTE_DESCRIPTIONS,
  access: ROUTE_ACCESS,
  schemas: {
    ObservedOp: ObservedOpSchema,
    Batch: BatchRequestSchema,
    EventAnswer: EventAnswerSchema,
    EventDuplicateAnswer: EventDuplicateAnswerSchema,
    BatchAnswer: BatchAnswerSchema,
    BatchPartialAnswer: BatchPartialAnswerSchema,
    InvalidOpAnswer: InvalidOpAnswerSchema,
    NoValidOpAnswer: NoValidOpAnswerSchema,
    Stats: StatsAnswerSchema,
    HistoryAnswer: HistoryAnswerSchema,
    HealthAnswer: HealthAnswerSchema,
    OpenApiDocument: OpenApiDocumentSchema,
    OpsPage: OpsPageSchema,
    FailuresAnswer: FailuresAnswerSchema,
    FailureCluster: FailureClusterSchema,
    EscalationsAnswer: EscalationsAnswerSchema,
    EscalationRecord: EscalationRecordSchema,
    EscalationPayload: EscalationPayloadSchema,
    IssuesAnswer: IssuesAnswerSchema,
    IssueAnswer: IssueAnswerSchema,
    IssueSummary: IssueSummarySchema,
    IssueChangeAnswer: IssueChangeAnswerSchema,
    ReviewAnswer: ReviewAnswerSchema,
    ExportTraceServiceRequest: TraceRequestSchema,
    ExportLogsServiceRequest: LogsRequestSchema,
    ExportTraceServiceResponse: TraceExportAnswerSchema,
    ExportLogsServiceResponse: LogsExportAnswerSchema,
    Status: OtlpStatusSchema,
    RunAnswer: RunAnswerSchema,
    RunsAnswer: RunsAnswerSchema,
    PlaybooksAnswer: PlaybooksAnswerSchema,
    ErrorAnswer: ErrorAnswerSchema,
    ForbiddenAnswer: ForbiddenAnswerSchema,
    UnavailableAnswer: UnavailableAnswerSchema,
  },
  otherAnswers: {
    NotFound: { description: '404: no route for this path', body: ErrorAnswerSchema },
    MethodNotAllowed: {
      description: '405: a known path with another method',
      body: ErrorAnswerSchema,
      headers: { allow: 'the method the path takes' },
    },
  },
};

let described: OpenApiDocument | undefined;

/** The service's OpenAPI description: generated on first use, not at cold start, then kept. */
export function apiDescription(): OpenApiDocument {
  described ??= openApiDocument({ ...API, version: SERVICE_VERSION });
  return described;
}

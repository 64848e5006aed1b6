import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2 as HttpResult,
} from 'aws-lambda';

export type { HttpResult };
export type HttpEvent = APIGatewayProxyEventV2;

const BASE_HEADERS = {
  'content-type': 'application/json',
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
};

/** Every response goes through here: a JSON body and the same safe headers. */
export function json(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): HttpResult {
  return {
    statusCode: status,
    headers: { ...BASE_HEADERS, ...headers },
    body: JSON.stringify(body),
  };
}

/** A binary answer (OTLP's protobuf): base64 in the result, as API Gateway expects. */
export function binary(
  status: number,
  body: Uint8Array,
  contentType: string,
  headers: Record<string, string> = {},
): HttpResult {
  return {
    statusCode: status,
    headers: { ...BASE_HEADERS, 'content-type': contentType, ...headers },
    body: Buffer.from(body).toString('base64'),
    isBase64Encoded: true,
  };
}

import { apiDescription } from '../lib/http/api-description';
import { httpHandler } from '../lib/http/handler';
import { json } from '../lib/http/response';

/** GET /observer/openapi.json: the OpenAPI 3.1 description of every route; no token, no S3 call. */
export const handler = httpHandler(async () => json(200, apiDescription()));

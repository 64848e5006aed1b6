import { z } from 'zod';
import type { Access } from './routes';

/** One answer of a route: what it means, its JSON body (one schema or alternatives), its headers. */
export interface AnswerDescription {
  description: string;
  body: z.ZodType | readonly z.ZodType[];
  /** Headers worth knowing about, name → what it carries. */
  headers?: Readonly<Record<string, string>>;
  /** The media type of the body; JSON unless said (the dashboard is HTML). */
  contentType?: string;
  /** The same answer in other media types (OTLP's protobuf), type → what it holds. */
  alsoAs?: Readonly<Record<string, string>>;
}

/** One HTTP route: a path, a method, and every answer it gives, each with its zod schema. */
export interface RouteDescription {
  method: 'GET' | 'POST';
  path: string;
  /** The serverless.yml function that serves the route. */
  operationId: string;
  summary: string;
  query?: z.ZodObject;
  /** Parameters in the path (`{trace_id}`), each a string schema. */
  pathParams?: z.ZodObject;
  body?: {
    description: string;
    schema: z.ZodType;
    /** The body in other media types (OTLP's protobuf), type → what it holds. */
    alsoAs?: Readonly<Record<string, string>>;
  };
  answers: Readonly<Record<number, AnswerDescription>>;
}

/** What an OpenAPI description is generated from. */
export interface ApiDescription {
  title: string;
  version: string;
  description: string;
  routes: readonly RouteDescription[];
  /** Who may call each route, `METHOD /path` → a scope or `open`: every route must be there. */
  access: Readonly<Record<string, Access>>;
  /** Schemas with a name: each becomes a component, referenced wherever a route uses it. */
  schemas: Readonly<Record<string, z.ZodType>>;
  /** Answers no route declares (the catch-all's), by component name. */
  otherAnswers: Readonly<Record<string, AnswerDescription>>;
}

/** The shape of an OpenAPI 3.1 document, as far as the service relies on it. */
export const OpenApiDocumentSchema = z.looseObject({
  openapi: z.literal('3.1.0'),
  info: z.looseObject({ title: z.string(), version: z.string() }),
  paths: z.record(z.string(), z.record(z.string(), z.unknown())),
  components: z.looseObject({ schemas: z.record(z.string(), z.unknown()) }),
});
export type OpenApiDocument = z.infer<typeof OpenApiDocumentSchema>;

type JsonSchema = Record<string, unknown>;
type Io = 'input' | 'output';

/** The name of the bearer security scheme. */
export const BEARER = 'bearerToken';

/**
 * The OpenAPI 3.1 document of `api`: every route's parameters, request body
 * (its input shape) and answers (their output shape), as JSON Schema 2020-12
 * generated from the zod schemas the code validates and answers with.
 */
export function openApiDocument(api: ApiDescription): OpenApiDocument {
  const refs = new SchemaRefs(api.schemas);
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of api.routes) {
    const method = route.method.toLowerCase();
    if (paths[route.path]?.[method] !== undefined) {
      throw new Error(`${route.method} ${route.path} is described twice`);
    }
    const access = api.access[`${route.method} ${route.path}`];
    if (access === undefined) throw new Error(`${route.method} ${route.path} has no access`);
    paths[route.path] = { ...paths[route.path], [method]: operation(route, access, refs) };
  }
  const responses = Object.fromEntries(
    Object.entries(api.otherAnswers).map(([name, answer]) => [name, response(answer, refs)]),
  );
  return {
    openapi: '3.1.0',
    info: { title: api.title, version: api.version, description: api.description },
    paths,
    components: {
      // After every route and answer above: the components are the schemas they used.
      schemas: refs.components(),
      responses,
      securitySchemes: {
        [BEARER]: {
          type: 'http',
          scheme: 'bearer',
          description:
            'An API key, or the service token (an admin key). Each route names the scope ' +
            'its key needs: ingest, read or admin (admin may call every route). Required ' +
            'only when the service has keys or a token configured.',
        },
      },
    },
  };
}

function operation(route: RouteDescription, access: Access, refs: SchemaRefs): JsonSchema {
  const responses = Object.fromEntries(
    Object.entries(route.answers).map(([status, answer]) => [status, response(answer, refs)]),
  );
  return {
    operationId: route.operationId,
    summary: route.summary,
    security: security(access),
    ...(route.query || route.pathParams
      ? {
          parameters: [
            ...parameters(route.pathParams, 'path'),
            ...parameters(route.query, 'query'),
          ],
        }
      : {}),
    ...(route.body
      ? {
          requestBody: {
            required: true,
            description: route.body.description,
            content: {
              'application/json': { schema: refs.use(route.body.schema, 'input') },
              ...binaryContent(route.body.alsoAs),
            },
          },
        }
      : {}),
    responses,
  };
}

/**
 * A key with the route's scope, or an admin key; `{}` as the last
 * alternative: without keys configured, no credentials are needed.
 */
function security(access: Access): JsonSchema[] {
  if (access === 'open') return [];
  const admin = access === 'admin' ? [] : [{ [BEARER]: ['admin'] }];
  return [{ [BEARER]: [access] }, ...admin, {}];
}

function response(answer: AnswerDescription, refs: SchemaRefs): JsonSchema {
  const bodies = (Array.isArray(answer.body) ? answer.body : [answer.body]) as z.ZodType[];
  const schemas = bodies.map((b) => refs.use(b, 'output'));
  const headers = Object.entries(answer.headers ?? {}).map(([name, description]) => [
    name,
    { description, schema: { type: 'string' } },
  ]);
  return {
    description: answer.description,
    ...(headers.length > 0 ? { headers: Object.fromEntries(headers) } : {}),
    content: {
      [answer.contentType ?? 'application/json']: {
        schema: schemas.length === 1 ? schemas[0] : { anyOf: schemas },
      },
      ...binaryContent(answer.alsoAs),
    },
  };
}

/** Other media types of a body: bytes, described in words. */
function binaryContent(alsoAs: Readonly<Record<string, string>> | undefined): JsonSchema {
  return Object.fromEntries(
    Object.entries(alsoAs ?? {}).map(([type, description]) => [
      type,
      { schema: { type: 'string', contentMediaType: type, description } },
    ]),
  );
}

function parameters(params: z.ZodObject | undefined, where: 'query' | 'path'): JsonSchema[] {
  return Object.entries(params?.shape ?? {}).map(([name, field]) => {
    const { description, ...schema } = toJsonSchema(field as z.ZodType, 'input');
    return {
      name,
      in: where,
      required: where === 'path' || !(field as z.ZodType).safeParse(undefined).success,
      ...(description !== undefined ? { description } : {}),
      schema,
    };
  });
}

function toJsonSchema(schema: z.ZodType, io: Io): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, target: 'draft-2020-12' });
  return rest;
}

/**
 * Named schemas become components, each converted on the side (request or
 * answer) the routes use it on; one named schema inside another is a `$ref`.
 */
class SchemaRefs {
  private readonly names = new Map<z.ZodType, string>();
  private readonly used = new Map<string, { schema: z.ZodType; io: Io }>();

  constructor(named: Readonly<Record<string, z.ZodType>>) {
    for (const [name, schema] of Object.entries(named)) this.names.set(schema, name);
  }

  /** A reference to the schema's component, or the schema inline when it has no name. */
  use(schema: z.ZodType, io: Io): JsonSchema {
    const name = this.names.get(schema);
    if (name === undefined) return toJsonSchema(schema, io);
    const seen = this.used.get(name);
    if (seen !== undefined && seen.io !== io) {
      throw new Error(`schema ${name} is used both as a request and as an answer; name each side`);
    }
    this.used.set(name, { schema, io });
    return { $ref: COMPONENT(name) };
  }

  /** The components the routes referenced, by name. */
  components(): Record<string, JsonSchema> {
    const out: Record<string, JsonSchema> = {};
    for (const io of ['input', 'output'] as const) {
      const registry = z.registry<{ id: string }>();
      for (const [id, u] of this.used) if (u.io === io) registry.add(u.schema, { id });
      const { schemas } = z.toJSONSchema(registry, { io, target: 'draft-2020-12', uri: COMPONENT });
      for (const [id, { $schema: _dialect, $id: _id, ...rest }] of Object.entries(schemas)) {
        out[id] = rest;
      }
    }
    return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
  }
}

const COMPONENT = (name: string) => `#/components/schemas/${name}`;

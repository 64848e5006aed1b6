// Validates JSON against the API description, with a JSON Schema 2020-12
// validator that knows nothing of zod: what a client's tools would see.
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { OpenApiDocument } from '../../lib/http/openapi';

// ajv-formats is CommonJS: its default export arrives wrapped.
const addFormats =
  (addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ??
  addFormatsModule;

const DOCUMENT = 'https://observer.invalid/openapi.json';

/** The catch-all's answers: components.responses by status. */
const CATCH_ALL: Record<number, string> = { 404: 'NotFound', 405: 'MethodNotAllowed' };

type Json = Record<string, unknown>;

/** A strict 2020-12 validator with formats, that reads an OpenAPI document's top-level keys. */
export function strictAjv(): Ajv2020 {
  const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true });
  addFormats(ajv);
  ajv.addVocabulary(['openapi', 'info', 'paths', 'components']);
  return ajv;
}

/** JSON pointer escaping of one reference token. */
const token = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

/** Validators for the request body and each answer of the routes `doc` describes. */
export function describedBy(doc: OpenApiDocument) {
  const ajv = strictAjv();
  ajv.addSchema(doc, DOCUMENT);
  const compile = (pointer: string): ValidateFunction => {
    const validate = ajv.getSchema(
      `${DOCUMENT}#${pointer.split('/').map(encodeURIComponent).join('/')}`,
    );
    if (validate === undefined) throw new Error(`the description has nothing at ${pointer}`);
    return validate;
  };
  // A concrete path (`/observer/issues/3f9a…`) is described under its template (`{id}`).
  const described = (path: string): string => {
    if (doc.paths[path] !== undefined) return path;
    const template = Object.keys(doc.paths).find((t) =>
      new RegExp(`^${t.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{\w+\}/g, '[^/]+')}$`).test(
        path,
      ),
    );
    return template ?? path;
  };
  const operation = (method: string, path: string) =>
    (doc.paths[described(path)]?.[method.toLowerCase()] as Json | undefined) ?? undefined;
  const content = '/content/application~1json/schema';
  return {
    /** The validator of a route's request body; throws when the route takes none. */
    request(method: string, path: string): ValidateFunction {
      if (operation(method, path)?.requestBody === undefined) {
        throw new Error(`${method} ${path} is described with no request body`);
      }
      const at = token(described(path));
      return compile(`/paths/${at}/${method.toLowerCase()}/requestBody${content}`);
    },
    /**
     * The validator of one answer: the route's own, or for a path no route
     * has the catch-all's 404, and for a described path with another method its 405.
     */
    answer(method: string, path: string, status: number): ValidateFunction {
      const op = operation(method, path);
      if (op !== undefined) {
        if ((op.responses as Json)[String(status)] === undefined) {
          throw new Error(`${method} ${path} is described with no ${status} answer`);
        }
        const types = Object.keys(((op.responses as Json)[String(status)] as Json).content as Json);
        const media = types.includes('application/json')
          ? content
          : `/content/${token(types[0] ?? '')}/schema`;
        const at = token(described(path));
        return compile(`/paths/${at}/${method.toLowerCase()}/responses/${status}${media}`);
      }
      const expected = doc.paths[described(path)] === undefined ? 404 : 405;
      if (status !== expected)
        throw new Error(`${method} ${path} is answered ${expected}, not ${status}`);
      return compile(`/components/responses/${CATCH_ALL[status]}${content}`);
    },
  };
}

/** What a validator said, one line per error, for a failing assertion's message. */
export function errorsOf(validate: ValidateFunction): string {
  return (validate.errors ?? [])
    .map((e) => `${e.instancePath || '(root)'} ${e.message}`)
    .join('; ');
}

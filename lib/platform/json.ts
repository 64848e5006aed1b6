/**
 * Parses JSON text, or undefined when it is not JSON. `JSON.parse` defines
 * every member as an own data property, `__proto__` included, so parsing
 * alone never changes a prototype; code that copies parsed objects must do
 * so with `Object.fromEntries` or spread, never by assignment.
 */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

// Changes to serverless-offline's own source, made as Node loads it into the
// emulator's process (register.mjs installs this load hook). Each patch names
// the file, the exact text it replaces and why. A patch whose text is not in
// its file exactly once fails the load: a serverless-offline upgrade that
// changed the file stops the emulator at its start, never passes unpatched.

/**
 * @typedef {object} Patch
 * @property {string} name
 * @property {string} why
 * @property {string} file the path under node_modules
 * @property {string} find the text replaced, found exactly once
 * @property {string} replace
 */

/** @type {readonly Patch[]} */
export const PATCHES = [
  {
    name: 'the raw body',
    why:
      'API Gateway (payload 2.0) gives a function the body as sent. serverless-offline ' +
      'gives it the JSON.parse of a JSON body that is not an object or array: 0 and false ' +
      'as a number and a boolean, null and "" as no body, a JSON string as its content.',
    file: 'serverless-offline/src/events/http/lambda-events/LambdaProxyIntegrationEventV2.js',
    find: 'let body = this.#request.payload\n',
    // What HttpServer.js read from the request, before it parsed it as JSON.
    replace: 'let body = this.#request.rawPayload\n',
  },
  {
    name: 'bytes that are not UTF-8',
    why:
      'serverless-offline decodes a JSON body as UTF-8, turning bytes that are not UTF-8 ' +
      'into U+FFFD before the function sees them; the function is given them base64-encoded ' +
      '(isBase64Encoded), as API Gateway gives a body it does not take for text, so it can ' +
      'refuse them by their offset.',
    file: 'serverless-offline/src/events/http/lambda-events/LambdaProxyIntegrationEventV2.js',
    find: '        detectEncoding(this.#request) === "binary"\n',
    replace:
      '        (detectEncoding(this.#request) === "binary" ||\n' +
      '          !Buffer.from(this.#request.raw.req.payload).equals(\n' +
      '            Buffer.from(Buffer.from(this.#request.raw.req.payload).toString("utf8")),\n' +
      '          ))\n',
  },
  {
    name: 'no route table',
    why:
      'The table serverless-offline prints at start names its own port, which the front ' +
      '(emulator-front.ts) stands before, and invoke paths no function has; npm start ' +
      'prints the addresses to use.',
    file: 'serverless-offline/src/events/http/HttpServer.js',
    find: '  writeRoutesTerminal() {\n    logRoutes(this.#terminalInfo)\n  }\n',
    replace: '  writeRoutesTerminal() {}\n',
  },
  {
    name: 'binary bodies',
    why:
      'API Gateway (HTTP API) hands a function a binary body base64-encoded (isBase64Encoded), ' +
      'and so any body sent with a content-encoding such as gzip. serverless-offline does so ' +
      'only for application/octet-stream and multipart/form-data, and decodes every other ' +
      'body as UTF-8: a protobuf or gzip body (OTLP) arrives with its bytes replaced.',
    file: 'serverless-offline/src/utils/index.js',
    find:
      '  return typeof contentType === "string" &&\n' +
      '    possibleBinaryContentTypes.some((possibleBinaryContentType) =>\n' +
      '      contentType.includes(possibleBinaryContentType),\n' +
      '    )\n' +
      '    ? "binary"\n' +
      '    : "utf8"\n',
    // Text is JSON, XML, JavaScript, a form or text/*; anything else, or anything encoded, is bytes.
    replace:
      '  const contentEncoding = String(request.headers["content-encoding"] ?? "").trim().toLowerCase()\n' +
      '  if (contentEncoding !== "" && contentEncoding !== "identity") return "binary"\n' +
      '  return typeof contentType === "string" &&\n' +
      '    !/^\\s*(text\\/|application\\/([\\w.+-]*\\+)?(json|xml|javascript|x-www-form-urlencoded)\\s*(;|$))/i.test(contentType)\n' +
      '    ? "binary"\n' +
      '    : "utf8"\n',
  },
  {
    name: 'schedules only when asked',
    why:
      'serverless-offline runs the scheduled functions on their clock (snapshot every minute, ' +
      'compact every hour), as deployed. A test that invokes them itself needs nothing to run ' +
      'between its steps: with OBSERVER_LOCAL_SCHEDULES=off they run only when invoked.',
    file: 'serverless-offline/src/events/schedule/Schedule.js',
    find: '  create(events) {\n    events.forEach(',
    replace:
      '  create(events) {\n' +
      '    if (process.env.OBSERVER_LOCAL_SCHEDULES === "off") {\n' +
      '      log.warning("scheduled functions run only when invoked (OBSERVER_LOCAL_SCHEDULES=off)")\n' +
      '      return\n' +
      '    }\n' +
      '    events.forEach(',
  },
];

/** The patches for the module at `url`. */
function patchesOf(url) {
  return PATCHES.filter((p) => url.endsWith(`/node_modules/${p.file}`));
}

/**
 * `source` of the module at `url` with its patches applied; throws naming the
 * patch when its text is not there exactly once.
 * @param {string} url
 * @param {string} source
 * @returns {string}
 */
export function applyPatches(url, source) {
  let text = source;
  for (const patch of patchesOf(url)) {
    const found = text.split(patch.find).length - 1;
    if (found !== 1) {
      throw new Error(
        `serverless-offline patch "${patch.name}": ${patch.file} holds the text it replaces ` +
          `${found} times, not once; has serverless-offline changed? (dev/offline-patches/hooks.mjs)`,
      );
    }
    text = text.replace(patch.find, () => patch.replace);
  }
  return text;
}

/** Node's module load hook: serverless-offline's patched files as patched, the rest as they are. */
export async function load(url, context, nextLoad) {
  const loaded = await nextLoad(url, context);
  if (patchesOf(url).length === 0 || loaded.source == null) return loaded;
  const source =
    typeof loaded.source === 'string' ? loaded.source : new TextDecoder().decode(loaded.source);
  return { ...loaded, source: applyPatches(url, source) };
}

// `npm start`: the HTTP API on http://localhost:3000 (serverless-offline
// behind its front, dev/offline-stack.ts) over an embedded local S3 whose
// data lives in .data/s3 (or OBSERVER_DATA_DIR) and survives restarts, or
// over the S3 that S3_ENDPOINT and OBSERVER_BUCKET name. The configuration
// is checked before anything listens; a change to the sources restarts the
// functions; SIGINT, SIGTERM or SIGHUP, at any time, or the end of the
// process that started it (npm), stops all of it.
import { relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type LocalS3, startLocalS3 } from '../dev/local-s3';
import { type OfflineStack, startOfflineStack } from '../dev/offline-stack';
import { onSourceChange, SOURCE_DIRS } from '../dev/source-watch';
import { onStopRequest } from '../dev/stop-request';
import { ROUTE_ACCESS } from '../lib/http/routes';
import { ConfigError, loadConfig } from '../lib/platform/config';

/** The HTTP routes of serverless.yml (the catch-all aside), as the ready message lists them: the route table's. */
const ROUTES = {
  POST: routesOf('POST'),
  GET: routesOf('GET'),
};
const bucket = process.env.OBSERVER_BUCKET || 'observer-local';
const dataDir = resolve(process.env.OBSERVER_DATA_DIR || '.data/s3');
const { httpPort, host, lambdaPort, rest } = ports(process.argv.slice(2));

let s3: LocalS3 | undefined;
let stack: OfflineStack | undefined;
let unwatch = () => {};
let stopping = false;
/**
 * Stops what runs and exits. An emulator still starting is killed, with
 * what it started, as this process exits (dev/emulator-process.ts).
 */
const stop = async (code: number) => {
  if (stopping) return;
  stopping = true;
  unwatch();
  await stack?.stop();
  await s3?.close();
  process.exit(code);
};
// From the start: a stop asked for while it starts (Ctrl-C during the first build) stops it too.
onStopRequest(() => void stop(0));

try {
  // What the functions will be given; the embedded S3's address stands in until it listens.
  loadConfig({
    ...process.env,
    OBSERVER_BUCKET: bucket,
    S3_ENDPOINT: process.env.S3_ENDPOINT || 'http://127.0.0.1:4569',
  });
} catch (err: unknown) {
  if (!(err instanceof ConfigError)) throw err;
  console.error(`npm start: ${err.message}`);
  process.exit(1);
}

let endpoint = process.env.S3_ENDPOINT || '';
if (endpoint === '') {
  s3 = await startLocalS3({
    directory: dataDir,
    bucket,
    port: Number(process.env.S3_PORT || 4569),
  });
  endpoint = s3.endpoint;
}
const started = await startOfflineStack({
  env: { S3_ENDPOINT: endpoint, OBSERVER_BUCKET: bucket },
  httpPort,
  host,
  lambdaPort,
  args: rest,
  output: 'inherit',
}).catch(async (err: unknown) => {
  await s3?.close();
  throw err;
});
stack = started;
const url = started.url.replace('127.0.0.1', 'localhost');
// The addresses to use, and only those (the emulator's own port is behind the front).
console.log(
  [
    `observer ready on ${url} (the dashboard: ${url}/observer/)`,
    `  POST ${ROUTES.POST.join(', ')}`,
    `  GET  ${ROUTES.GET.join(', ')}`,
    `  functions by name (snapshot, compact, ...): ${started.lambdaUrl.replace('127.0.0.1', 'localhost')}`,
    `  S3 ${endpoint}, bucket ${bucket}${s3 ? `, data in ${dataDir}` : ''}`,
  ].join('\n'),
);

// New code is served once it is saved: the functions are restarted on a change to their sources.
unwatch = onSourceChange(
  SOURCE_DIRS.map((dir) => fileURLToPath(new URL(`../${dir}`, import.meta.url))),
  async (changed) => {
    console.error(
      `npm start: ${relative(process.cwd(), changed)} changed; restarting the functions`,
    );
    try {
      await started.restart();
      console.error('npm start: the functions run the new code');
    } catch (err: unknown) {
      console.error(
        `npm start: the functions did not start (${String(err)}); answering 502 until the next change`,
      );
    }
  },
);

void started.exited.then((code) => stop(typeof code === 'number' ? code : 1));

/** `--httpPort`, `--host` and `--lambdaPort` are the stack's; other arguments go to serverless offline. */
function ports(args: string[]): {
  httpPort: number;
  host: string;
  lambdaPort: number;
  rest: string[];
} {
  const found: Record<string, string> = {};
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const [name = '', inline] = (args[i] as string).split('=', 2);
    if (['--httpPort', '--host', '--lambdaPort'].includes(name))
      found[name] = inline ?? args[++i] ?? '';
    else rest.push(args[i] as string);
  }
  return {
    httpPort: Number(found['--httpPort'] ?? 3000),
    host: found['--host'] ?? '127.0.0.1',
    lambdaPort: Number(found['--lambdaPort'] ?? 3002),
    rest,
  };
}

function routesOf(method: 'GET' | 'POST'): string[] {
  return Object.keys(ROUTE_ACCESS)
    .filter((route) => route.startsWith(`${method} `))
    .map((route) => route.slice(method.length + 1));
}

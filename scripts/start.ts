// `npm start`: the HTTP API on http://localhost:3000 (serverless-offline),
// over an embedded s3rver whose data lives in .data/s3 and survives restarts,
// or over the S3 that S3_ENDPOINT and OBSERVER_BUCKET name.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { type LocalS3, startLocalS3 } from '../dev/local-s3';

const bucket = process.env.OBSERVER_BUCKET || 'observer-local';
const extraArgs = process.argv.slice(2);

let s3: LocalS3 | undefined;
let endpoint = process.env.S3_ENDPOINT || '';
if (endpoint === '') {
  s3 = await startLocalS3({
    directory: resolve(process.env.OBSERVER_DATA_DIR || '.data/s3'),
    bucket,
    port: Number(process.env.S3_PORT || 4569),
  });
  endpoint = s3.endpoint;
  console.log(`local S3 (s3rver) on ${endpoint}, bucket ${bucket}, data in .data/s3`);
}

const offline = spawn(
  resolve('node_modules/.bin/serverless'),
  ['offline', 'start', '--stage', 'local', '--noSponsor', ...extraArgs],
  {
    stdio: 'inherit',
    env: {
      ...process.env,
      S3_ENDPOINT: endpoint,
      OBSERVER_BUCKET: bucket,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
  },
);

let stopping = false;
const stop = async (code: number) => {
  if (stopping) return;
  stopping = true;
  if (offline.exitCode === null) offline.kill('SIGINT');
  await s3?.close();
  process.exit(code);
};
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));
offline.on('exit', (code) => void stop(code ?? 0));

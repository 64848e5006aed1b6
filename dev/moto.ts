// moto's S3 (`moto_server`, Python), a second and stricter local S3: it
// honours conditional writes as S3 does. Installed on the development and CI
// machines; elsewhere `pip install 'moto[server]'`.
import { type ChildProcess, spawn } from 'node:child_process';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { freePort } from './free-port';
import type { LocalS3 } from './local-s3';
import { forMs, untilAnswers } from './until-answers';

/** moto_server could not be started (not installed, or it never answered). */
export class MotoUnavailableError extends Error {
  override name = 'MotoUnavailableError';
}

const READY_TIMEOUT_MS = 30_000;

/** Starts `moto_server` on a free loopback port with the bucket created; resolves once it answers. */
export async function startMoto(options: { bucket: string }): Promise<LocalS3> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4_000);
  });
  const exited = new Promise<never>((_, fail) => {
    child.once('error', (err) =>
      fail(
        new MotoUnavailableError(`moto_server could not be started (pip install 'moto[server]')`, {
          cause: err,
        }),
      ),
    );
    child.once('exit', (code) =>
      fail(new MotoUnavailableError(`moto_server exited (code ${code}):\n${output}`)),
    );
  });
  exited.catch(() => {});
  const close = () => stop(child);
  try {
    await Promise.race([answers(endpoint), exited]);
    const client = new S3Client({
      endpoint,
      forcePathStyle: true,
      region: 'us-east-1',
      credentials: { accessKeyId: 'moto', secretAccessKey: 'moto' },
    });
    await client.send(new CreateBucketCommand({ Bucket: options.bucket }));
    client.destroy();
  } catch (err: unknown) {
    await close();
    throw err;
  }
  return { endpoint, port, close };
}

async function answers(endpoint: string): Promise<void> {
  const keepTrying = forMs(READY_TIMEOUT_MS);
  if (!(await untilAnswers(endpoint, { keepTrying, attemptMs: 1_000, pauseMs: 100 }))) {
    throw new MotoUnavailableError(`moto_server did not answer on ${endpoint} within 30 s`);
  }
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done();
    const kill = setTimeout(() => child.kill('SIGKILL'), 3_000);
    child.once('exit', () => {
      clearTimeout(kill);
      done();
    });
    child.kill('SIGTERM');
  });
}

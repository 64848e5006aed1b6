import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import S3rver from 's3rver';
import { enforceConditions } from './s3-conditions';
import { trimRequestWork } from './s3rver-trim';

/** A running local S3 server. */
export interface LocalS3 {
  endpoint: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Starts s3rver on 127.0.0.1 with the bucket created, its data in
 * `directory`, and S3's conditional writes (see s3-conditions.ts). Port 0
 * picks a free one. Listings past 1000 keys need the hosting Node process to
 * run with --openssl-legacy-provider (s3rver's continuation tokens use DES).
 */
export async function startLocalS3(options: {
  directory: string;
  bucket: string;
  port?: number;
}): Promise<LocalS3> {
  mkdirSync(options.directory, { recursive: true });
  const server = new S3rver({
    port: options.port ?? 0,
    address: '127.0.0.1',
    directory: options.directory,
    silent: true,
    configureBuckets: [{ name: options.bucket, configs: [] }],
  });
  trimRequestWork(server, { silent: true });
  await enforceConditions(server);
  const { port } = (await server.run()) as unknown as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    close: async () => {
      await server.close();
    },
  };
}

/**
 * Starts the local S3 server in a child process (its own event loop and the
 * OpenSSL legacy provider its paging needs) and resolves once it listens.
 */
export async function spawnLocalS3(options: {
  directory: string;
  bucket: string;
  port?: number;
}): Promise<LocalS3> {
  const child = spawn(
    process.execPath,
    [
      '--openssl-legacy-provider',
      '--import',
      'tsx',
      fileURLToPath(new URL('../scripts/s3-server.ts', import.meta.url)),
      options.directory,
      options.bucket,
      String(options.port ?? 0),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const endpoint = await new Promise<string>((resolveEndpoint, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolveEndpoint((JSON.parse(line) as { endpoint: string }).endpoint);
    });
    child.on('exit', (code) => reject(new Error(`local S3 server exited early (code ${code})`)));
  });
  return {
    endpoint,
    port: Number(new URL(endpoint).port),
    close: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
}

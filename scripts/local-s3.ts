import { mkdirSync } from 'node:fs';
import S3rver from 's3rver';

/** A running local S3 server. */
export interface LocalS3 {
  endpoint: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Starts s3rver on 127.0.0.1 with the bucket created, its data in
 * `directory`. Port 0 picks a free one. Listings past 1000 keys need the
 * hosting Node process to run with --openssl-legacy-provider (s3rver's
 * continuation tokens use DES).
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
  const { port } = (await server.run()) as unknown as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    close: async () => {
      await server.close();
    },
  };
}

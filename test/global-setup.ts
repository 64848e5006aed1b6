import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { spawnLocalS3 } from '../dev/local-s3';

export const TEST_BUCKET = 'observer-test';

declare module 'vitest' {
  export interface ProvidedContext {
    s3Endpoint: string;
    s3Bucket: string;
  }
}

/** One real S3 protocol server (s3rver, in its own process) for the whole run. */
export default async function setup(project: TestProject) {
  const directory = mkdtempSync(join(tmpdir(), 'observer-s3-'));
  const s3 = await spawnLocalS3({ directory, bucket: TEST_BUCKET });
  project.provide('s3Endpoint', s3.endpoint);
  project.provide('s3Bucket', TEST_BUCKET);
  return async () => {
    await s3.close();
    rmSync(directory, { recursive: true, force: true });
  };
}

import { randomUUID } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { inject } from 'vitest';
import { listKeysIn, localS3Client } from '../../dev/s3-tools';

/** A plain client for the test S3 server, to arrange and inspect what is stored. */
export function rawClient(): S3Client {
  return localS3Client(inject('s3Endpoint'));
}

/** A prefix no other test uses, so tests share one bucket without seeing each other. */
export function uniquePrefix(name: string): string {
  return `${name}-${randomUUID().slice(0, 8)}/`;
}

/** Every key under a prefix of the test bucket (all pages). */
export function listKeys(client: S3Client, prefix: string): Promise<string[]> {
  return listKeysIn(client, inject('s3Bucket'), prefix);
}

/** Writes raw bytes under a key. */
export async function putText(client: S3Client, key: string, body: string | Buffer): Promise<void> {
  await client.send(new PutObjectCommand({ Bucket: inject('s3Bucket'), Key: key, Body: body }));
}

/** Reads an object as text. */
export async function getText(client: S3Client, key: string): Promise<string> {
  const res = await client.send(new GetObjectCommand({ Bucket: inject('s3Bucket'), Key: key }));
  return (await res.Body?.transformToString('utf-8')) ?? '';
}

export { countRequests, listKeysIn } from '../../dev/s3-tools';

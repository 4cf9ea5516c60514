// An S3-compatible server on 127.0.0.1 for tests: s3rver in-process on a temp dir, with one bucket,
// and a client configured as Opus configures one (path-style, a fixed region, dummy credentials
// that s3rver accepts).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { S3Objects, s3Client } from '../../src/adapters/s3/s3-objects.js';

export interface S3TestServer {
  endpoint: string;
  bucket: string;
  /** Objects under a fresh prefix of the bucket (one per test keeps tests apart). */
  objects(prefix: string): S3Objects;
  close(): Promise<void>;
}

export async function startS3Server(bucket = 'opus-artifacts'): Promise<S3TestServer> {
  const directory = await mkdtemp(join(tmpdir(), 'opus-s3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, directory, silent: true, configureBuckets: [{ name: bucket }] });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const client = s3Client({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
  return {
    endpoint,
    bucket,
    objects: (prefix) => new S3Objects(client, { bucket, prefix }),
    close: async () => {
      client.destroy();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

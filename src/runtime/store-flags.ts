// --store and the S3 endpoint, checked before anything starts and without loading an S3 client
// (the CLI's install flags use these too, and every CLI start loads them).
import { parseS3Url, type S3Location } from '../domain/s3-location.js';
import { UserError } from '../domain/errors.js';
import type { S3ClientOptions } from '../adapters/s3/s3-objects.js';

export interface S3StoreOptions extends Partial<S3ClientOptions> {
  /** s3://bucket/prefix */
  url: string;
}

/** `s3://bucket/prefix` → the location, or an error that says what is wrong. */
export function storeLocation(url: string): S3Location {
  if (!url.startsWith('s3://')) throw new UserError(`--store must be an s3:// URL such as s3://my-bucket/opus (got "${url}"); without --store, artifacts live under the data directory`);
  const bucket = url.slice('s3://'.length).split('/')[0] ?? '';
  if (!bucket) throw new UserError(`--store ${url} names no bucket: use s3://<bucket>/<optional prefix>`);
  const location = parseS3Url(url);
  if (!location) throw new UserError(`--store ${url}: "${bucket}" is not a valid bucket name (3 to 63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit)`);
  return location;
}

/** An S3 endpoint (MinIO, s3rver…) must be an http(s) URL; `name` is the flag or variable it came from. */
export function checkEndpoint(name: string, endpoint: string): void {
  if (!/^https?:\/\/[^/]+/.test(endpoint)) throw new UserError(`${name} must be an http(s) URL such as http://minio.storage:9000 (got "${endpoint}")`);
}

/** The S3 client settings from the environment: OPUS_S3_ENDPOINT (MinIO, s3rver…: path-style), AWS_REGION; credentials from the SDK's chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, profile, IRSA…). */
export function s3StoreFromEnv(url: string, env: NodeJS.ProcessEnv): S3StoreOptions {
  storeLocation(url);
  const endpoint = env.OPUS_S3_ENDPOINT;
  if (endpoint !== undefined) checkEndpoint('OPUS_S3_ENDPOINT', endpoint);
  return { url, region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1', ...(endpoint ? { endpoint } : {}) };
}

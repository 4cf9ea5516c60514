// Where in S3 a shared artifact store lives, read from its s3:// URL (no I/O: the CLI checks a
// --store flag with it before any S3 client is loaded).
export interface S3Location {
  bucket: string;
  /** A key prefix that ends in "/", or "" for the whole bucket. */
  prefix: string;
}

/** s3://bucket/some/prefix → { bucket, prefix: "some/prefix/" }. */
export function parseS3Url(url: string): S3Location | undefined {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(url);
  if (!match) return undefined;
  const prefix = (match[2] ?? '').replace(/^\/+|\/+$/g, '');
  return { bucket: match[1] as string, prefix: prefix ? `${prefix}/` : '' };
}

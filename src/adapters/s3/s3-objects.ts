// The few S3 calls the artifact store makes, on one bucket and key prefix, with the quirks of
// S3-compatible servers handled once: checksums only when an operation requires them (several
// S3-compatible servers store the SDK's default aws-chunked trailing checksums as part of the body),
// path-style URLs for a custom endpoint, and "missing" recognised however the server says it.
// Every body is one the SDK can send again (a buffer, or a part of a multipart upload), so a
// 503 SlowDown or a reset connection is retried rather than failing a publish.
import { createReadStream, createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { AbortMultipartUploadCommand, DeleteObjectsCommand, GetObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { S3Location } from '../../domain/s3-location.js';
export { parseS3Url, type S3Location } from '../../domain/s3-location.js';

/** Files up to this size go up in one PUT from memory; larger ones in parts of at least this size. */
export const PART_BYTES = 8 * 1024 ** 2;
/** S3 allows 10,000 parts: beyond 80 GB parts grow. */
const MAX_PARTS = 10_000;
/** Attempts per request (the first and its retries), with the SDK's backoff: S3 asks clients to retry 503 SlowDown. */
const ATTEMPTS = 8;

/** A conditional write: If-Match an ETag (compare-and-swap) or If-None-Match "*" (create only). */
export type WriteCondition = { ifMatch: string } | { ifNoneMatch: '*' };

/** How a write is made: its condition, and the writer's term, kept as the object's metadata (x-amz-meta-opus-term). */
export interface WriteOptions {
  contentType?: string;
  condition?: WriteCondition;
  term?: number;
}

/** An object's text, ETag and the term it was written in (none when written unfenced). */
export interface TaggedText {
  text: string;
  etag: string;
  term?: number;
}

const TERM_METADATA = 'opus-term';

function writeParams(options: WriteOptions): { ContentType?: string; IfMatch?: string; IfNoneMatch?: string; Metadata?: Record<string, string> } {
  const { contentType, condition, term } = options;
  return {
    ...(contentType ? { ContentType: contentType } : {}),
    ...(condition ? ('ifMatch' in condition ? { IfMatch: condition.ifMatch } : { IfNoneMatch: condition.ifNoneMatch }) : {}),
    ...(term === undefined ? {} : { Metadata: { [TERM_METADATA]: String(term) } }),
  };
}

export interface S3ClientOptions {
  region: string;
  /** An S3-compatible server (MinIO, Ceph, R2…); path-style URLs are used with one. */
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/** A client for S3 or an S3-compatible server; credentials default to the SDK's chain (AWS_* env, profile, IRSA…). */
export function s3Client(options: S3ClientOptions): S3Client {
  return new S3Client({
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint, forcePathStyle: true } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: ATTEMPTS,
  });
}

export function isMissing(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
}

/**
 * The write's condition did not hold: 412 PreconditionFailed (an ETag that no longer matches, or an
 * object that exists under If-None-Match), 404 for If-Match on a missing object (AWS), or 409
 * ConditionalRequestConflict (a concurrent conditional write).
 */
export function isConditionFailed(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  const status = e?.$metadata?.httpStatusCode;
  return e?.name === 'PreconditionFailed' || e?.name === 'ConditionalRequestConflict' || status === 412 || status === 409 || isMissing(error);
}

export class S3Objects {
  constructor(
    private readonly client: S3Client,
    readonly location: S3Location,
  ) {}

  key(path: string): string {
    return this.location.prefix + path;
  }

  /**
   * A small file in one PUT of a buffer; a large one as a multipart upload whose parts are retried
   * each on its own (no 5 GiB cap), aborted when it fails for good (AWS honours the condition on
   * CompleteMultipartUpload too).
   */
  async putFile(path: string, file: string, bytes: number, options: WriteOptions = {}): Promise<void> {
    const params = { Bucket: this.location.bucket, Key: this.key(path), ...writeParams(options) };
    if (bytes <= PART_BYTES) {
      await this.client.send(new PutObjectCommand({ ...params, Body: await readFile(file), ContentLength: bytes }));
      return;
    }
    const partSize = Math.max(PART_BYTES, Math.ceil(bytes / MAX_PARTS));
    // lib-storage reads the stream into part-sized buffers, so every part can be sent again; a failed upload is aborted.
    await new Upload({ client: this.client, params: { ...params, Body: createReadStream(file, { highWaterMark: 1024 ** 2 }) }, partSize, queueSize: 4, leavePartsOnError: false }).done();
  }

  /** Writes the text; with a condition, only when it holds (else an error that isConditionFailed). The new ETag. */
  async putText(path: string, text: string, contentType = 'application/json', condition?: WriteCondition, term?: number): Promise<string> {
    const out = await this.client.send(new PutObjectCommand({ Bucket: this.location.bucket, Key: this.key(path), Body: text, ...writeParams({ contentType, ...(condition ? { condition } : {}), ...(term === undefined ? {} : { term }) }) }));
    return out.ETag ?? '';
  }

  /**
   * Read, change, write back only if nobody wrote in between (If-Match the ETag read, or
   * If-None-Match "*" when there was none), again from the new text until it holds: concurrent
   * writers (two replicas, or an old leader) never lose each other's changes. With `term`, the
   * write carries it and `change` may refuse (FencedWrite) what a later term wrote. What it replaced.
   */
  async update(path: string, change: (text: string | undefined, current: TaggedText | undefined) => string, contentType = 'application/json', term?: number): Promise<TaggedText | undefined> {
    for (let attempt = 1; ; attempt++) {
      const current = await this.getTagged(path);
      try {
        await this.putText(path, change(current?.text, current), contentType, current ? { ifMatch: current.etag } : { ifNoneMatch: '*' }, term);
        return current;
      } catch (error) {
        if (!isConditionFailed(error) || attempt >= 50) throw error;
        await new Promise((r) => setTimeout(r, Math.random() * Math.min(1000, 10 * 2 ** attempt)));
      }
    }
  }

  /** The object as a stream with its size, or undefined when there is none. */
  async open(path: string): Promise<{ stream: Readable; bytes: number } | undefined> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.location.bucket, Key: this.key(path) }));
      return { stream: out.Body as Readable, bytes: out.ContentLength ?? 0 };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async getText(path: string): Promise<string | undefined> {
    return (await this.getTagged(path))?.text;
  }

  /** The object's text with its ETag (the same value a listing shows) and term, or undefined when there is none. */
  async getTagged(path: string): Promise<TaggedText | undefined> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.location.bucket, Key: this.key(path) }));
      const term = Number(out.Metadata?.[TERM_METADATA] ?? Number.NaN);
      return { text: (await out.Body?.transformToString('utf8')) ?? '', etag: out.ETag ?? '', ...(Number.isInteger(term) ? { term } : {}) };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  /** Downloads an object to a file (its directory must exist); false when there is none. */
  async download(path: string, file: string): Promise<boolean> {
    const object = await this.open(path);
    if (!object) return false;
    await pipeline(object.stream, createWriteStream(file));
    return true;
  }

  /** Every object under a path prefix (paths relative to the store's prefix), with its time and ETag. */
  async list(pathPrefix: string): Promise<{ path: string; modified: number; etag: string }[]> {
    const found: { path: string; modified: number; etag: string }[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.location.bucket, Prefix: this.key(pathPrefix), ...(token ? { ContinuationToken: token } : {}) }));
      for (const o of page.Contents ?? []) if (o.Key) found.push({ path: o.Key.slice(this.location.prefix.length), modified: o.LastModified?.getTime() ?? 0, etag: o.ETag ?? '' });
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return found;
  }

  /** Aborts the multipart uploads under the store's prefix begun before `before` (a killed process left them): their parts cost storage until then. How many. */
  async abortUploadsBefore(before: number): Promise<number> {
    let aborted = 0;
    let markers: { KeyMarker?: string; UploadIdMarker?: string } = {};
    for (;;) {
      const page = await this.client.send(new ListMultipartUploadsCommand({ Bucket: this.location.bucket, Prefix: this.location.prefix, ...markers })).catch((error: unknown) => {
        // A server without the listing (s3rver) has no uploads to sweep that anyone could list.
        if ((error as { name?: string }).name === 'NotImplemented') return { Uploads: [], IsTruncated: false, NextKeyMarker: undefined, NextUploadIdMarker: undefined };
        throw error;
      });
      for (const upload of page.Uploads ?? []) {
        if (!upload.Key || !upload.UploadId || (upload.Initiated?.getTime() ?? 0) >= before) continue;
        await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.location.bucket, Key: upload.Key, UploadId: upload.UploadId }));
        aborted += 1;
      }
      if (!page.IsTruncated) return aborted;
      markers = { ...(page.NextKeyMarker ? { KeyMarker: page.NextKeyMarker } : {}), ...(page.NextUploadIdMarker ? { UploadIdMarker: page.NextUploadIdMarker } : {}) };
    }
  }

  async delete(paths: string[]): Promise<void> {
    for (let i = 0; i < paths.length; i += 1000) {
      const batch = paths.slice(i, i + 1000).map((p) => ({ Key: this.key(p) }));
      const out = await this.client.send(new DeleteObjectsCommand({ Bucket: this.location.bucket, Delete: { Objects: batch, Quiet: true } }));
      if (out.Errors?.length) throw new Error(`cannot delete ${out.Errors.length} objects, e.g. ${out.Errors[0]?.Key}: ${out.Errors[0]?.Message}`);
    }
  }
}

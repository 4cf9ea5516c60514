// A stand-in for AWS S3 where s3rver does not behave like it: an HTTP proxy on 127.0.0.1 in front
// of s3rver (which stores the objects and answers everything else) that adds
//  - conditional writes: PUT with If-None-Match: * answers 412 PreconditionFailed when the key
//    exists; PUT with If-Match: <etag> answers 412 when the object's ETag differs and 404 NoSuchKey
//    when there is no object (as AWS S3 does; MinIO answers 412 there too). The check and the write
//    are one step per key: writes to a key go through one at a time.
//  - 503 SlowDown, with S3's XML error body, on a chosen share of requests (a seeded generator, so
//    a failing run can be repeated), after the request's body was read, as S3 answers it.
// Where it differs from S3: conditions are honoured on PutObject only (not on CompleteMultipartUpload,
// CopyObject or DeleteObject), If-None-Match takes only "*", there is no 409
// ConditionalRequestConflict (writes to a key are serialised instead), and DeleteObjects does not
// wait for a write to the same key in flight.
import { Agent, createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { S3Objects, isMissing, s3Client } from '../../src/adapters/s3/s3-objects.js';
import { startS3Server, type S3TestServer } from './s3-server.js';

export interface S3StandIn extends S3TestServer {
  /** From now on, this share (0…1) of requests matching `match` (all by default) answers 503 SlowDown. */
  slowDown(rate: number, match?: (method: string, path: string) => boolean): void;
  /** `parts`: UploadPart requests that were answered by the store (not failed by the stand-in). */
  readonly stats: { requests: number; slowDowns: number; preconditionFailed: number; parts: number };
  /** Every request: when, what, and who (the `app/<id>` a client's AWS_SDK_UA_APP_ID puts in its user agent). */
  readonly log: S3Request[];
}

export interface S3Request { at: number; method: string; key: string; app: string | undefined }

export async function startS3StandIn(bucket = 'opus-artifacts', seed = 15): Promise<S3StandIn> {
  const backend = await startS3Server(bucket);
  const direct = s3Client({ endpoint: backend.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
  const stats = { requests: 0, slowDowns: 0, preconditionFailed: 0, parts: 0 };
  const log: S3Request[] = [];
  const random = mulberry32(seed);
  let fault: { rate: number; match: (method: string, path: string) => boolean } | undefined;
  const keyLocks = new Map<string, Promise<void>>();
  const upstream = new URL(backend.endpoint);
  /** Its own connections to s3rver, so closing ends them (the global agent would keep s3rver from closing). */
  const agent = new Agent({ keepAlive: true });

  const server = createServer((req, res) => {
    stats.requests += 1;
    void handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) s3Error(res, 500, 'InternalError', String(error));
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const method = req.method ?? 'GET';
    const agent = `${header(req, 'x-amz-user-agent') ?? ''} ${header(req, 'user-agent') ?? ''}`;
    log.push({ at: Date.now(), method, key: decodeURIComponent(url.pathname.split('/').slice(2).join('/')), app: /\bapp\/(\S+)/.exec(agent)?.[1] });
    if (fault && fault.match(method, url.pathname) && random() < fault.rate) {
      await drain(req);
      stats.slowDowns += 1;
      return s3Error(res, 503, 'SlowDown', 'Please reduce your request rate.');
    }
    if (method === 'PUT' && url.searchParams.has('partNumber')) stats.parts += 1;
    const [, bucketName = '', ...rest] = url.pathname.split('/');
    const key = decodeURIComponent(rest.join('/'));
    const objectWrite = (method === 'PUT' || method === 'DELETE') && key !== '' && !url.searchParams.has('partNumber') && !url.searchParams.has('uploadId');
    if (!objectWrite) return forward(req, res);
    // One write per key at a time, so a condition checked is still true when the write lands.
    const lockKey = `${bucketName}/${key}`;
    const before = keyLocks.get(lockKey) ?? Promise.resolve();
    let unlock = () => {};
    const mine = before.then(() => new Promise<void>((r) => (unlock = r)));
    keyLocks.set(lockKey, mine);
    await before;
    try {
      const ifMatch = header(req, 'if-match');
      const ifNoneMatch = header(req, 'if-none-match');
      if (method === 'PUT' && (ifMatch !== undefined || ifNoneMatch !== undefined)) {
        if (ifNoneMatch !== undefined && ifNoneMatch !== '*') {
          await drain(req);
          return s3Error(res, 501, 'NotImplemented', 'If-None-Match takes only "*" on a write');
        }
        const etag = await direct.send(new HeadObjectCommand({ Bucket: bucketName, Key: key })).then((o) => o.ETag, (error: unknown) => {
          if (isMissing(error)) return undefined;
          throw error;
        });
        const failed = ifNoneMatch === '*' ? etag !== undefined : etag === undefined ? 'missing' : unquote(etag) !== unquote(ifMatch ?? '');
        if (failed) {
          await drain(req);
          if (failed === 'missing') return s3Error(res, 404, 'NoSuchKey', 'The specified key does not exist.');
          stats.preconditionFailed += 1;
          return s3Error(res, 412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
        }
      }
      await forward(req, res);
    } finally {
      unlock();
      if (keyLocks.get(lockKey) === mine) keyLocks.delete(lockKey);
    }
  }

  /** Passes the request to s3rver as it came (its signature covers the headers) and its answer back. */
  function forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
    return new Promise((done, fail) => {
      const out = request({ agent, host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        answer.on('end', () => done());
        answer.on('error', fail);
      });
      out.on('error', fail);
      req.pipe(out);
    });
  }

  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = s3Client({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
  return {
    endpoint,
    bucket,
    stats,
    log,
    objects: (prefix) => new S3Objects(client, { bucket, prefix }),
    slowDown: (rate, match = () => true) => {
      fault = rate > 0 ? { rate, match } : undefined;
    },
    close: async () => {
      client.destroy();
      direct.destroy();
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
      agent.destroy();
      await backend.close();
    },
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

const unquote = (etag: string) => etag.replace(/^W\//, '').replace(/^"|"$/g, '');

function drain(req: IncomingMessage): Promise<void> {
  return new Promise((done) => {
    req.resume();
    req.on('end', done);
    req.on('error', () => done());
  });
}

function s3Error(res: ServerResponse, status: number, code: string, message: string): void {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>stand-in</RequestId></Error>`;
  res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body), ...(status === 503 ? { 'retry-after': '0' } : {}) });
  res.end(body);
}

/** A small seeded generator: the same seed gives the same faults. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// A stand-in for AWS S3 where s3rver does not behave like it: an HTTP proxy on 127.0.0.1 in front
// of s3rver (which stores the objects and answers everything else) that adds
//  - conditional writes: PUT with If-None-Match: * answers 412 PreconditionFailed when the key
//    exists; PUT with If-Match: <etag> answers 412 when the object's ETag differs and 404 NoSuchKey
//    when there is no object (as AWS S3 does; MinIO answers 412 there too). The check and the write
//    are one step per key: writes (and reads) of a key go through one at a time, so a read sees a
//    whole object, as on S3 (s3rver rewrites an object's file in place).
//    The same on CompleteMultipartUpload, as AWS S3 honours them there.
//  - 503 SlowDown, with S3's XML error body, on a chosen share of requests (a seeded generator, so
//    a failing run can be repeated), after the request's body was read, as S3 answers it.
//  - ListMultipartUploads (GET /<bucket>?uploads, with prefix, max-uploads, key-marker and
//    upload-id-marker) and AbortMultipartUpload (DELETE ?uploadId: 204, then UploadPart and
//    CompleteMultipartUpload of it answer 404 NoSuchUpload), which s3rver does not implement: the
//    stand-in keeps the open uploads it saw begin.
// Where it differs from S3: conditions are not honoured on CopyObject or DeleteObject, If-None-Match
// takes only "*", there is no 409 ConditionalRequestConflict (writes to a key are serialised
// instead), DeleteObjects does not wait for a write to the same key in flight, an aborted upload's
// parts stay in s3rver's directory, and the upload listing has no Owner/Initiator or delimiter.
import { Agent, createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { S3Objects, isMissing, s3Client } from '../../src/adapters/s3/s3-objects.js';
import { startS3Server, type S3TestServer } from './s3-server.js';
import { seededRandom } from './seeded-random.js';

/** Which requests a fault hits: by method, path (/<bucket>/<key>), query and headers (x-amz-meta-opus-term tells writers apart). */
export type FaultMatch = (method: string, path: string, request: { query: URLSearchParams; headers: IncomingMessage['headers'] }) => boolean;

export interface S3StandIn extends S3TestServer {
  /** From now on, this share (0…1) of requests matching `match` (all by default) answers 503 SlowDown (or `answer`, e.g. a 403 no client retries). */
  slowDown(rate: number, match?: FaultMatch, answer?: { status: number; code: string }): void;
  /** `parts`: UploadPart requests that were answered by the store (not failed by the stand-in). */
  readonly stats: { requests: number; slowDowns: number; preconditionFailed: number; parts: number };
  /** The multipart uploads begun and neither completed nor aborted, oldest first. */
  openUploads(): { key: string; uploadId: string; initiated: Date }[];
  /** Every request: when, what, and who (the `app/<id>` a client's AWS_SDK_UA_APP_ID puts in its user agent). */
  readonly log: S3Request[];
}

export interface S3Request { at: number; method: string; key: string; app: string | undefined }

export async function startS3StandIn(bucket = 'opus-artifacts', seed = 15): Promise<S3StandIn> {
  const backend = await startS3Server(bucket);
  const direct = s3Client({ endpoint: backend.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
  const stats = { requests: 0, slowDowns: 0, preconditionFailed: 0, parts: 0 };
  const log: S3Request[] = [];
  const random = seededRandom(seed);
  let fault: { rate: number; match: FaultMatch; answer: { status: number; code: string } } | undefined;
  const keyLocks = new Map<string, Promise<void>>();
  const uploads = new Map<string, { key: string; uploadId: string; initiated: Date }>();
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
    if (fault && fault.match(method, url.pathname, { query: url.searchParams, headers: req.headers }) && random() < fault.rate) {
      await drain(req);
      stats.slowDowns += 1;
      return s3Error(res, fault.answer.status, fault.answer.code, fault.answer.code === 'SlowDown' ? 'Please reduce your request rate.' : 'Refused by the stand-in.');
    }
    const [, bucketName = '', ...rest] = url.pathname.split('/');
    const key = decodeURIComponent(rest.join('/'));
    const uploadId = url.searchParams.get('uploadId');
    if (method === 'GET' && key === '' && url.searchParams.has('uploads')) return listUploads(res, bucketName, url.searchParams);
    if (uploadId !== null && uploads.get(uploadId)?.key !== key) {
      await drain(req);
      return s3Error(res, 404, 'NoSuchUpload', 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.');
    }
    if (method === 'DELETE' && uploadId !== null) {
      uploads.delete(uploadId);
      await drain(req);
      res.writeHead(204).end();
      return;
    }
    if (method === 'PUT' && url.searchParams.has('partNumber')) stats.parts += 1;
    if (method === 'POST' && url.searchParams.has('uploads')) {
      return forward(req, res, (status, body) => {
        const id = /<UploadId>([^<]+)<\/UploadId>/.exec(body)?.[1];
        if (status === 200 && id) uploads.set(id, { key, uploadId: id, initiated: new Date() });
      });
    }
    const complete = method === 'POST' && uploadId !== null;
    const objectWrite = ((method === 'PUT' || method === 'DELETE') && key !== '' && !url.searchParams.has('partNumber') && uploadId === null) || complete;
    // s3rver writes an object's file in place: a GET beside a PUT can read half of it, which S3 never answers.
    const objectRead = (method === 'GET' || method === 'HEAD') && key !== '' && uploadId === null;
    if (!objectWrite && !objectRead) return forward(req, res);
    // One write (or read) per key at a time, so a condition checked is still true when the write lands and a read sees one whole object.
    const lockKey = `${bucketName}/${key}`;
    const before = keyLocks.get(lockKey) ?? Promise.resolve();
    let unlock = () => {};
    const mine = before.then(() => new Promise<void>((r) => (unlock = r)));
    keyLocks.set(lockKey, mine);
    await before;
    try {
      const ifMatch = header(req, 'if-match');
      const ifNoneMatch = header(req, 'if-none-match');
      if ((method === 'PUT' || complete) && (ifMatch !== undefined || ifNoneMatch !== undefined)) {
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
      await forward(req, res, (status) => {
        if (complete && status === 200 && uploadId !== null) uploads.delete(uploadId);
      });
    } finally {
      unlock();
      if (keyLocks.get(lockKey) === mine) keyLocks.delete(lockKey);
    }
  }

  /** ListMultipartUploadsResult of the open uploads under the prefix, in key order, a page at a time. */
  function listUploads(res: ServerResponse, bucketName: string, query: URLSearchParams): void {
    const prefix = query.get('prefix') ?? '';
    const max = Math.min(1000, Number(query.get('max-uploads') ?? 1000));
    const [keyMarker, idMarker] = [query.get('key-marker') ?? '', query.get('upload-id-marker') ?? ''];
    const sorted = [...uploads.values()].filter((u) => u.key.startsWith(prefix)).sort((a, b) => (a.key === b.key ? a.uploadId.localeCompare(b.uploadId) : a.key < b.key ? -1 : 1));
    const after = sorted.filter((u) => keyMarker === '' || u.key > keyMarker || (u.key === keyMarker && idMarker !== '' && u.uploadId > idMarker));
    const page = after.slice(0, max);
    const last = page.at(-1);
    const truncated = after.length > page.length;
    const items = page.map((u) => `<Upload><Key>${xml(u.key)}</Key><UploadId>${u.uploadId}</UploadId><StorageClass>STANDARD</StorageClass><Initiated>${u.initiated.toISOString()}</Initiated></Upload>`).join('');
    const next = truncated && last ? `<NextKeyMarker>${xml(last.key)}</NextKeyMarker><NextUploadIdMarker>${last.uploadId}</NextUploadIdMarker>` : '';
    const body = `<?xml version="1.0" encoding="UTF-8"?>\n<ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>${xml(bucketName)}</Bucket><KeyMarker>${xml(keyMarker)}</KeyMarker><UploadIdMarker>${idMarker}</UploadIdMarker>${next}<Prefix>${xml(prefix)}</Prefix><MaxUploads>${max}</MaxUploads><IsTruncated>${truncated}</IsTruncated>${items}</ListMultipartUploadsResult>`;
    res.writeHead(200, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  }

  /** Passes the request to s3rver as it came (its signature covers the headers) and its answer back; `seen` gets the status and body. */
  function forward(req: IncomingMessage, res: ServerResponse, seen?: (status: number, body: string) => void): Promise<void> {
    return new Promise((done, fail) => {
      const out = request({ agent, host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        const chunks: Buffer[] = [];
        if (seen) answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.pipe(res);
        answer.on('end', () => {
          seen?.(answer.statusCode ?? 502, Buffer.concat(chunks).toString('utf8'));
          done();
        });
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
    openUploads: () => [...uploads.values()].sort((a, b) => a.initiated.getTime() - b.initiated.getTime()),
    slowDown: (rate, match = () => true, answer = { status: 503, code: 'SlowDown' }) => {
      fault = rate > 0 ? { rate, match, answer } : undefined;
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

const xml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

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

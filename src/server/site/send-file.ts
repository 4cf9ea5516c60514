// Writes one file response: content coding, conditional requests, ranges, HEAD.
// Headers for a (file, coding) are built once per response decision and reused.
import { createReadStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream';
import { chooseCoding, notModified, parseRange, rangeStillValid, type Coding } from './negotiation.js';
import type { SiteFile } from './site-files.js';

/** What a path of a site answers with; the same for every request, so it is kept. */
export interface FileResponse {
  file: SiteFile;
  status: number;
  cacheControl: string;
  extra: Record<string, string>;
  /** Not kept for later requests: it holds only as long as the version it came from is recently live. */
  transient?: boolean;
  headers?: Partial<Record<Coding, Record<string, string>>>;
  /** The same for a 304 (without the body's type, length and coding), also made once. */
  notModifiedHeaders?: Partial<Record<Coding, Record<string, string>>>;
}

export function sendFile(req: IncomingMessage, res: ServerResponse, response: FileResponse): void {
  const { file, status } = response;
  if (file.streamed) return void streamFile(req, res, response, file.streamed).catch(() => res.destroy());
  const rangeHeader = status === 200 ? req.headers.range : undefined;
  // A range is served from the identity body, so its offsets mean what the client thinks.
  const coding: Coding = rangeHeader ? 'identity' : chooseCoding(req.headers['accept-encoding'], { br: file.br !== undefined, gzip: file.gzip !== undefined });
  const answer = plainAnswer(response, coding, req.headers['if-none-match'], req.headers['if-modified-since']);
  if (rangeHeader && answer.status === 200 && rangeStillValid(req.headers['if-range'] as string | undefined, answer.headers.ETag as string, file.lastModified)) {
    const body = answer.body as Buffer;
    const range = parseRange(rangeHeader, body.length);
    if (range === 'unsatisfiable') {
      res.writeHead(416, { 'Content-Range': `bytes */${body.length}`, 'Content-Length': '0' });
      res.end();
      return;
    }
    if (range) {
      const slice = body.subarray(range.start, range.end + 1);
      res.writeHead(206, { ...answer.headers, 'Content-Range': `bytes ${range.start}-${range.end}/${body.length}`, 'Content-Length': String(slice.length) });
      res.end(slice);
      return;
    }
  }
  res.writeHead(answer.status, answer.headers);
  res.end(answer.body);
}

export interface PlainAnswer {
  status: number;
  /** Made once per (response, coding, 304 or not) and shared: never change them. */
  headers: Record<string, string>;
  /** Absent for a 304. */
  body?: Buffer;
  notModified: boolean;
}

/** The whole answer (or its 304) in the given coding, for a request without a range. */
export function plainAnswer(response: FileResponse, coding: Coding, ifNoneMatch: string | undefined, ifModifiedSince: string | undefined): PlainAnswer {
  const { file, status } = response;
  const body = coding === 'identity' ? file.identity : (file[coding] as Buffer);
  const headers = (response.headers ??= {})[coding] ?? (response.headers[coding] = headersFor(response, coding, file.streamed?.size ?? body.length));
  if (status === 200 && notModified(ifNoneMatch, ifModifiedSince, headers.ETag as string, file.lastModified)) {
    const kept = (response.notModifiedHeaders ??= {})[coding] ?? (response.notModifiedHeaders[coding] = withoutBodyHeaders(headers));
    return { status: 304, headers: kept, notModified: true };
  }
  return { status, headers, body, notModified: false };
}

/**
 * A file too large to hold, from a descriptor of its own per request: the confined opener's, so
 * the path is not resolved again between the check and the read. Backpressure is the pipeline's;
 * a client that goes away destroys the read stream, which closes the descriptor.
 */
async function streamFile(req: IncomingMessage, res: ServerResponse, response: FileResponse, streamed: NonNullable<SiteFile['streamed']>): Promise<void> {
  const { size } = streamed;
  const answer = plainAnswer(response, 'identity', req.headers['if-none-match'], req.headers['if-modified-since']);
  let headers = answer.headers;
  let status = answer.status;
  let start = 0;
  let end = size - 1;
  const rangeHeader = response.status === 200 ? req.headers.range : undefined;
  if (rangeHeader && status === 200 && rangeStillValid(req.headers['if-range'] as string | undefined, headers.ETag as string, response.file.lastModified)) {
    const range = parseRange(rangeHeader, size);
    if (range === 'unsatisfiable') {
      res.writeHead(416, { 'Content-Range': `bytes */${size}`, 'Content-Length': '0' });
      return void res.end();
    }
    if (range) {
      ({ start, end } = range);
      status = 206;
      headers = { ...headers, 'Content-Range': `bytes ${start}-${end}/${size}`, 'Content-Length': String(end - start + 1) };
    }
  }
  if (answer.notModified || req.method === 'HEAD' || end < start) {
    res.writeHead(status, headers);
    return void res.end();
  }
  const opened = await streamed.open().catch(() => undefined);
  if (!opened) return sendStatus(res, 500, 'The file changed or went away; try again');
  if (res.destroyed) return void (await opened.handle.close());
  res.writeHead(status, headers);
  // Never more than the headers promised, whatever happens to the file meanwhile.
  pipeline(createReadStream('', { fd: opened.handle, start, end, autoClose: true }), res, () => undefined);
}

function headersFor({ file, status, cacheControl, extra }: FileResponse, coding: Coding, length: number): Record<string, string> {
  const headers: Record<string, string> = {
    'Content-Type': file.contentType,
    'Content-Length': String(length),
    'Cache-Control': cacheControl,
    'X-Content-Type-Options': 'nosniff',
    ...extra,
  };
  if (file.br || file.gzip) headers.Vary = 'Accept-Encoding';
  if (coding !== 'identity') headers['Content-Encoding'] = coding;
  if (status === 200) {
    headers.ETag = coding === 'identity' ? file.etag : `${file.etag.slice(0, -1)}-${coding}"`;
    headers['Last-Modified'] = file.lastModified.toUTCString();
    headers['Accept-Ranges'] = 'bytes';
  }
  return headers;
}

/**
 * A 304 keeps what a cache updates its stored response with (ETag, Cache-Control, Vary, the site's
 * own headers) and, as RFC 9110 15.4.5 asks, leaves out the body's metadata: its type, length and
 * coding, and Last-Modified, Accept-Ranges and nosniff, which the ETag and the stored response make moot.
 */
function withoutBodyHeaders(headers: Record<string, string>): Record<string, string> {
  const { 'Content-Type': _type, 'Content-Length': _length, 'Content-Encoding': _coding, 'Last-Modified': _modified, 'Accept-Ranges': _ranges, 'X-Content-Type-Options': _nosniff, ...rest } = headers;
  return rest;
}

export function sendStatus(res: ServerResponse, status: number, message: string): void {
  const body = `${message}\n`;
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': String(Buffer.byteLength(body)), 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' });
  res.end(body);
}

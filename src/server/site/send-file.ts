// Writes one file response: content coding, conditional requests, ranges, HEAD.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { chooseCoding, notModified, parseRange, rangeStillValid, type Coding } from './negotiation.js';
import type { SiteFile } from './site-files.js';

export function sendFile(req: IncomingMessage, res: ServerResponse, file: SiteFile, status: number, cacheControl: string, extra: Record<string, string>): void {
  const rangeHeader = status === 200 ? req.headers.range : undefined;
  // A range is served from the identity body, so its offsets mean what the client thinks.
  const coding: Coding = rangeHeader ? 'identity' : chooseCoding(req.headers['accept-encoding'], { br: file.br !== undefined, gzip: file.gzip !== undefined });
  const body = coding === 'identity' ? file.identity : (file[coding] as Buffer);
  const etag = coding === 'identity' ? file.etag : `${file.etag.slice(0, -1)}-${coding}"`;
  const headers: Record<string, string> = {
    'Content-Type': file.contentType,
    'Cache-Control': cacheControl,
    'X-Content-Type-Options': 'nosniff',
    ...extra,
  };
  if (file.br || file.gzip) headers.Vary = 'Accept-Encoding';
  if (status === 200) {
    headers.ETag = etag;
    headers['Last-Modified'] = file.lastModified.toUTCString();
    headers['Accept-Ranges'] = 'bytes';
    if (notModified(req.headers['if-none-match'], req.headers['if-modified-since'], etag, file.lastModified)) {
      delete headers['Content-Type'];
      res.writeHead(304, headers);
      res.end();
      return;
    }
  }
  if (coding !== 'identity') headers['Content-Encoding'] = coding;
  const range = rangeHeader && rangeStillValid(req.headers['if-range'] as string | undefined, etag, file.lastModified) ? parseRange(rangeHeader, body.length) : undefined;
  if (range === 'unsatisfiable') {
    res.writeHead(416, { 'Content-Range': `bytes */${body.length}`, 'Content-Length': '0' });
    res.end();
    return;
  }
  const slice = range ? body.subarray(range.start, range.end + 1) : body;
  if (range) headers['Content-Range'] = `bytes ${range.start}-${range.end}/${body.length}`;
  headers['Content-Length'] = String(slice.length);
  res.writeHead(range ? 206 : status, headers);
  res.end(req.method === 'HEAD' ? undefined : slice);
}

export function sendStatus(res: ServerResponse, status: number, message: string): void {
  const body = `${message}\n`;
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': String(Buffer.byteLength(body)), 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' });
  res.end(body);
}

// The cases of the serving benchmark, and the check that each server really answers each case
// as intended (status, body, coding) before it is measured.
import { request } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';

export type ServerName = 'nginx' | 'caddy' | 'opus' | 'opus server' | 'node:http floor' | 'node:net floor';

export interface Case {
  id: string;
  title: string;
  path: string;
  status: 200 | 304;
  /** Counted in PASS/FAIL; an informational case is only reported. */
  required: boolean;
  /** Request headers for a server (the 304 case sends the ETag that server gave). */
  headers(server: ServerName): Record<string, string>;
  /** The file whose bytes a 200 must decode to. */
  expected?: Buffer;
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export function fetchOnce(port: number, path: string, headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

export interface Verified {
  status: number;
  coding: string;
  wireBytes: number;
}

/** Throws unless the server answers the case with the intended status and, for a 200, the right bytes. */
export async function verifyCase(server: ServerName, port: number, c: Case): Promise<Verified> {
  const answer = await fetchOnce(port, c.path, c.headers(server));
  const where = `${server} ${c.id} (GET ${c.path} ${JSON.stringify(c.headers(server))})`;
  if (answer.status !== c.status) throw new Error(`${where}: status ${answer.status}, expected ${c.status}`);
  const coding = String(answer.headers['content-encoding'] ?? 'identity');
  if (c.status === 200 && c.expected) {
    const decoded = coding === 'br' ? brotliDecompressSync(answer.body) : coding === 'gzip' ? gunzipSync(answer.body) : answer.body;
    if (!decoded.equals(c.expected)) throw new Error(`${where}: the body (${coding}) does not decode to the published file`);
    const accepted = c.headers(server)['Accept-Encoding'] ?? '';
    if (accepted && coding === 'identity') throw new Error(`${where}: sent identity although ${accepted} was accepted and a compressed variant exists`);
  }
  if (c.status === 304 && answer.body.length !== 0) throw new Error(`${where}: a 304 with a body`);
  return { status: answer.status, coding, wireBytes: answer.body.length };
}

/** The benchmark's cases for a site with `index.html` and an entry JS. */
export function serveCases(files: { indexHtml: Buffer; entryJs: string; entryJsBody: Buffer }, etags: Record<ServerName, string>): Case[] {
  return [
    { id: 'a', title: 'small HTML /site/ (1.5 KB, no Accept-Encoding)', path: '/site/', status: 200, required: true, headers: () => ({}), expected: files.indexHtml },
    { id: 'b', title: '150 KB hashed JS, Accept-Encoding: gzip, br', path: `/site/${files.entryJs}`, status: 200, required: true, headers: () => ({ 'Accept-Encoding': 'gzip, br' }), expected: files.entryJsBody },
    { id: 'c', title: '304 revalidation of index.html (If-None-Match)', path: '/site/', status: 304, required: true, headers: (server) => ({ 'If-None-Match': etags[server] }) },
    { id: 'b2', title: 'same JS, Accept-Encoding: gzip only (same coding on both)', path: `/site/${files.entryJs}`, status: 200, required: false, headers: () => ({ 'Accept-Encoding': 'gzip' }), expected: files.entryJsBody },
  ];
}

// HTTP/1.1 on a bare socket, for tests that must control the exact bytes: pipelining, requests in
// pieces, malformed heads. Responses are split by Content-Length, the way a client has to.
import { setTimeout as sleep } from 'node:timers/promises';
import { connect } from 'node:net';

export interface RawResponse {
  status: number;
  /** Header names in lower case. */
  headers: Record<string, string>;
  /** Status line and header lines without the Date line, for comparing two answers byte for byte. */
  headWithoutDate: string;
  dateLines: number;
  body: Buffer;
}

export interface ExchangeOptions {
  expect: number;
  bodiless?: (index: number) => boolean;
  gapMs?: number;
  waitMs?: number;
  busy?: () => boolean;
}

export interface Exchange {
  responses: RawResponse[];
  /** The server closed the connection before the client did. */
  closedByServer: boolean;
}

/**
 * Writes `pieces` (waiting `gapMs` between them) and reads until `expect` responses came, the server
 * closed, or `waitMs` passed. `bodiless(i)` says which responses have no body (answers to HEAD).
 * With `busy` (a server in this process answering a request, see inFlightRequests), `waitMs` counts
 * from the last piece sent, and the wait ends only once that server has nothing under way.
 */
export function exchange(port: number, pieces: (string | Buffer)[], options: ExchangeOptions): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = Buffer.alloc(0);
    let responses: RawResponse[] = [];
    let done = false;
    const finish = (closedByServer: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ responses, closedByServer });
    };
    // Silence means "no answer" only once the server had the time to answer: under load the timer
    // may fire before the poll phase that reads what the server wrote (loop turns are let pass
    // first), and a request still being answered (a password check, a file read) is waited for.
    const settle = async (busy: () => boolean) => {
      for (;;) {
        for (let turn = 0; turn < 5; turn += 1) await new Promise((next) => setImmediate(next));
        if (done) return;
        if (!busy()) return finish(false);
        await sleep(10);
      }
    };
    const { busy } = options;
    let timer: NodeJS.Timeout | undefined;
    const arm = () => void (timer = setTimeout(() => (busy ? void settle(busy) : finish(false)), options.waitMs ?? 5_000));
    if (!busy) arm();
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      responses = splitResponses(received, options.bodiless ?? (() => false));
      if (responses.length >= options.expect) finish(false);
    });
    socket.on('end', () => finish(true));
    socket.on('error', (error) => (done ? undefined : reject(error)));
    void (async () => {
      for (const [i, piece] of pieces.entries()) {
        if (i > 0) await sleep(options.gapMs ?? 50);
        const last = i === pieces.length - 1;
        if (!socket.destroyed) socket.write(piece, () => void (busy && last && !done ? arm() : undefined));
      }
    })();
  });
}

/** The whole responses in `bytes`; a trailing partial one is left out. */
export function splitResponses(bytes: Buffer, bodiless: (index: number) => boolean): RawResponse[] {
  const text = bytes.toString('latin1');
  const responses: RawResponse[] = [];
  let at = 0;
  while (at < text.length) {
    const headEnd = text.indexOf('\r\n\r\n', at);
    if (headEnd < 0) break;
    const head = text.slice(at, headEnd);
    const [statusLine = '', ...lines] = head.split('\r\n');
    const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
    const noBody = bodiless(responses.length) || status === 304 || status === 204;
    const body = noBody ? { bytes: Buffer.alloc(0), end: headEnd + 4 } : headers['transfer-encoding'] === 'chunked' ? dechunk(bytes, headEnd + 4) : sized(bytes, headEnd + 4, Number(headers['content-length'] ?? 0));
    if (!body) break;
    const headWithoutDate = [statusLine, ...lines.filter((line) => !/^date:/i.test(line))].join('\r\n');
    responses.push({ status, headers, headWithoutDate, dateLines: lines.length - (headWithoutDate.split('\r\n').length - 1), body: body.bytes });
    at = body.end;
  }
  return responses;
}

function sized(bytes: Buffer, start: number, length: number): { bytes: Buffer; end: number } | undefined {
  return start + length > bytes.length ? undefined : { bytes: bytes.subarray(start, start + length), end: start + length };
}

/** A chunked body (no trailers), or undefined while it is incomplete. */
function dechunk(bytes: Buffer, start: number): { bytes: Buffer; end: number } | undefined {
  const parts: Buffer[] = [];
  for (let at = start; ; ) {
    const lineEnd = bytes.indexOf('\r\n', at);
    if (lineEnd < 0) return undefined;
    const size = parseInt(bytes.subarray(at, lineEnd).toString('latin1'), 16);
    if (size === 0) return bytes.length < lineEnd + 4 ? undefined : { bytes: Buffer.concat(parts), end: lineEnd + 4 };
    if (lineEnd + 2 + size + 2 > bytes.length) return undefined;
    parts.push(bytes.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}

export const rawRequest = (path: string, headers: Record<string, string> = {}, method = 'GET') =>
  `${method} ${path} HTTP/1.1\r\n${Object.entries({ Host: '127.0.0.1', ...headers }).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;

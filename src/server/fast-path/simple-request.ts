// Reads one request head for the fast path, and only the plainest kind: HTTP/1.1 GET or HEAD of an
// origin-form path, no body, nothing but well-formed header lines. Anything else is "other" and goes
// to node:http untouched, so the fast path accepts a strict subset of what node:http accepts and the
// two can never disagree about where a request ends (no body framing headers are ever accepted).

export interface SimpleRequest {
  method: 'GET' | 'HEAD';
  /** The request target as sent: path and query. */
  target: string;
  host: string;
  acceptEncoding?: string;
  ifNoneMatch?: string;
  ifModifiedSince?: string;
  /** `Connection: close`: answer, then end the connection. */
  close: boolean;
  /** Bytes of the head, blank line included: the next request starts that far on. */
  length: number;
}

/** node:http's default limit; a longer head is node:http's to refuse. */
const MAX_HEAD = 16 * 1024;
/** Origin form of RFC 3986 characters only: no fragment, no space, no control or non-ASCII byte. */
const REQUEST_LINE = /^(GET|HEAD) (\/[A-Za-z0-9\-._~:/?[\]@!$&'()*+,;=%]*) HTTP\/1\.1$/;
/** Field lines of token names and visible-ASCII values (RFC 9110 §5): no obs-fold, no stray CR/LF/NUL, no obs-text. */
const FIELD_LINES = /^(?:[!#$%&'*+\-.^_`|~0-9A-Za-z]+:[\t\x20-\x7e]*\r\n)*$/;
/** Headers that make a request anything but plain: a body, a protocol switch, a partial answer. */
const NOT_PLAIN = new Set(['content-length', 'transfer-encoding', 'expect', 'upgrade', 'range', 'if-range', 'http2-settings', 'proxy-connection']);

/**
 * `text` holds the connection's bytes as latin1 (one char per byte, so offsets are byte offsets).
 * Returns "incomplete" when a plain head has begun but not ended, "other" for what the fast path leaves alone.
 */
export function parseSimpleRequest(text: string, start: number): Readonly<SimpleRequest> | 'incomplete' | 'other' {
  const headEnd = text.indexOf('\r\n\r\n', start);
  if (headEnd < 0) return text.length - start <= MAX_HEAD && mayBecomePlain(text.slice(start)) ? 'incomplete' : 'other';
  if (headEnd - start > MAX_HEAD) return 'other';
  // A client repeats the same head for the same resource, byte for byte: its reading is kept, when
  // the head came alone (a slice of a longer read would keep that whole read alive).
  if (start !== 0 || headEnd + 4 !== text.length || text.length > MAX_KEPT_HEAD) return parseHead(text.slice(start, headEnd + 4));
  let parsed = recent.get(text);
  if (parsed === undefined) {
    parsed = parseHead(text);
    if (recent.size >= RECENT_HEADS) recent.clear();
    recent.set(text, parsed);
  }
  return parsed;
}

/** Whether the start of a head can still become a plain request: only then is the rest worth waiting for. */
function mayBecomePlain(partial: string): boolean {
  const first = partial.slice(0, 6);
  if (!['GET /', 'HEAD /'].some((line) => line.startsWith(first) || first.startsWith(line))) return false;
  // A bare CR or LF (a CR at the very end may be half of a CRLF) is node:http's to judge, at once.
  if (/\r(?!\n)|(?<!\r)\n/.test(partial.endsWith('\r') ? partial.slice(0, -1) : partial)) return false;
  const lineEnd = partial.indexOf('\r\n');
  return lineEnd < 0 || REQUEST_LINE.test(partial.slice(0, lineEnd));
}

const RECENT_HEADS = 1000;
const MAX_KEPT_HEAD = 4096;
const recent = new Map<string, Readonly<SimpleRequest> | 'other'>();

/** `head` ends with its blank line. */
function parseHead(head: string): SimpleRequest | 'other' {
  const lineEnd = head.indexOf('\r\n');
  const line = REQUEST_LINE.exec(head.slice(0, lineEnd));
  if (!line) return 'other';
  const fields = head.slice(lineEnd + 2, -2);
  if (!FIELD_LINES.test(fields)) return 'other';

  const request: SimpleRequest = { method: line[1] as 'GET' | 'HEAD', target: line[2] as string, host: '', close: false, length: head.length };
  let hasHost = false;
  const seen = new Set<string>();
  for (let at = 0; at < fields.length; ) {
    const next = fields.indexOf('\r\n', at);
    const colon = fields.indexOf(':', at);
    const name = fields.slice(at, colon).toLowerCase();
    const value = fields.slice(colon + 1, next).trim();
    at = next + 2;
    if (NOT_PLAIN.has(name)) return 'other';
    // One of each header the answer depends on; node:http would join or refuse repeats.
    if (name === 'host' || name === 'accept-encoding' || name === 'if-none-match' || name === 'if-modified-since' || name === 'connection') {
      if (seen.has(name)) return 'other';
      seen.add(name);
    }
    if (name === 'host') {
      hasHost = true;
      request.host = value;
    } else if (name === 'accept-encoding') request.acceptEncoding = value;
    else if (name === 'if-none-match') request.ifNoneMatch = value;
    else if (name === 'if-modified-since') request.ifModifiedSince = value;
    else if (name === 'connection') {
      const options = value.toLowerCase().split(',').map((o) => o.trim());
      if (options.includes('upgrade') || options.includes('http2-settings')) return 'other';
      request.close = options.includes('close');
    }
  }
  return hasHost && request.host !== '' ? request : 'other';
}
